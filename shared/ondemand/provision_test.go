package ondemand_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/idgov/atlassian-cloud-connector/shared/jirasim"
	"github.com/idgov/atlassian-cloud-connector/shared/oauth"
	"github.com/idgov/atlassian-cloud-connector/shared/ondemand"
	"github.com/idgov/atlassian-cloud-connector/shared/provision"
	"github.com/idgov/atlassian-cloud-connector/shared/snapshot"
	"github.com/idgov/atlassian-cloud-connector/shared/syncrun"
)

func TestGroupMembershipAddAndRemove(t *testing.T) {
	t.Parallel()
	e := newSyncedEnv(t)
	admins := e.groupNamed(t, adminsGroupName)
	user := e.activeNonMember(t, admins)
	fields := map[string]any{"groupId": admins.GroupID, "accountId": user.AccountID}
	before := e.grantsOf(t, user.AccountID)

	added := e.provisioned(t, ondemand.OpAddGroupMember, fields)
	wantResult(t, added, true, provision.OutcomeAdded, provision.DecidedByResponse)
	if !e.isMember(admins.GroupID, user.AccountID) {
		t.Error("Jira: the user is not a member after addGroupMember")
	}
	want := e.groupGrants(admins.GroupID)
	if len(want) < 3 {
		t.Fatalf("group %s confers only %v; the test needs an application role and a project role", adminsGroupName, want)
	}
	after := e.grantsOf(t, user.AccountID)
	if got := without(after, before); !slices.Equal(got, want) {
		t.Errorf("snapshot grants added = %v, want %v", got, want)
	}
	if got := without(before, after); len(got) != 0 {
		t.Errorf("snapshot grants lost by the add = %v, want none", got)
	}
	if added.Snapshot.RunID == "" || added.Snapshot.Written == 0 {
		t.Errorf("snapshot edit = %+v, want a run id and written records", added.Snapshot)
	}

	again := e.provisioned(t, ondemand.OpAddGroupMember, fields)
	wantResult(t, again, false, provision.OutcomeAlreadyPresent, provision.DecidedByReadBack)

	removed := e.provisioned(t, ondemand.OpRemoveGroupMember, fields)
	wantResult(t, removed, true, provision.OutcomeRemoved, provision.DecidedByResponse)
	if e.isMember(admins.GroupID, user.AccountID) {
		t.Error("Jira: the user is still a member after removeGroupMember")
	}
	if got := e.grantsOf(t, user.AccountID); !slices.Equal(got, before) {
		t.Errorf("snapshot grants after remove = %v, want those before the add: %v", got, before)
	}

	absent := e.provisioned(t, ondemand.OpRemoveGroupMember, fields)
	wantResult(t, absent, false, provision.OutcomeAlreadyAbsent, provision.DecidedByReadBack)
	e.checkNoLeaks(t)
}

func TestRepeatedRequestIDReturnsFirstResult(t *testing.T) {
	t.Parallel()
	e := newSyncedEnv(t)
	admins := e.groupNamed(t, adminsGroupName)
	user := e.activeNonMember(t, admins)
	fields := map[string]any{"requestId": "repeat-1", "groupId": admins.GroupID, "accountId": user.AccountID}

	first := e.provisioned(t, ondemand.OpAddGroupMember, fields)
	writes := e.countRequests("POST", "/group/user")
	second := e.provisioned(t, ondemand.OpAddGroupMember, fields)
	if !second.Replayed {
		t.Error("replayed = false on the repeat")
	}
	if first.Replayed {
		t.Error("replayed = true on the first request")
	}
	if second.Changed != first.Changed || second.Outcome != first.Outcome || !second.StartedAt.Equal(first.StartedAt) {
		t.Errorf("repeat = %+v, want the first result %+v", second, first)
	}
	if got := e.countRequests("POST", "/group/user"); got != writes {
		t.Errorf("POST /group/user calls = %d after the repeat, want %d (no new write)", got, writes)
	}

	other := e.userWhere(t, "second active user outside the group", func(u jirasim.User) bool {
		return u.Active && u.AccountID != user.AccountID && !slices.Contains(admins.Members, u.AccountID)
	})
	conflict := e.provision(t, ondemand.OpAddGroupMember, map[string]any{
		"requestId": "repeat-1", "groupId": admins.GroupID, "accountId": other.AccountID,
	})
	wantError(t, conflict, ondemand.CodeRequestIDConflict, "requestId")
	if e.isMember(admins.GroupID, other.AccountID) {
		t.Error("the conflicting request changed Jira")
	}
}

