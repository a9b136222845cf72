package ondemand

import (
	"context"
	"errors"
	"net/http"
	"time"

	"golang.org/x/oauth2"

	"github.com/idgov/atlassian-cloud-connector/shared/atlassian"
	"github.com/idgov/atlassian-cloud-connector/shared/connection"
)

// previewGroups is how many groups validateConnection lists: one page of
// GET /group/bulk at its default size.
const previewGroups = atlassian.MaxGroupsPage

var defaultHTTPClient = &http.Client{Timeout: 30 * time.Second}

// Names of the checks validateConnection runs, in order.
const (
	CheckToken      = "token"      // a valid access token, refreshed if needed
	CheckSiteAccess = "siteAccess" // accessible-resources lists the connection's site
	CheckRead       = "read"       // GET /role on the site succeeds
)

// Check is the outcome of one live check.
type Check struct {
	Name    string `json:"name"`
	OK      bool   `json:"ok"`
	Message string `json:"message,omitempty"`
}

// ValidateResult is the result of validateConnection. Valid is true when
// every check passed; Preview is set only then.
type ValidateResult struct {
	Valid         bool      `json:"valid"`
	CheckedAt     time.Time `json:"checkedAt"`
	Checks        []Check   `json:"checks"`
	TokenDaysLeft int       `json:"tokenDaysLeft"`
	Preview       *Preview  `json:"preview,omitempty"`
}

// Preview is a first look at the entitlement catalogue.
type Preview struct {
	// Groups is the first page of groups; MoreGroups is true when Jira has
	// more.
	Groups           []atlassian.Group `json:"groups"`
	MoreGroups       bool              `json:"moreGroups"`
	GroupCount       *int              `json:"groupCount,omitempty"` // when Jira reports a total
	ApplicationRoles []AppRolePreview  `json:"applicationRoles"`
	ProjectCount     *int              `json:"projectCount"` // null when Jira reports no total
	ProjectRoles     []string          `json:"projectRoles"`
}

// AppRolePreview is one product and the groups that grant it.
type AppRolePreview struct {
	Key      string   `json:"key"`
	Name     string   `json:"name"`
	GroupIDs []string `json:"groupIds"`
}

// validateConnection checks the token and the site access of a connected
// connection and previews its entitlement catalogue. A failed check is
// reported in the result. The request itself fails only when the connection
// is not connected, its grant is gone, or a service is unavailable.
func (s *Service) validateConnection(ctx context.Context, r *ConnectionRequest) (*ValidateResult, error) {
	conn, err := s.usableConnection(ctx, &r.Header, true)
	if err != nil {
		return nil, err
	}
	now := s.now()
	result := &ValidateResult{CheckedAt: now, TokenDaysLeft: viewConnection(conn, now).TokenDaysLeft}
	token, err := s.Tokens.Token(ctx, conn.Key)
	if err != nil {
		return nil, err
	}
	result.Checks = append(result.Checks, Check{Name: CheckToken, OK: true})
	client := &http.Client{
		Transport: &oauth2.Transport{Source: oauth2.StaticTokenSource(token), Base: s.httpClient().Transport},
		Timeout:   s.httpClient().Timeout,
	}
	siteCheck, err := s.checkSite(ctx, conn, client)
	if err != nil {
		return nil, err
	}
	result.Checks = append(result.Checks, siteCheck)
	if !siteCheck.OK {
		return result, nil
	}
	jira, err := atlassian.New(atlassian.Config{APIURL: s.APIURL, CloudID: conn.CloudID, HTTPClient: client, Logger: s.logger()})
	if err != nil {
		return nil, err
	}
	roles, err := jira.Roles(ctx)
	if err != nil {
		if isTransient(err) {
			return nil, err
		}
		result.Checks = append(result.Checks, Check{Name: CheckRead, Message: describeJiraError(err)})
		return result, nil
	}
	result.Checks = append(result.Checks, Check{Name: CheckRead, OK: true})
	preview, err := s.preview(ctx, jira)
	if err != nil {
		if isTransient(err) {
			return nil, err
		}
		result.Checks = append(result.Checks, Check{Name: "preview", Message: describeJiraError(err)})
		return result, nil
	}
	for _, role := range roles {
		preview.ProjectRoles = append(preview.ProjectRoles, role.Name)
	}
	result.Preview, result.Valid = preview, true
	return result, nil
}

// checkSite looks for the connection's site among the sites the token can
// reach, with the cloud ID recorded at consent.
func (s *Service) checkSite(ctx context.Context, conn connection.Connection, client *http.Client) (Check, error) {
	check := Check{Name: CheckSiteAccess}
	resources, err := atlassian.AccessibleResources(ctx, client, s.APIURL)
	if err != nil {
		if isTransient(err) {
			return check, err
		}
		check.Message = describeJiraError(err)
		return check, nil
	}
	for _, r := range resources {
		if !connection.SameSite(conn.SiteURL, r.URL) {
			continue
		}
		if r.ID != conn.CloudID {
			check.Message = "the site " + conn.SiteURL + " now has cloud ID " + r.ID + ", not " + conn.CloudID + " as at consent: a site admin must consent again"
			return check, nil
		}
		check.OK = true
		return check, nil
	}
	check.Message = "the grant no longer reaches " + conn.SiteURL + ": a site admin must consent again and choose that site"
	return check, nil
}

func (s *Service) preview(ctx context.Context, jira *atlassian.Client) (*Preview, error) {
	groups, err := jira.BulkGroups(ctx, 0, previewGroups)
	if err != nil {
		return nil, err
	}
	appRoles, err := jira.ApplicationRoles(ctx)
	if err != nil {
		return nil, err
	}
	projects, err := jira.SearchProjects(ctx, 0, 1)
	if err != nil {
		return nil, err
	}
	p := &Preview{
		Groups: groups.Values, MoreGroups: !groups.IsLast, GroupCount: groups.Total,
		ApplicationRoles: []AppRolePreview{}, ProjectCount: projects.Total, ProjectRoles: []string{},
	}
	if p.Groups == nil {
		p.Groups = []atlassian.Group{}
	}
	for _, role := range appRoles {
		ids := role.GroupIDs
		if ids == nil {
			ids = []string{}
		}
		p.ApplicationRoles = append(p.ApplicationRoles, AppRolePreview{Key: role.Key, Name: role.Name, GroupIDs: ids})
	}
	return p, nil
}

// describeJiraError explains what a failed check means for the customer.
func describeJiraError(err error) string {
	var (
		forbidden    *atlassian.ForbiddenError
		unauthorized *atlassian.UnauthorizedError
		notFound     *atlassian.NotFoundError
	)
	switch {
	case errors.As(err, &forbidden):
		return "Jira denied the request (" + err.Error() + "): the app lacks a scope or the consenting user lacks a Jira permission; fix it and consent again"
	case errors.As(err, &unauthorized):
		return "Atlassian rejected the access token (" + err.Error() + "): a site admin must consent again"
	case errors.As(err, &notFound):
		return "Jira did not find the site or resource (" + err.Error() + "): check the site URL, then consent again"
	}
	return err.Error()
}

func (s *Service) httpClient() *http.Client {
	if s.HTTPClient != nil {
		return s.HTTPClient
	}
	return defaultHTTPClient
}
