package jirasim

import "slices"

// Size selects the scale of a generated dataset.
type Size string

// Dataset sizes. The user, group and project counts are exact.
const (
	SizeSmall  Size = "small"  // 200 users, 16 groups, 8 projects
	SizeMedium Size = "medium" // 10,000 users, 1,000 groups, 200 projects
	SizeLarge  Size = "large"  // 100,000 users, 20,000 groups, 2,500 projects
)

// Dataset is the content of one Jira Cloud site plus the list of sites the
// grant can reach.
type Dataset struct {
	// Sites are the accessible resources. Sites[0] is the site whose data
	// this is; the others appear only in accessible-resources.
	Sites      []Site
	Users      []User // in users/search order
	Groups     []Group
	AppRoles   []AppRole
	Projects   []Project
	Roles      []Role // global project roles (GET /role); every project has all of them
	RoleActors map[ProjectRole]Actors
	Categories []Category
}

// Site is an accessible resource: a Jira Cloud site reachable with the grant.
type Site struct {
	CloudID string
	Name    string
	URL     string // like "https://acme.atlassian.net"
}

// User is a Jira user as users/search returns it.
type User struct {
	AccountID   string
	AccountType string // "atlassian", "app", "customer" or "unknown"
	Active      bool
	DisplayName string
	Email       *string // nil when profile visibility hides it; the field is then absent
	Locale      string
	TimeZone    string
	Erased      bool // erased on request: keeps the accountId and little else
}

// Group is a Jira group. Members are account IDs in the order group/member
// returns them.
type Group struct {
	GroupID string
	Name    string
	Members []string
}

// AppRole is an application role (product access) and the groups that grant it.
type AppRole struct {
	Key               string
	Name              string
	GroupIDs          []string
	DefaultGroupIDs   []string
	NumberOfSeats     int
	HasUnlimitedSeats bool
}

// Project is a Jira project. CategoryID is empty for a project without a category.
type Project struct {
	ID         string
	Key        string
	Name       string
	CategoryID string
}

// Role is a global project role.
type Role struct {
	ID          int64
	Name        string
	Description string
}

// ProjectRole names one role in one project.
type ProjectRole struct {
	ProjectID string
	RoleID    int64
}

// Actors are the users and groups that hold a role in a project.
type Actors struct {
	AccountIDs []string
	GroupIDs   []string
}

// Category is a project category.
type Category struct {
	ID          string
	Name        string
	Description string
}

// Clone returns a deep copy of d.
func (d *Dataset) Clone() *Dataset {
	c := &Dataset{
		Sites:      slices.Clone(d.Sites),
		Users:      make([]User, len(d.Users)),
		Groups:     make([]Group, len(d.Groups)),
		AppRoles:   make([]AppRole, len(d.AppRoles)),
		Projects:   slices.Clone(d.Projects),
		Roles:      slices.Clone(d.Roles),
		RoleActors: make(map[ProjectRole]Actors, len(d.RoleActors)),
		Categories: slices.Clone(d.Categories),
	}
	for i, u := range d.Users {
		if u.Email != nil {
			email := *u.Email
			u.Email = &email
		}
		c.Users[i] = u
	}
	for i, g := range d.Groups {
		g.Members = slices.Clone(g.Members)
		c.Groups[i] = g
	}
	for i, r := range d.AppRoles {
		r.GroupIDs = slices.Clone(r.GroupIDs)
		r.DefaultGroupIDs = slices.Clone(r.DefaultGroupIDs)
		c.AppRoles[i] = r
	}
	for k, a := range d.RoleActors {
		c.RoleActors[k] = Actors{AccountIDs: slices.Clone(a.AccountIDs), GroupIDs: slices.Clone(a.GroupIDs)}
	}
	if d.RoleActors == nil {
		c.RoleActors = nil
	}
	return c
}

// site returns the site whose data d contains.
func (d *Dataset) site() Site {
	if len(d.Sites) == 0 {
		return Site{}
	}
	return d.Sites[0]
}
