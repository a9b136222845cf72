package ondemand_test

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/idgov/atlassian-cloud-connector/shared/jirasim"
	"github.com/idgov/atlassian-cloud-connector/shared/ondemand"
	"github.com/idgov/atlassian-cloud-connector/shared/provision"
)

func TestProvisionBadInput(t *testing.T) {
	t.Parallel()
	e := newSyncedEnv(t)
	admins := e.groupNamed(t, adminsGroupName)
	active := e.activeNonMember(t, admins)
	inactive := e.userWhere(t, "inactive user with an email", func(u jirasim.User) bool {
		return !u.Active && u.AccountType == "atlassian" && u.Email != nil
	})
	project := e.sim.Dataset().Projects[0]

	const unknownGroup = "00000000-0000-4000-8000-000000000000"
	const unknownAccount = "557058:00000000-0000-4000-8000-000000000000"

	tests := []struct {
		name      string
		operation string
		fields    map[string]any
		code      string
		field     string
		mentions  string // a value the message must name
	}{
		{"unknown group on add", ondemand.OpAddGroupMember, map[string]any{"groupId": unknownGroup, "accountId": active.AccountID},
			ondemand.CodeNotFound, "groupId", unknownGroup},
		{"unknown group on remove", ondemand.OpRemoveGroupMember, map[string]any{"groupId": unknownGroup, "accountId": active.AccountID},
			ondemand.CodeNotFound, "groupId", unknownGroup},
		{"unknown user on add", ondemand.OpAddGroupMember, map[string]any{"groupId": admins.GroupID, "accountId": unknownAccount},
			ondemand.CodeNotFound, "accountId", unknownAccount},
		{"inactive user on add", ondemand.OpAddGroupMember, map[string]any{"groupId": admins.GroupID, "accountId": inactive.AccountID},
			ondemand.CodeUserInactive, "accountId", inactive.AccountID},
		{"inactive user as role actor", ondemand.OpAddProjectRoleActor, map[string]any{"projectIdOrKey": project.Key, "roleId": jirasim.RoleMember, "accountId": inactive.AccountID},
			ondemand.CodeUserInactive, "accountId", inactive.AccountID},
		{"unknown project key", ondemand.OpAddProjectRoleActor, map[string]any{"projectIdOrKey": "NOPE", "roleId": jirasim.RoleMember, "accountId": active.AccountID},
			ondemand.CodeNotFound, "projectIdOrKey", "NOPE"},
		{"unknown project id", ondemand.OpRemoveProjectRoleActor, map[string]any{"projectIdOrKey": "99999", "roleId": jirasim.RoleMember, "accountId": active.AccountID},
			ondemand.CodeNotFound, "projectIdOrKey", "99999"},
		{"unknown role", ondemand.OpAddProjectRoleActor, map[string]any{"projectIdOrKey": project.Key, "roleId": 99999, "accountId": active.AccountID},
			ondemand.CodeNotFound, "roleId", "99999"},
		{"unknown group actor", ondemand.OpAddProjectRoleActor, map[string]any{"projectIdOrKey": project.Key, "roleId": jirasim.RoleMember, "groupId": unknownGroup},
			ondemand.CodeNotFound, "groupId", unknownGroup},
		{"both actors", ondemand.OpAddProjectRoleActor, map[string]any{"projectIdOrKey": project.Key, "roleId": jirasim.RoleMember, "groupId": admins.GroupID, "accountId": active.AccountID},
			ondemand.CodeInvalidField, "groupId", "accountId"},
		{"malformed email", ondemand.OpCreateUser, map[string]any{"emailAddress": "not-an-email", "products": []string{}},
			ondemand.CodeInvalidField, "emailAddress", "not-an-email"},
		{"email with display name", ondemand.OpCreateUser, map[string]any{"emailAddress": "Ana <ana@example.com>", "products": []string{}},
			ondemand.CodeInvalidField, "emailAddress", "Ana <ana@example.com>"},
		{"missing products", ondemand.OpCreateUser, map[string]any{"emailAddress": "ana@example.com"},
			ondemand.CodeMissingField, "products", "[]"},
		{"null products", ondemand.OpCreateUser, map[string]any{"emailAddress": "ana@example.com", "products": nil},
			ondemand.CodeMissingField, "products", "[]"},
		{"unknown product", ondemand.OpCreateUser, map[string]any{"emailAddress": "ana@example.com", "products": []string{"jira-nope"}},
			ondemand.CodeNotFound, "products", "jira-nope"},
		{"email of an account without Jira access", ondemand.OpCreateUser, map[string]any{"emailAddress": *inactive.Email, "products": []string{}},
			ondemand.CodeJiraRejected, "", *inactive.Email},
		{"missing request id", ondemand.OpRemoveUser, map[string]any{"requestId": "", "accountId": active.AccountID},
			ondemand.CodeMissingField, "requestId", "requestId"},
		{"invalid request id", ondemand.OpRemoveUser, map[string]any{"requestId": "a b", "accountId": active.AccountID},
			ondemand.CodeInvalidField, "requestId", "a b"},
		{"missing actor", ondemand.OpRemoveUser, map[string]any{"actor": " ", "accountId": active.AccountID},
			ondemand.CodeMissingField, "actor", "actor"},
		{"field of another operation", ondemand.OpRemoveUser, map[string]any{"accountId": active.AccountID, "groupName": "x"},
			ondemand.CodeInvalidField, "groupName", "removeUser"},
		{"role id as text", ondemand.OpAddProjectRoleActor, map[string]any{"projectIdOrKey": project.Key, "roleId": "10002", "accountId": active.AccountID},
			ondemand.CodeInvalidField, "roleId", "roleId"},
		{"account id with a hash", ondemand.OpRemoveUser, map[string]any{"accountId": "557058#x"},
			ondemand.CodeInvalidField, "accountId", "557058#x"},
		{"group name with outer spaces", ondemand.OpCreateGroup, map[string]any{"groupName": " ops "},
			ondemand.CodeInvalidField, "groupName", " ops "},
	}
	snapshotBefore := e.exportAll(t)
	jiraBefore := e.sim.Dataset()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.provision(t, tt.operation, tt.fields)
			wantError(t, r, tt.code, tt.field)
			if r.Error != nil && !strings.Contains(r.Error.Message, tt.mentions) {
				t.Errorf("message %q does not name %q", r.Error.Message, tt.mentions)
			}
		})
	}
	if after := e.exportAll(t); !slices.Equal(after, snapshotBefore) {
		t.Errorf("the snapshot changed: %d records before, %d after", len(snapshotBefore), len(after))
	}
	if !reflect.DeepEqual(e.sim.Dataset(), jiraBefore) {
		t.Error("Jira's data changed")
	}
}

func TestFailedRequestReleasesID(t *testing.T) {
	t.Parallel()
	e := newSyncedEnv(t)
	admins := e.groupNamed(t, adminsGroupName)
	user := e.activeNonMember(t, admins)
	const id = "corrected-1"
	wrong := e.provision(t, ondemand.OpAddGroupMember, map[string]any{"requestId": id, "groupId": "00000000-0000-4000-8000-000000000000", "accountId": user.AccountID})
	wantError(t, wrong, ondemand.CodeNotFound, "groupId")

	fixed := e.provisioned(t, ondemand.OpAddGroupMember, map[string]any{"requestId": id, "groupId": admins.GroupID, "accountId": user.AccountID})
	wantResult(t, fixed, true, provision.OutcomeAdded, provision.DecidedByResponse)
}