func TestProjectRoleUserActor(t *testing.T) {
	t.Parallel()
	e := newSyncedEnv(t)
	project := e.sim.Dataset().Projects[0]
	role := jirasim.RoleMember
	pr := jirasim.ProjectRole{ProjectID: project.ID, RoleID: role}
	user := e.userWhere(t, "active user without the role", func(u jirasim.User) bool {
		return u.Active && u.AccountType == "atlassian" && !slices.Contains(e.sim.Dataset().RoleActors[pr].AccountIDs, u.AccountID)
	})
	entitlement := snapshot.ProjectRoleEntitlementID(project.ID, role)
	direct := entitlement + " via " + snapshot.ViaDirect
	fields := map[string]any{"projectIdOrKey": project.Key, "roleId": role, "accountId": user.AccountID}

	added := e.provisioned(t, ondemand.OpAddProjectRoleActor, fields)
	wantResult(t, added, true, provision.OutcomeAdded, provision.DecidedByResponse)
	if !slices.Contains(e.sim.Dataset().RoleActors[pr].AccountIDs, user.AccountID) {
		t.Error("Jira: the user does not hold the role after addProjectRoleActor")
	}
	if got := e.grantsOf(t, user.AccountID); !slices.Contains(got, direct) {
		t.Errorf("snapshot grants = %v, want %s among them", got, direct)
	}

	byID := map[string]any{"projectIdOrKey": project.ID, "roleId": role, "accountId": user.AccountID}
	again := e.provisioned(t, ondemand.OpAddProjectRoleActor, byID)
	wantResult(t, again, false, provision.OutcomeAlreadyPresent, provision.DecidedByReadBefore)

	removed := e.provisioned(t, ondemand.OpRemoveProjectRoleActor, fields)
	wantResult(t, removed, true, provision.OutcomeRemoved, provision.DecidedByResponse)
	if slices.Contains(e.sim.Dataset().RoleActors[pr].AccountIDs, user.AccountID) {
		t.Error("Jira: the user still holds the role after removeProjectRoleActor")
	}
	if got := e.grantsOf(t, user.AccountID); slices.Contains(got, direct) {
		t.Errorf("snapshot grants = %v, still with %s", got, direct)
	}

	absent := e.provisioned(t, ondemand.OpRemoveProjectRoleActor, byID)
	wantResult(t, absent, false, provision.OutcomeAlreadyAbsent, provision.DecidedByReadBefore)
}

func TestProjectRoleGroupActor(t *testing.T) {
	t.Parallel()
	e := newSyncedEnv(t)
	project := e.sim.Dataset().Projects[1]
	role := jirasim.RoleServiceDesk
	pr := jirasim.ProjectRole{ProjectID: project.ID, RoleID: role}
	group := e.groupNamed(t, adminsGroupName)
	if slices.Contains(e.sim.Dataset().RoleActors[pr].GroupIDs, group.GroupID) {
		t.Fatalf("group %s already holds role %d of %s", group.Name, role, project.Key)
	}
	entitlement := snapshot.ProjectRoleEntitlementID(project.ID, role)
	viaGroup := entitlement + " via " + snapshot.ViaGroup(group.GroupID)
	fields := map[string]any{"projectIdOrKey": project.ID, "roleId": role, "groupId": group.GroupID}

	added := e.provisioned(t, ondemand.OpAddProjectRoleActor, fields)
	wantResult(t, added, true, provision.OutcomeAdded, provision.DecidedByResponse)
	if !slices.Contains(e.sim.Dataset().RoleActors[pr].GroupIDs, group.GroupID) {
		t.Error("Jira: the group does not hold the role after addProjectRoleActor")
	}
	for _, member := range group.Members {
		if got := e.grantsOf(t, member); !slices.Contains(got, viaGroup) {
			t.Errorf("member %s: snapshot grants lack %s", member, viaGroup)
		}
	}
	if en, ok := e.snapshotEntitlement(t, entitlement); !ok || en.ProjectKey != project.Key {
		t.Errorf("snapshot entitlement %s = %+v (present %v), want project key %s", entitlement, en, ok, project.Key)
	}

	removed := e.provisioned(t, ondemand.OpRemoveProjectRoleActor, fields)
	wantResult(t, removed, true, provision.OutcomeRemoved, provision.DecidedByResponse)
	for _, member := range group.Members {
		if got := e.grantsOf(t, member); slices.Contains(got, viaGroup) {
			t.Errorf("member %s: snapshot grants still have %s", member, viaGroup)
		}
	}
}

