package atlassian

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"testing"
)

// fakeJiraHandler serves every endpoint the client calls from one small,
// fixed site: 3 users, 2 groups, 1 project with 2 roles.
func fakeJiraHandler(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/oauth/token/accessible-resources" {
		writeRaw(w, 200, `[{"id":"`+testCloudID+`","name":"acme","url":"https://acme.atlassian.net","scopes":["read:jira-user"],"avatarUrl":"https://example.com/a.png"}]`)
		return
	}
	group := map[string]any{"groupId": "g-1", "name": "jira-users"}
	role := map[string]any{
		"id":   10002,
		"name": "Administrators",
		"actors": []any{
			map[string]any{"id": 1, "type": ActorTypeUser, "actorUser": map[string]any{"accountId": "u-0"}},
			map[string]any{"id": 2, "type": ActorTypeGroup, "actorGroup": map[string]any{"name": "jira-admins", "displayName": "jira-admins", "groupId": "g-2"}},
		},
	}
	path := r.URL.Path[len(sitePrefix):]
	switch r.Method + " " + path {
	case "GET /rest/api/3/users/search":
		if r.URL.Query().Get("startAt") == "0" {
			writeJSON(w, 200, usersJSON("u", 3))
		} else {
			writeRaw(w, 200, `[]`)
		}
	case "GET /rest/api/3/user", "POST /rest/api/3/user":
		writeJSON(w, map[bool]int{true: 201, false: 200}[r.Method == "POST"], userJSON("u-0"))
	case "DELETE /rest/api/3/user", "DELETE /rest/api/3/group/user", "DELETE /rest/api/3/project/ABC/role/10002":
		w.WriteHeader(204)
	case "GET /rest/api/3/group/bulk":
		writeJSON(w, 200, map[string]any{"startAt": 0, "maxResults": 50, "total": 2, "isLast": true,
			"values": []any{group, map[string]any{"groupId": "g-2", "name": "jira-admins"}}})
	case "GET /rest/api/3/group/member":
		writeJSON(w, 200, map[string]any{"startAt": 0, "maxResults": 50, "total": 3, "isLast": true, "values": usersJSON("u", 3)})
	case "POST /rest/api/3/group", "POST /rest/api/3/group/user":
		writeJSON(w, 201, group)
	case "GET /rest/api/3/applicationrole":
		writeRaw(w, 200, `[{"key":"jira-software","name":"Jira Software","groups":["jira-users"],"groupDetails":[{"groupId":"g-1","name":"jira-users"}],"defaultGroups":["jira-users"],"defaultGroupsDetails":[{"groupId":"g-1","name":"jira-users"}],"userCount":3,"numberOfSeats":10,"remainingSeats":7,"hasUnlimitedSeats":false,"platform":false}]`)
	case "GET /rest/api/3/project/search":
		writeRaw(w, 200, `{"startAt":0,"maxResults":100,"total":1,"isLast":true,"values":[{"id":"10000","key":"ABC","name":"Alpha","projectCategory":{"id":"10100","name":"Ops"}}]}`)
	case "GET /rest/api/3/role":
		writeJSON(w, 200, []any{role, map[string]any{"id": 10001, "name": "Developers", "description": "Developers"}})
	case "GET /rest/api/3/project/ABC/role":
		writeRaw(w, 200, `{"Administrators":"https://acme.atlassian.net/rest/api/3/project/ABC/role/10002","Developers":"https://acme.atlassian.net/rest/api/3/project/ABC/role/10001"}`)
	case "GET /rest/api/3/project/ABC/role/10002", "POST /rest/api/3/project/ABC/role/10002":
		writeJSON(w, 200, role)
	case "GET /rest/api/3/projectCategory":
		writeRaw(w, 200, `[{"id":"10100","name":"Ops","description":"Operations"}]`)
	default:
		writeRaw(w, 404, `{"errorMessages":["no route in the fake"],"errors":{}}`)
	}
}

