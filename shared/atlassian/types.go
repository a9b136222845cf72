package atlassian

// Page is one page of a paged Jira response (a PageBean).
type Page[T any] struct {
	StartAt    int
	MaxResults int
	// Total is the size of the whole collection, nil when Jira omits it.
	Total *int
	// IsLast is true when Jira marks this page as the last. It is false
	// both when Jira sends false and when it omits the field.
	IsLast bool
	Values []T
}

// User is a Jira user, keyed by AccountID.
type User struct {
	AccountID string `json:"accountId"`
	// AccountType is "atlassian", "app", "customer" or "unknown".
	AccountType string `json:"accountType"`
	Active      bool   `json:"active"`
	DisplayName string `json:"displayName"`
	// EmailAddress is nil when the user's profile visibility hides it.
	EmailAddress *string `json:"emailAddress"`
	// Locale is empty in group member pages, which do not include it.
	Locale   string `json:"locale"`
	TimeZone string `json:"timeZone"`
}

// Group is a Jira group, keyed by GroupID because names can change.
type Group struct {
	GroupID string `json:"groupId"`
	Name    string `json:"name"`
}

// ApplicationRole is a product (such as jira-software) and the groups that
// grant access to it.
type ApplicationRole struct {
	Key  string
	Name string
	// GroupIDs are the groups that grant the product, from groupDetails.
	GroupIDs []string
	// DefaultGroupIDs are the groups new users join, from defaultGroupsDetails.
	DefaultGroupIDs   []string
	UserCount         int
	NumberOfSeats     int
	RemainingSeats    int
	HasUnlimitedSeats bool
	Platform          bool
}

// Project is a Jira project.
type Project struct {
	ID   string
	Key  string
	Name string
	// CategoryID is the project category's id, empty when it has none.
	CategoryID string
}

// Role is a project role defined for the whole site, from GET /role.
type Role struct {
	ID          int64
	Name        string
	Description string
}

// ProjectRoleDetails is a project role in one project with its actors.
type ProjectRoleDetails struct {
	ID     int64
	Name   string
	Actors []Actor
}

// Actor types in project roles.
const (
	ActorTypeUser  = "atlassian-user-role-actor"
	ActorTypeGroup = "atlassian-group-role-actor"
)

// Actor is a user or a group that holds a project role. AccountID is set
// for ActorTypeUser, GroupID and GroupName for ActorTypeGroup.
type Actor struct {
	Type      string
	AccountID string
	GroupID   string
	GroupName string
}

// ProjectCategory is a category that projects can belong to.
type ProjectCategory struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
}

// Resource is a site that an access token can reach.
type Resource struct {
	// ID is the site's cloudId.
	ID string `json:"id"`
	// Name is the site name, such as "acme".
	Name string `json:"name"`
	// URL is the site URL, such as "https://acme.atlassian.net".
	URL       string   `json:"url"`
	Scopes    []string `json:"scopes"`
	AvatarURL string   `json:"avatarUrl"`
}
