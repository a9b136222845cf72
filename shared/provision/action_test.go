package provision

import (
	"strings"
	"testing"
)

func TestRequestValidate(t *testing.T) {
	valid := func(a Action) Request { return Request{RequestID: "r-1", Actor: "tester", Action: a} }
	tests := []struct {
		name  string
		req   Request
		code  string // "" for valid
		field string
	}{
		{"add member", valid(Action{Operation: OpAddGroupMember, GroupID: "g1", AccountID: "557058:a"}), "", ""},
		{"role actor by key", valid(Action{Operation: OpAddProjectRoleActor, ProjectIDOrKey: "OPS_2", RoleID: 10002, GroupID: "g1"}), "", ""},
		{"role actor by id", valid(Action{Operation: OpRemoveProjectRoleActor, ProjectIDOrKey: "10042", RoleID: 10002, AccountID: "a"}), "", ""},
		{"create user without products", valid(Action{Operation: OpCreateUser, EmailAddress: "a.b@example.com", Products: []string{}}), "", ""},
		{"create group", valid(Action{Operation: OpCreateGroup, GroupName: "ops on call"}), "", ""},
		{"delete group", valid(Action{Operation: OpDeleteGroup, GroupID: "g1"}), "", ""},
		{"unknown operation", valid(Action{Operation: "renameGroup"}), CodeInvalidField, "operation"},
		{"missing group", valid(Action{Operation: OpAddGroupMember, AccountID: "a"}), CodeMissingField, "groupId"},
		{"group id with space", valid(Action{Operation: OpAddGroupMember, GroupID: "g 1", AccountID: "a"}), CodeInvalidField, "groupId"},
		{"long account id", valid(Action{Operation: OpRemoveUser, AccountID: strings.Repeat("a", 129)}), CodeInvalidField, "accountId"},
		{"project key with dash", valid(Action{Operation: OpAddProjectRoleActor, ProjectIDOrKey: "OPS-1", RoleID: 1, AccountID: "a"}), CodeInvalidField, "projectIdOrKey"},
		{"missing role", valid(Action{Operation: OpAddProjectRoleActor, ProjectIDOrKey: "OPS", AccountID: "a"}), CodeMissingField, "roleId"},
		{"negative role", valid(Action{Operation: OpAddProjectRoleActor, ProjectIDOrKey: "OPS", RoleID: -1, AccountID: "a"}), CodeInvalidField, "roleId"},
		{"missing actor", valid(Action{Operation: OpAddProjectRoleActor, ProjectIDOrKey: "OPS", RoleID: 1}), CodeMissingField, "accountId"},
		{"email without domain dot", valid(Action{Operation: OpCreateUser, EmailAddress: "a@localhost", Products: []string{}}), CodeInvalidField, "emailAddress"},
		{"duplicate product", valid(Action{Operation: OpCreateUser, EmailAddress: "a@example.com", Products: []string{"jira-core", "jira-core"}}), CodeInvalidField, "products"},
		{"empty product", valid(Action{Operation: OpCreateUser, EmailAddress: "a@example.com", Products: []string{""}}), CodeInvalidField, "products"},
		{"long group name", valid(Action{Operation: OpCreateGroup, GroupName: strings.Repeat("g", 256)}), CodeInvalidField, "groupName"},
		{"field of another operation", valid(Action{Operation: OpCreateGroup, GroupName: "g", RoleID: 3}), CodeInvalidField, "roleId"},
		{"long request id", Request{RequestID: strings.Repeat("r", 129), Actor: "a", Action: Action{Operation: OpRemoveUser, AccountID: "a"}}, CodeInvalidField, "requestId"},
		{"actor with newline", Request{RequestID: "r", Actor: "a\nb", Action: Action{Operation: OpRemoveUser, AccountID: "a"}}, CodeInvalidField, "actor"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.req.Validate()
			if tt.code == "" {
				if err != nil {
					t.Errorf("Validate() = %v, want valid", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate() = nil, want %s on %s", tt.code, tt.field)
			}
			if err.Code != tt.code {
				t.Errorf("code = %q, want %q (%s)", err.Code, tt.code, err.Message)
			}
			if err.Field != tt.field {
				t.Errorf("field = %q, want %q (%s)", err.Field, tt.field, err.Message)
			}
		})
	}
}
