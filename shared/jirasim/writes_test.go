package jirasim

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"testing"
)

func groupByID(d *Dataset, id string) Group {
	i := slices.IndexFunc(d.Groups, func(g Group) bool { return g.GroupID == id })
	if i < 0 {
		return Group{}
	}
	return d.Groups[i]
}

func TestCreateUserJoinsProductGroups(t *testing.T) {
	d := mustGenerate(t, SizeSmall)
	e := startEnv(t, d, Options{})
	status, _, body := e.do("POST", "/user", e.token, map[string]any{
		"emailAddress": "ada@example.com", "products": []string{"jira-software"},
	})
	if status != 201 {
		t.Fatalf("status %d, body %s", status, body)
	}
	var u userJSON
	_ = json.Unmarshal(body, &u)
	after := e.srv.Dataset()
	software := groupByID(after, d.AppRoles[0].DefaultGroupIDs[0])
	if !slices.Contains(software.Members, u.AccountID) {
		t.Errorf("new user is not in the jira-software default group %q", software.Name)
	}
	if last := after.Users[len(after.Users)-1]; last.AccountID != u.AccountID || !last.Active {
		t.Errorf("last user %+v, want the new active user %s", last, u.AccountID)
	}
	if u.DisplayName != "ada" {
		t.Errorf("displayName = %q, want the email's local part", u.DisplayName)
	}
}

func TestDeleteUserLeavesGroupsAndRoles(t *testing.T) {
	d := mustGenerate(t, SizeSmall)
	var victim string
	for pr, a := range d.RoleActors {
		if len(a.AccountIDs) > 0 && pr.RoleID == RoleAdministrators {
			victim = a.AccountIDs[0]
			break
		}
	}
	e := startEnv(t, d, Options{})
	if status, _, body := e.do("DELETE", "/user?accountId="+url.QueryEscape(victim), e.token, nil); status != 204 {
		t.Fatalf("status %d, body %s", status, body)
	}
	after := e.srv.Dataset()
	if slices.ContainsFunc(after.Users, func(u User) bool { return u.AccountID == victim }) {
		t.Error("user still listed")
	}
	for _, g := range after.Groups {
		if slices.Contains(g.Members, victim) {
			t.Errorf("user still in group %q", g.Name)
		}
	}
	for pr, a := range after.RoleActors {
		if slices.Contains(a.AccountIDs, victim) {
			t.Errorf("user still holds role %d in project %s", pr.RoleID, pr.ProjectID)
		}
	}
}

func TestGroupMembershipWritesShowInReads(t *testing.T) {
	d := datasetWith(t, 3)
	e := startEnv(t, d, Options{})
	g := url.QueryEscape(d.Groups[0].GroupID)
	members := func() int {
		var p page
		e.get("/group/member?groupId="+g, &p)
		return p.Total
	}
	for _, u := range d.Users {
		e.do("POST", "/group/user?groupId="+g, e.token, map[string]string{"accountId": u.AccountID})
	}
	if n := members(); n != 3 {
		t.Errorf("after 3 adds: %d members, want 3", n)
	}
	e.do("DELETE", "/group/user?groupId="+g+"&accountId="+url.QueryEscape(d.Users[1].AccountID), e.token, nil)
	if n := members(); n != 2 {
		t.Errorf("after a removal: %d members, want 2", n)
	}
	e.srv.Mutate(func(d *Dataset) {
		if err := d.DeactivateUser(d.Users[0].AccountID); err != nil {
			t.Error(err)
		}
	})
	if n := members(); n != 1 {
		t.Errorf("after a deactivation: %d active members, want 1", n)
	}
}

func TestGroupByNameAndRename(t *testing.T) {
	d := mustGenerate(t, SizeSmall)
	e := startEnv(t, d, Options{})
	var special Group
	for _, g := range d.Groups {
		if g.Name == "R&D / Platform" {
			special = g
		}
	}
	var p page
	e.get("/group/member?includeInactiveUsers=true&groupname="+url.QueryEscape(special.Name), &p)
	if p.Total != len(special.Members) {
		t.Errorf("members of %q by name: %d, want %d", special.Name, p.Total, len(special.Members))
	}
	e.srv.Mutate(func(d *Dataset) {
		if err := d.RenameGroup(special.GroupID, "Platform R&D 100%"); err != nil {
			t.Error(err)
		}
	})
	var bulk page
	e.get("/group/bulk?groupId="+url.QueryEscape(special.GroupID), &bulk)
	if len(bulk.Values) != 1 || bulk.Values[0]["name"] != "Platform R&D 100%" {
		t.Errorf("group/bulk after rename: %v", bulk.Values)
	}
}