// TestEveryMethodMatchesSpec calls each exported method once through the
// OpenAPI-checking transport and checks that each reached its operation.
func TestEveryMethodMatchesSpec(t *testing.T) {
	ts := newTestServer(t, fakeJiraHandler)
	httpClient, transport := bearerClient(t)
	client, _ := newTestClient(t, ts, func(cfg *Config) { cfg.HTTPClient = httpClient })
	ctx := context.Background()

	calls := []struct {
		name string
		call func() error
	}{
		{"AccessibleResources", func() error {
			_, err := AccessibleResources(ctx, httpClient, ts.URL)
			return err
		}},
		{"SearchUsers", func() error { _, err := client.SearchUsers(ctx, 0, MaxUsersPage); return err }},
		{"AllUsers", func() error { _, err := client.AllUsers(ctx); return err }},
		{"GetUser", func() error { _, err := client.GetUser(ctx, "u-0"); return err }},
		{"BulkGroups", func() error { _, err := client.BulkGroups(ctx, 0, MaxGroupsPage); return err }},
		{"AllGroups", func() error { _, err := client.AllGroups(ctx); return err }},
		{"GroupMembers", func() error { _, err := client.GroupMembers(ctx, "g-1", 0, MaxMembersPage); return err }},
		{"AllGroupMembers", func() error { _, err := client.AllGroupMembers(ctx, "g-1"); return err }},
		{"ApplicationRoles", func() error { _, err := client.ApplicationRoles(ctx); return err }},
		{"SearchProjects", func() error { _, err := client.SearchProjects(ctx, 0, MaxProjectsPage); return err }},
		{"AllProjects", func() error { _, err := client.AllProjects(ctx); return err }},
		{"Roles", func() error { _, err := client.Roles(ctx); return err }},
		{"ProjectRoles", func() error { _, err := client.ProjectRoles(ctx, "ABC"); return err }},
		{"ProjectRole", func() error { _, err := client.ProjectRole(ctx, "ABC", 10002); return err }},
		{"ProjectCategories", func() error { _, err := client.ProjectCategories(ctx); return err }},
		{"CreateUser", func() error {
			_, err := client.CreateUser(ctx, "mia@example.com", []string{"jira-software"})
			return err
		}},
		{"CreateUser without products", func() error { _, err := client.CreateUser(ctx, "mia@example.com", []string{}); return err }},
		{"DeleteUser", func() error { return client.DeleteUser(ctx, "u-0") }},
		{"CreateGroup", func() error { _, err := client.CreateGroup(ctx, "jira-users"); return err }},
		{"AddUserToGroup", func() error { return client.AddUserToGroup(ctx, "g-1", "u-0") }},
		{"RemoveUserFromGroup", func() error { return client.RemoveUserFromGroup(ctx, "g-1", "u-0") }},
		{"AddProjectRoleActors users", func() error {
			_, err := client.AddProjectRoleActors(ctx, "ABC", 10002, []string{"u-0"}, nil)
			return err
		}},
		{"AddProjectRoleActors groups", func() error {
			_, err := client.AddProjectRoleActors(ctx, "ABC", 10002, nil, []string{"g-1"})
			return err
		}},
		{"RemoveProjectRoleActor user", func() error { return client.RemoveProjectRoleActor(ctx, "ABC", 10002, "u-0", "") }},
		{"RemoveProjectRoleActor group", func() error { return client.RemoveProjectRoleActor(ctx, "ABC", 10002, "", "g-1") }},
	}
	for _, c := range calls {
		if err := c.call(); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
	}

	want := []string{
		accessibleResourcesOperation, "addActorUsers", "addUserToGroup", "bulkGetGroups", "createGroup",
		"createUser", "deleteActor", "getAllApplicationRoles", "getAllProjectCategories", "getAllProjectRoles",
		"getAllUsers", "getProjectRole", "getProjectRoles", "getUser", "getUsersFromGroup", "removeUser",
		"removeUserFromGroup", "searchProjects",
	}
	slices.Sort(want)
	if got := transport.Operations(); !slices.Equal(got, want) {
		t.Errorf("operations = %q, want %q", got, want)
	}
}

func TestWriteBodies(t *testing.T) {
	ts := newTestServer(t, fakeJiraHandler)
	client, _ := newTestClient(t, ts, nil)
	ctx := context.Background()

	mustNil := func(name string, err error) {
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	_, err := client.CreateUser(ctx, "mia@example.com", []string{})
	mustNil("CreateUser", err)
	_, err = client.CreateGroup(ctx, "power-users")
	mustNil("CreateGroup", err)
	mustNil("AddUserToGroup", client.AddUserToGroup(ctx, "g-1", "u-0"))
	_, err = client.AddProjectRoleActors(ctx, "ABC", 10002, []string{"u-0", "u-1"}, []string{"g-1"})
	mustNil("AddProjectRoleActors", err)

	want := []map[string]any{
		{"emailAddress": "mia@example.com", "products": []any{}},
		{"name": "power-users"},
		{"accountId": "u-0"},
		{"user": []any{"u-0", "u-1"}, "groupId": []any{"g-1"}},
	}
	requests := ts.Requests()
	if len(requests) != len(want) {
		t.Fatalf("sent %d requests, want %d", len(requests), len(want))
	}
	for i, req := range requests {
		var got map[string]any
		if err := json.Unmarshal([]byte(req.Body), &got); err != nil {
			t.Errorf("%s %s: body %q is not JSON: %v", req.Method, req.Path, req.Body, err)
			continue
		}
		gotJSON, _ := json.Marshal(got)
		wantJSON, _ := json.Marshal(want[i])
		if string(gotJSON) != string(wantJSON) {
			t.Errorf("%s %s: body %s, want %s", req.Method, req.Path, gotJSON, wantJSON)
		}
	}
}
