package jirasim

import (
	"net/url"
	"strconv"
)

// Response bodies. Field sets follow the schemas of Atlassian's OpenAPI
// document; most schemas forbid additional properties, so each schema has
// its own type. Self links point at the site URL, as Jira's do.

type avatarURLs struct {
	Size16 string `json:"16x16"`
	Size24 string `json:"24x24"`
	Size32 string `json:"32x32"`
	Size48 string `json:"48x48"`
}

func avatarsFor(kind string) *avatarURLs {
	base := "https://avatar-management--avatars.us-west-2.prod.public.atl-paas.net/default-" + kind + ".png?size="
	return &avatarURLs{Size16: base + "16", Size24: base + "24", Size32: base + "32", Size48: base + "48"}
}

var (
	userAvatars    = avatarsFor("user")
	projectAvatars = avatarsFor("project")
)

// userJSON is the User schema (users/search, GET /user).
type userJSON struct {
	Self         string      `json:"self"`
	AccountID    string      `json:"accountId"`
	AccountType  string      `json:"accountType"`
	EmailAddress *string     `json:"emailAddress,omitempty"`
	AvatarURLs   *avatarURLs `json:"avatarUrls"`
	DisplayName  string      `json:"displayName"`
	Active       bool        `json:"active"`
	TimeZone     string      `json:"timeZone,omitempty"`
	Locale       string      `json:"locale,omitempty"`
	Groups       *listSize   `json:"groups,omitempty"`
	AppRoles     *listSize   `json:"applicationRoles,omitempty"`
	Expand       string      `json:"expand,omitempty"`
}

// listSize is SimpleListWrapper without items, as GET /user sends it
// unless the request expands it.
type listSize struct {
	Size       int   `json:"size"`
	Items      []any `json:"items"`
	MaxResults int   `json:"max-results"`
}

// userDetailsJSON is the UserDetails schema (group/member values), which
// has no locale.
type userDetailsJSON struct {
	Self         string      `json:"self"`
	AccountID    string      `json:"accountId"`
	AccountType  string      `json:"accountType"`
	EmailAddress *string     `json:"emailAddress,omitempty"`
	AvatarURLs   *avatarURLs `json:"avatarUrls"`
	DisplayName  string      `json:"displayName"`
	Active       bool        `json:"active"`
	TimeZone     string      `json:"timeZone,omitempty"`
}

func userSelf(siteURL, accountID string) string {
	return siteURL + "/rest/api/3/user?accountId=" + url.QueryEscape(accountID)
}

func toUserJSON(siteURL string, u User) userJSON {
	j := userJSON{
		Self: userSelf(siteURL, u.AccountID), AccountID: u.AccountID, AccountType: u.AccountType,
		EmailAddress: u.Email, AvatarURLs: userAvatars, DisplayName: u.DisplayName,
		Active: u.Active, TimeZone: u.TimeZone, Locale: u.Locale,
	}
	if u.Erased {
		j.EmailAddress, j.TimeZone, j.Locale, j.Active = nil, "", "", false
	}
	return j
}

func toUserDetailsJSON(siteURL string, u User) userDetailsJSON {
	j := toUserJSON(siteURL, u)
	return userDetailsJSON{
		Self: j.Self, AccountID: j.AccountID, AccountType: j.AccountType, EmailAddress: j.EmailAddress,
		AvatarURLs: j.AvatarURLs, DisplayName: j.DisplayName, Active: j.Active, TimeZone: j.TimeZone,
	}
}

// pageJSON is Jira's page envelope (PageBeanGroupDetails, PageBeanUserDetails,
// PageBeanProject).
type pageJSON[T any] struct {
	Self       string `json:"self"`
	NextPage   string `json:"nextPage,omitempty"`
	MaxResults int    `json:"maxResults"`
	StartAt    int    `json:"startAt"`
	Total      int    `json:"total"`
	IsLast     bool   `json:"isLast"`
	Values     []T    `json:"values"`
}

// pageLink returns the URL of the page at startAt of the request's query.
func pageLink(siteURL, path string, q url.Values, startAt, maxResults int) string {
	q2 := url.Values{}
	for k, v := range q {
		q2[k] = v
	}
	q2.Set("startAt", strconv.Itoa(startAt))
	q2.Set("maxResults", strconv.Itoa(maxResults))
	return siteURL + "/rest/api/3" + path + "?" + q2.Encode()
}

