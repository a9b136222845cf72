package jirasim

import (
	"slices"
	"strconv"
	"strings"
)

func (g *generator) categories() {
	for i := range g.spec.categories {
		name := categoryNames[i%len(categoryNames)]
		if i >= len(categoryNames) {
			name += " " + strconv.Itoa(i/len(categoryNames)+1)
		}
		g.d.Categories = append(g.d.Categories, Category{
			ID: strconv.Itoa(10000 + i), Name: name, Description: "Projects of " + name,
		})
	}
}

func (g *generator) projects() {
	keys := map[string]bool{}
	for i := range g.spec.projects {
		word := projectWords[g.rng.IntN(len(projectWords))]
		second := teamWords[g.rng.IntN(len(teamWords))]
		prefix := strings.ToUpper(word[:min(4, len(word))])
		key := prefix
		for n := 2; keys[key]; n++ {
			key = prefix + strconv.Itoa(n)
		}
		keys[key] = true
		p := Project{ID: strconv.Itoa(10000 + i), Key: key, Name: word + " " + second + " (" + key + ")"}
		if g.rng.IntN(5) > 0 {
			p.CategoryID = g.d.Categories[g.rng.IntN(len(g.d.Categories))].ID
		}
		g.d.Projects = append(g.d.Projects, p)
	}
	// project/search orders by key by default.
	slices.SortFunc(g.d.Projects, func(a, b Project) int { return strings.Compare(a.Key, b.Key) })
}

func (g *generator) roles() {
	g.d.Roles = []Role{
		{ID: RoleAdministrators, Name: "Administrators", Description: "Administrators of the project"},
		{ID: RoleAddonsAccess, Name: "atlassian-addons-project-access", Description: "Apps that need access to the project"},
		{ID: RoleMember, Name: "Member", Description: "Members of the project"},
		{ID: RoleViewer, Name: "Viewer", Description: "People who can view the project"},
		{ID: RoleServiceDesk, Name: "Service Desk Team", Description: "Agents of the service project"},
	}
}

// maxTeamGroupActor is the largest group chosen as a random project role
// actor.
const maxTeamGroupActor = 200

func (g *generator) roleActors() {
	admins := g.groupID("jira-admins-acme")
	jsm := g.groupID("jira-servicemanagement-users-acme")
	users := g.groupID("jira-users")
	set := func(p Project, role int64, a Actors) {
		if len(a.AccountIDs)+len(a.GroupIDs) > 0 {
			g.d.RoleActors[ProjectRole{ProjectID: p.ID, RoleID: role}] = a
		}
	}
	// Team groups, not the site-wide ones, hold project roles: a sync
	// expands every group actor into one grant per member, so a huge group
	// on many projects would multiply the grants far beyond real sites'.
	randomGroups := func(n int) []string {
		ids := make([]string, 0, n)
		for attempt := 0; len(ids) < n && attempt < 4*n; attempt++ {
			group := g.d.Groups[g.rng.IntN(len(g.d.Groups))]
			if len(group.Members) > maxTeamGroupActor || slices.Contains(ids, group.GroupID) {
				continue
			}
			ids = append(ids, group.GroupID)
		}
		return ids
	}
	for _, p := range g.d.Projects {
		set(p, RoleAdministrators, Actors{
			AccountIDs: g.accountIDs(g.pickMembers(g.adminPool, 1+g.rng.IntN(2))),
			GroupIDs:   []string{admins},
		})
		set(p, RoleAddonsAccess, Actors{AccountIDs: g.accountIDs(g.pickMembers(g.appUsers, 1+g.rng.IntN(2)))})
		set(p, RoleMember, Actors{
			AccountIDs: g.accountIDs(g.pickMembers(g.eligible, g.rng.IntN(5))),
			GroupIDs:   randomGroups(g.rng.IntN(4)),
		})
		// A few open projects let every licensed user view them.
		if g.rng.IntN(100) == 0 {
			set(p, RoleViewer, Actors{GroupIDs: []string{users}})
		}
		if g.rng.IntN(10) == 0 {
			set(p, RoleServiceDesk, Actors{
				AccountIDs: g.accountIDs(g.pickMembers(g.adminPool, g.rng.IntN(3))),
				GroupIDs:   []string{jsm},
			})
		}
	}
}