func TestCreateUserAndRemoveUser(t *testing.T) {
	t.Parallel()
	e := newSyncedEnv(t)
	fields := map[string]any{"emailAddress": "new.hire@example.com", "products": []string{"jira-software"}}

	created := e.provisioned(t, ondemand.OpCreateUser, fields)
	wantResult(t, created, true, provision.OutcomeCreated, provision.DecidedByResponse)
	if created.User == nil || created.User.AccountID == "" {
		t.Fatalf("result has no user: %+v", created)
	}
	accountID := created.User.AccountID
	if !e.snapshotHasUser(t, accountID) {
		t.Error("snapshot has no record of the created user")
	}
	software := e.groupNamed(t, "Software Users – Platform")
	if !slices.Contains(software.Members, accountID) {
		t.Fatal("Jira did not add the new user to the product's default group")
	}
	if got, want := e.grantsOf(t, accountID), e.groupGrants(software.GroupID); !slices.Equal(got, want) {
		t.Errorf("snapshot grants of the new user = %v, want %v", got, want)
	}

	again := e.provisioned(t, ondemand.OpCreateUser, fields)
	wantResult(t, again, false, provision.OutcomeAlreadyExists, provision.DecidedByResponse)
	if again.User == nil || again.User.AccountID != accountID {
		t.Errorf("second createUser returned %+v, want account %s", again.User, accountID)
	}

	removed := e.provisioned(t, ondemand.OpRemoveUser, map[string]any{"accountId": accountID})
	wantResult(t, removed, true, provision.OutcomeRemoved, provision.DecidedByResponse)
	if !strings.Contains(removed.Note, "Atlassian account is not deleted") {
		t.Errorf("removeUser note = %q, want it to say the Atlassian account remains", removed.Note)
	}
	if e.snapshotHasUser(t, accountID) {
		t.Error("snapshot still has the removed user")
	}
	if got := e.grantsOf(t, accountID); len(got) != 0 {
		t.Errorf("snapshot grants of the removed user = %v, want none", got)
	}
	if slices.ContainsFunc(e.sim.Dataset().Users, func(u jirasim.User) bool { return u.AccountID == accountID }) {
		t.Error("Jira still has the removed user")
	}

	gone := e.provisioned(t, ondemand.OpRemoveUser, map[string]any{"accountId": accountID})
	wantResult(t, gone, false, provision.OutcomeAlreadyAbsent, provision.DecidedByResponse)
}

func TestCreateGroup(t *testing.T) {
	t.Parallel()
	e := newSyncedEnv(t)
	fields := map[string]any{"groupName": "ops-on-call"}
	created := e.provisioned(t, ondemand.OpCreateGroup, fields)
	wantResult(t, created, true, provision.OutcomeCreated, provision.DecidedByResponse)
	if created.Group == nil || created.Group.GroupID == "" {
		t.Fatalf("result has no group: %+v", created)
	}
	en, ok := e.snapshotEntitlement(t, snapshot.GroupEntitlementID(created.Group.GroupID))
	if !ok || en.Name != "ops-on-call" || en.Kind != snapshot.KindGroup {
		t.Errorf("snapshot entitlement = %+v (present %v), want group ops-on-call", en, ok)
	}

	again := e.provisioned(t, ondemand.OpCreateGroup, map[string]any{"groupName": "OPS-on-call"})
	wantResult(t, again, false, provision.OutcomeAlreadyExists, provision.DecidedByReadBack)
	if again.Group == nil || again.Group.GroupID != created.Group.GroupID {
		t.Errorf("second createGroup returned %+v, want group %s", again.Group, created.Group.GroupID)
	}
}

