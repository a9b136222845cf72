package ondemand

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/idgov/atlassian-cloud-connector/shared/atlassian"
	"github.com/idgov/atlassian-cloud-connector/shared/provision"
	"github.com/idgov/atlassian-cloud-connector/shared/syncrun"
)

// Provisioning operation names. Each changes access in Jira; see
// docs/provisioning.md.
const (
	OpAddGroupMember         = provision.OpAddGroupMember
	OpRemoveGroupMember      = provision.OpRemoveGroupMember
	OpAddProjectRoleActor    = provision.OpAddProjectRoleActor
	OpRemoveProjectRoleActor = provision.OpRemoveProjectRoleActor
	OpCreateUser             = provision.OpCreateUser
	OpRemoveUser             = provision.OpRemoveUser
	OpCreateGroup            = provision.OpCreateGroup
	OpDeleteGroup            = provision.OpDeleteGroup
	// OpListActions pages through the connection's action log.
	OpListActions = "listActions"
)

// provisionOperations lists the operations that ProvisionRequest carries.
var provisionOperations = provision.Operations

// Error codes of the provisioning operations, in addition to the codes in
// errors.go.
const (
	CodeNotFound          = provision.CodeNotFound       // Jira has no such user, group, project, role or product
	CodeUserInactive      = provision.CodeUserInactive   // a deactivated user cannot be added
	CodeScopeNotGranted   = provision.CodeScopeMissing   // the operation needs a scope the app does not request
	CodeRequestInProgress = provision.CodeInProgress     // the first request with this requestId is still running
	CodeRequestIDConflict = provision.CodeConflict       // the requestId was used for a different request
	CodeJiraRejected      = provision.CodeJiraRejected   // Jira rejected the change
	CodeJiraForbidden     = provision.CodeJiraForbidden  // the grant lacks a scope or the user a permission
	CodeOutcomeUnknown    = provision.CodeOutcomeUnknown // a write's response was lost twice; resend with the same requestId
)

// ProvisionRequest is a request for one access change in Jira. The fields
// it requires depend on the operation, as docs/provisioning.md lists.
type ProvisionRequest struct {
	Header
	RequestID      string `json:"requestId"`
	Actor          string `json:"actor"`
	GroupID        string `json:"groupId"`
	AccountID      string `json:"accountId"`
	ProjectIDOrKey string `json:"projectIdOrKey"`
	RoleID         int64  `json:"roleId"`
	EmailAddress   string `json:"emailAddress"`
	// Products is required by createUser: [] means no product access, and
	// null or a missing field is rejected.
	Products  []string `json:"products"`
	GroupName string   `json:"groupName"`
}

func (r *ProvisionRequest) request() provision.Request {
	return provision.Request{
		Key: r.Key(), RequestID: r.RequestID, Actor: r.Actor,
		Action: provision.Action{
			Operation: r.Operation, GroupID: r.GroupID, AccountID: r.AccountID, ProjectIDOrKey: r.ProjectIDOrKey,
			RoleID: r.RoleID, EmailAddress: r.EmailAddress, Products: r.Products, GroupName: r.GroupName,
		},
	}
}

func (r *ProvisionRequest) validate() *Error {
	req := r.request()
	if err := req.Validate(); err != nil {
		return &Error{Code: err.Code, Field: err.Field, Message: err.Message}
	}
	return nil
}

// ActionsRequest requests one page of the connection's action log, newest
// entry first.
type ActionsRequest struct {
	Header
	PageToken string `json:"pageToken"`
	PageSize  *int   `json:"pageSize"`
}

func (r *ActionsRequest) validate() *Error {
	page := PageRequest{PageToken: r.PageToken, PageSize: r.PageSize}
	return page.validate()
}

// ActionsResult is one page of the action log. NextPageToken is empty after
// the last page; a page may be empty while a token is still given.
type ActionsResult struct {
	Items         []provision.ActionRecord `json:"items"`
	NextPageToken string                   `json:"nextPageToken,omitempty"`
}

func newProvisionRequest(operation string) Request {
	switch {
	case operation == OpListActions:
		return &ActionsRequest{}
	case slices.Contains(provisionOperations, operation):
		return &ProvisionRequest{}
	}
	return nil
}

// provisioner returns the provisioning service, with the Jira pace of the
// sync's client factory.
func (s *Service) provisioner() *provision.Service {
	p := &provision.Service{
		Table: s.Table, Engine: s.Engine, Tokens: s.Tokens, APIURL: s.APIURL, Logger: s.logger(), Now: s.Now,
	}
	if factory, ok := s.Engine.Jira.(*syncrun.AtlassianFactory); ok {
		p.RatePerSecond = factory.RatePerSecond
	}
	return p
}

// provision carries out one access change on a connected connection.
func (s *Service) provision(ctx context.Context, r *ProvisionRequest) (*provision.Result, error) {
	conn, err := s.usableConnection(ctx, &r.Header, true)
	if err != nil {
		return nil, err
	}
	result, err := s.provisioner().Do(ctx, conn, r.request())
	if err != nil {
		return nil, provisionError(err)
	}
	return result, nil
}

// provisionError converts the provision package's errors and Jira's
// permission errors into response errors; others go on to toError.
func provisionError(err error) error {
	var (
		own          *provision.Error
		forbidden    *atlassian.ForbiddenError
		unauthorized *atlassian.UnauthorizedError
	)
	switch {
	case errors.As(err, &own):
		return &Error{Code: own.Code, Field: own.Field, Message: own.Message}
	case errors.As(err, &forbidden):
		return &Error{Code: CodeJiraForbidden, Message: describeJiraError(err)}
	case errors.As(err, &unauthorized):
		return &Error{Code: CodeReconsentRequired, Message: describeJiraError(err)}
	}
	return err
}

// listActions returns a page of the connection's action log.
func (s *Service) listActions(ctx context.Context, r *ActionsRequest) (*ActionsResult, error) {
	conn, err := s.usableConnection(ctx, &r.Header, false)
	if err != nil {
		return nil, err
	}
	key, err := s.PageTokens.Key(ctx)
	if err != nil {
		return nil, err
	}

	after := ""
	if r.PageToken != "" {
		claims, tokenErr := verifyPageToken(key, r.PageToken, r.Operation, &r.Header)
		if tokenErr != nil {
			return nil, tokenErr
		}
		if !strings.HasPrefix(claims.LastSK, provision.ActionSKPrefix) {
			return nil, newError(CodeInvalidPageToken, "pageToken", "the page token is not one listActions issued: send the nextPageToken of the previous page unchanged, or leave it out to start again")
		}
		after = claims.LastSK
	}

	size := DefaultPageSize
	if r.PageSize != nil {
		size = *r.PageSize
	}
	records, next, err := s.provisioner().ListActions(ctx, conn.Key, after, size)
	if err != nil {
		return nil, err
	}
	result := &ActionsResult{Items: records}
	if next != "" {
		result.NextPageToken = signPageToken(key, pageClaims{
			Operation: r.Operation, Tenant: r.Tenant, ConnectionID: r.ConnectionID, LastSK: next,
		})
	}
	return result, nil
}