// groupDetailsJSON is the GroupDetails and GroupName schema.
type groupDetailsJSON struct {
	Name    string `json:"name"`
	GroupID string `json:"groupId"`
	Self    string `json:"self,omitempty"`
}

func groupSelf(siteURL, groupID string) string {
	return siteURL + "/rest/api/3/group?groupId=" + url.QueryEscape(groupID)
}

// groupJSON is the Group schema that group writes return.
type groupJSON struct {
	Name    string         `json:"name"`
	GroupID string         `json:"groupId"`
	Self    string         `json:"self"`
	Users   groupUsersJSON `json:"users"`
	Expand  string         `json:"expand"`
}

// groupUsersJSON is PagedListUserDetailsApplicationUser, left unexpanded.
type groupUsersJSON struct {
	Size       int               `json:"size"`
	Items      []userDetailsJSON `json:"items"`
	MaxResults int               `json:"max-results"`
	StartIndex int               `json:"start-index"`
	EndIndex   int               `json:"end-index"`
}

func toGroupJSON(siteURL string, g Group, members int) groupJSON {
	return groupJSON{
		Name: g.Name, GroupID: g.GroupID, Self: groupSelf(siteURL, g.GroupID), Expand: "users",
		Users: groupUsersJSON{Size: members, Items: []userDetailsJSON{}, MaxResults: 50},
	}
}

// applicationRoleJSON is the ApplicationRole schema.
type applicationRoleJSON struct {
	Key                  string             `json:"key"`
	Groups               []string           `json:"groups"`
	GroupDetails         []groupDetailsJSON `json:"groupDetails"`
	Name                 string             `json:"name"`
	DefaultGroups        []string           `json:"defaultGroups"`
	DefaultGroupsDetails []groupDetailsJSON `json:"defaultGroupsDetails"`
	SelectedByDefault    bool               `json:"selectedByDefault"`
	Defined              bool               `json:"defined"`
	NumberOfSeats        int                `json:"numberOfSeats"`
	RemainingSeats       int                `json:"remainingSeats"`
	UserCount            int                `json:"userCount"`
	UserCountDescription string             `json:"userCountDescription"`
	HasUnlimitedSeats    bool               `json:"hasUnlimitedSeats"`
	Platform             bool               `json:"platform"`
}

// categoryJSON is the ProjectCategory schema.
type categoryJSON struct {
	Self        string `json:"self"`
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
}

func toCategoryJSON(siteURL string, c Category) categoryJSON {
	return categoryJSON{Self: siteURL + "/rest/api/3/projectCategory/" + c.ID, ID: c.ID, Name: c.Name, Description: c.Description}
}

// projectJSON is the Project schema as project/search returns it.
type projectJSON struct {
	Expand          string         `json:"expand"`
	Self            string         `json:"self"`
	ID              string         `json:"id"`
	Key             string         `json:"key"`
	Name            string         `json:"name"`
	AvatarURLs      *avatarURLs    `json:"avatarUrls"`
	ProjectCategory *categoryJSON  `json:"projectCategory,omitempty"`
	ProjectTypeKey  string         `json:"projectTypeKey"`
	Simplified      bool           `json:"simplified"`
	Style           string         `json:"style"`
	IsPrivate       bool           `json:"isPrivate"`
	Properties      map[string]any `json:"properties"`
}

// projectRoleJSON is the ProjectRole schema.
type projectRoleJSON struct {
	Self        string          `json:"self"`
	Name        string          `json:"name"`
	ID          int64           `json:"id"`
	Description string          `json:"description"`
	Actors      []roleActorJSON `json:"actors,omitzero"` // nil for GET /role
}

// roleActorJSON is the RoleActor schema.
type roleActorJSON struct {
	ID          int64           `json:"id"`
	DisplayName string          `json:"displayName"`
	Type        string          `json:"type"`
	Name        string          `json:"name,omitempty"`
	ActorUser   *actorUserJSON  `json:"actorUser,omitempty"`
	ActorGroup  *actorGroupJSON `json:"actorGroup,omitempty"`
}

type actorUserJSON struct {
	AccountID string `json:"accountId"`
}

type actorGroupJSON struct {
	Name        string `json:"name"`
	DisplayName string `json:"displayName"`
	GroupID     string `json:"groupId"`
}