func TestDeleteGroupNamesMissingScope(t *testing.T) {
	t.Parallel()
	if slices.Contains(oauth.RequiredScopes, provision.DeleteGroupScope) {
		t.Fatalf("oauth.RequiredScopes now has %s: implement deleteGroup instead of rejecting it", provision.DeleteGroupScope)
	}
	e := newSyncedEnv(t)
	group := e.groupNamed(t, adminsGroupName)
	r := e.provision(t, ondemand.OpDeleteGroup, map[string]any{"groupId": group.GroupID})
	wantError(t, r, ondemand.CodeScopeNotGranted, "operation")
	if r.Error != nil && !strings.Contains(r.Error.Message, provision.DeleteGroupScope) {
		t.Errorf("message %q does not name %s", r.Error.Message, provision.DeleteGroupScope)
	}
}

// TestNextSyncConfirmsEdits checks the edited snapshot against a full sync:
// the sync that follows the changes finds nothing to add or remove.
func TestNextSyncConfirmsEdits(t *testing.T) {
	t.Parallel()
	e := newSyncedEnv(t)
	admins := e.groupNamed(t, adminsGroupName)
	joiner := e.activeNonMember(t, admins)
	leaver := e.userWhere(t, "active member of "+adminsGroupName, func(u jirasim.User) bool {
		return u.Active && slices.Contains(admins.Members, u.AccountID)
	})
	project := e.sim.Dataset().Projects[2]
	e.provisioned(t, ondemand.OpAddGroupMember, map[string]any{"groupId": admins.GroupID, "accountId": joiner.AccountID})
	e.provisioned(t, ondemand.OpRemoveGroupMember, map[string]any{"groupId": admins.GroupID, "accountId": leaver.AccountID})
	e.provisioned(t, ondemand.OpAddProjectRoleActor, map[string]any{"projectIdOrKey": project.Key, "roleId": jirasim.RoleServiceDesk, "groupId": admins.GroupID})
	e.provisioned(t, ondemand.OpAddProjectRoleActor, map[string]any{"projectIdOrKey": project.Key, "roleId": jirasim.RoleViewer, "accountId": joiner.AccountID})
	created := e.provisioned(t, ondemand.OpCreateUser, map[string]any{"emailAddress": "confirm@example.com", "products": []string{"jira-core", "jira-software"}})
	e.provisioned(t, ondemand.OpCreateGroup, map[string]any{"groupName": "confirmed-group"})
	victim := e.userWhere(t, "active user to remove", func(u jirasim.User) bool {
		return u.Active && u.AccountID != joiner.AccountID && u.AccountID != leaver.AccountID && u.AccountID != created.User.AccountID
	})
	e.provisioned(t, ondemand.OpRemoveUser, map[string]any{"accountId": victim.AccountID})
	edited := e.exportAll(t)

	status := e.syncNow(t, provisionConnection)
	if status.Run == nil || status.Run.Status != syncrun.StatusSucceeded {
		t.Fatalf("second sync did not succeed: %+v", status.Run)
	}
	if c := status.Run.Changes; c.Added+c.Removed+c.Changed+c.Renamed != 0 {
		changes := must[rawPage](t, e.invoke(t, request(ondemand.OpGetChanges, provisionConnection, nil)))
		var sample []string
		for _, raw := range changes.Items[:min(10, len(changes.Items))] {
			sample = append(sample, string(raw))
		}
		t.Errorf("the next sync changed %+v against the edited snapshot, want none; first changes:\n%s", c, strings.Join(sample, "\n"))
	}
	if synced := e.exportAll(t); !slices.Equal(synced, edited) {
		t.Errorf("the synced snapshot has %d records, the edited one %d; they differ", len(synced), len(edited))
	}
}