func TestRoleActorWritesShowInReads(t *testing.T) {
	d := datasetWith(t, 2)
	d.Roles = []Role{{ID: RoleMember, Name: "Member"}}
	e := startEnv(t, d, Options{})
	path := fmt.Sprintf("/project/%s/role/%d", d.Projects[0].Key, RoleMember)
	e.do("POST", path, e.token, map[string][]string{"user": {d.Users[0].AccountID}})
	e.do("POST", path, e.token, map[string][]string{"group": {d.Groups[1].Name}})
	var role projectRoleJSON
	e.get(path, &role)
	if len(role.Actors) != 2 {
		t.Fatalf("actors %+v, want a group and a user", role.Actors)
	}
	if g := role.Actors[0].ActorGroup; g == nil || g.GroupID != d.Groups[1].GroupID {
		t.Errorf("first actor %+v, want group %s", role.Actors[0], d.Groups[1].GroupID)
	}
	if u := role.Actors[1].ActorUser; u == nil || u.AccountID != d.Users[0].AccountID {
		t.Errorf("second actor %+v, want user %s", role.Actors[1], d.Users[0].AccountID)
	}
	e.srv.Mutate(func(d *Dataset) { _ = d.DeactivateUser(d.Users[0].AccountID) })
	e.get(path+"?excludeInactiveUsers=true", &role)
	if len(role.Actors) != 1 {
		t.Errorf("excludeInactiveUsers kept %d actors, want the group only", len(role.Actors))
	}
	e.do("DELETE", path+"?group="+url.QueryEscape(d.Groups[1].Name), e.token, nil)
	e.get(path, &role)
	if len(role.Actors) != 1 || role.Actors[0].ActorUser == nil {
		t.Errorf("after removing the group: actors %+v, want the user", role.Actors)
	}
}

func TestProjectRolesMapURLsEndInRoleID(t *testing.T) {
	d := mustGenerate(t, SizeSmall)
	e := startEnv(t, d, Options{})
	var roles map[string]string
	e.get("/project/"+d.Projects[0].ID+"/role", &roles)
	if len(roles) != len(d.Roles) {
		t.Fatalf("%d roles, want %d", len(roles), len(d.Roles))
	}
	for _, r := range d.Roles {
		want := fmt.Sprintf("%s/rest/api/3/project/%s/role/%d", d.Sites[0].URL, d.Projects[0].Key, r.ID)
		if roles[r.Name] != want {
			t.Errorf("role %q URL %q, want %q", r.Name, roles[r.Name], want)
		}
	}
}

func TestApplicationRoleCounts(t *testing.T) {
	d := datasetWith(t, 4)
	d.Users[3].Active = false
	for _, u := range d.Users {
		d.Groups[0].Members = append(d.Groups[0].Members, u.AccountID)
	}
	d.Groups[1].Members = []string{d.Users[0].AccountID}
	d.AppRoles = []AppRole{
		{Key: "jira-software", Name: "Jira Software", GroupIDs: []string{d.Groups[0].GroupID, d.Groups[1].GroupID},
			DefaultGroupIDs: []string{d.Groups[0].GroupID}, NumberOfSeats: 10},
		{Key: "jira-core", Name: "Jira Work Management", NumberOfSeats: -1, HasUnlimitedSeats: true},
	}
	e := startEnv(t, d, Options{})
	var roles []applicationRoleJSON
	e.get("/applicationrole", &roles)
	if roles[0].UserCount != 3 {
		t.Errorf("userCount = %d, want 3 distinct active users", roles[0].UserCount)
	}
	if roles[0].RemainingSeats != 7 {
		t.Errorf("remainingSeats = %d, want 7", roles[0].RemainingSeats)
	}
	if len(roles[0].GroupDetails) != 2 || len(roles[0].DefaultGroupsDetails) != 1 {
		t.Errorf("group details %v / %v, want 2 groups and 1 default", roles[0].GroupDetails, roles[0].DefaultGroupsDetails)
	}
	if roles[1].RemainingSeats != -1 || !roles[1].HasUnlimitedSeats {
		t.Errorf("unlimited role %+v, want remainingSeats -1", roles[1])
	}
}
