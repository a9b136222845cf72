package atlassian

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

// TestMalformedResponses sends broken 200 responses and checks that each
// whole response fails with a MalformedResponseError that names the problem.
func TestMalformedResponses(t *testing.T) {
	cases := []struct {
		name    string
		body    string
		call    func(ctx context.Context, c *Client) error
		problem string // fragment of MalformedResponseError.Problem
	}{
		{"users invalid JSON", `[{"accountId":"a"`, searchUsers, "invalid JSON"},
		{"users trailing garbage", `[{"accountId":"a"}] x`, searchUsers, "invalid JSON"},
		{"users object", `{"values":[]}`, searchUsers, "not an array"},
		{"users null", `null`, searchUsers, "not an array"},
		{"users empty body", ``, searchUsers, "empty body"},
		{"users wrong type", `[{"accountId":"a","active":"yes"}]`, searchUsers, "field active is a JSON string where bool is expected"},
		{"users accountId number", `[{"accountId":42}]`, searchUsers, "accountId"},
		{"users one without accountId", `[{"accountId":"a"},{"displayName":"B"},{"accountId":"c"}]`, searchUsers, "[1]: accountId is missing"},
		{"users null element", `[{"accountId":"a"},null]`, searchUsers, "[1]: accountId is missing"},
		{"user without accountId", `{"displayName":"A"}`, getUser, "accountId is missing"},
		{"groups values missing", `{"startAt":0,"isLast":true}`, bulkGroups, "values is missing or null"},
		{"groups values null", `{"startAt":0,"isLast":true,"values":null}`, bulkGroups, "values is missing or null"},
		{"groups without groupId", `{"startAt":0,"isLast":true,"values":[{"groupId":"g","name":"a"},{"name":"b"}]}`, bulkGroups, `values[1]: groupId is missing or empty (group name "b")`},
		{"groups null groupId", `{"startAt":0,"isLast":true,"values":[{"groupId":null,"name":"b"}]}`, bulkGroups, "values[0]: groupId is missing"},
		{"groups total string", `{"startAt":0,"total":"2","isLast":true,"values":[]}`, bulkGroups, "field total is a JSON string"},
		{"members without accountId", `{"startAt":0,"isLast":true,"values":[{"displayName":"A"}]}`, groupMembers, "values[0]: accountId is missing"},
		{"projects without id", `{"startAt":0,"isLast":true,"values":[{"key":"A","name":"A"}]}`, searchProjects, "values[0]: id is missing"},
		{"projects without key", `{"startAt":0,"isLast":true,"values":[{"id":"1","name":"A"}]}`, searchProjects, "values[0]: key is missing"},
		{"project category without id", `{"startAt":0,"isLast":true,"values":[{"id":"1","key":"A","projectCategory":{"name":"x"}}]}`, searchProjects, "projectCategory.id is missing"},
		{"app role group without groupId", `[{"key":"jira-software","groups":["a"],"groupDetails":[{"name":"a"}]}]`, applicationRoles, `role "jira-software" groupDetails[0]: groupId is missing`},
		{"app role groups without details", `[{"key":"jira-software","groups":["a","b"],"groupDetails":[{"groupId":"g","name":"a"}]}]`, applicationRoles, "lists 2 groups but groupDetails has 1"},
		{"app role without key", `[{"name":"Jira"}]`, applicationRoles, "[0]: key is missing"},
		{"role without id", `[{"name":"Developers"}]`, roles, `[0]: id is missing (role "Developers")`},
		{"role id string", `[{"id":"10002","name":"Administrators"}]`, roles, "field id is a JSON string"},
		{"project roles URL without id", `{"Administrators":"https://acme.atlassian.net/rest/api/3/project/ABC/role/admin"}`, projectRoles, `role "Administrators"`},
		{"project roles not a map of strings", `{"Administrators":10002}`, projectRoles, "is a JSON number"},
		{"project role without id", `{"name":"Administrators","actors":[]}`, projectRole, "id is missing"},
		{"actor of unknown type", `{"id":10002,"actors":[{"type":"atlassian-team-role-actor"}]}`, projectRole, `actors[0]: unknown actor type "atlassian-team-role-actor"`},
		{"user actor without accountId", `{"id":10002,"actors":[{"type":"atlassian-user-role-actor","actorUser":{}}]}`, projectRole, "actors[0]: user actor without actorUser.accountId"},
		{"group actor without groupId", `{"id":10002,"actors":[{"type":"atlassian-group-role-actor","actorGroup":{"name":"a"}}]}`, projectRole, "actors[0]: group actor without actorGroup.groupId"},
		{"category without id", `[{"name":"Ops"}]`, projectCategories, "[0]: id is missing"},
		{"created group without groupId", `{"name":"jira-users"}`, createGroup, "groupId is missing"},
		{"created user without accountId", `{"displayName":"Mia"}`, createUser, "accountId is missing"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
				writeRaw(w, 200, tc.body)
			})
			client, _ := newTestClient(t, ts, nil)

			err := tc.call(context.Background(), client)
			var malformedErr *MalformedResponseError
			if !errors.As(err, &malformedErr) {
				t.Fatalf("error = %v, want *MalformedResponseError", err)
			}
			if !strings.Contains(malformedErr.Problem, tc.problem) {
				t.Errorf("Problem = %q, want it to contain %q", malformedErr.Problem, tc.problem)
			}
			if malformedErr.Endpoint == "" {
				t.Error("Endpoint is empty")
			}
			if n := len(ts.Requests()); n != 1 {
				t.Errorf("sent %d requests, want 1 (malformed responses are not retried)", n)
			}
		})
	}
}

func searchUsers(ctx context.Context, c *Client) error {
	_, err := c.SearchUsers(ctx, 0, 10)
	return err
}

func getUser(ctx context.Context, c *Client) error {
	_, err := c.GetUser(ctx, "a")
	return err
}

func bulkGroups(ctx context.Context, c *Client) error {
	_, err := c.BulkGroups(ctx, 0, 10)
	return err
}

func groupMembers(ctx context.Context, c *Client) error {
	_, err := c.GroupMembers(ctx, "g", 0, 10)
	return err
}

func searchProjects(ctx context.Context, c *Client) error {
	_, err := c.SearchProjects(ctx, 0, 10)
	return err
}

func applicationRoles(ctx context.Context, c *Client) error {
	_, err := c.ApplicationRoles(ctx)
	return err
}

func roles(ctx context.Context, c *Client) error {
	_, err := c.Roles(ctx)
	return err
}

func projectRoles(ctx context.Context, c *Client) error {
	_, err := c.ProjectRoles(ctx, "ABC")
	return err
}

func projectRole(ctx context.Context, c *Client) error {
	_, err := c.ProjectRole(ctx, "ABC", 10002)
	return err
}

func projectCategories(ctx context.Context, c *Client) error {
	_, err := c.ProjectCategories(ctx)
	return err
}

func createGroup(ctx context.Context, c *Client) error {
	_, err := c.CreateGroup(ctx, "jira-users")
	return err
}

func createUser(ctx context.Context, c *Client) error {
	_, err := c.CreateUser(ctx, "mia@example.com", []string{})
	return err
}

// TestDecodedValues checks the conversion of each response of the fake site.
func TestDecodedValues(t *testing.T) {
	ts := newTestServer(t, fakeJiraHandler)
	client, _ := newTestClient(t, ts, nil)
	ctx := context.Background()

	appRoles, err := client.ApplicationRoles(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantAppRoles := []ApplicationRole{{
		Key: "jira-software", Name: "Jira Software", GroupIDs: []string{"g-1"}, DefaultGroupIDs: []string{"g-1"},
		UserCount: 3, NumberOfSeats: 10, RemainingSeats: 7,
	}}
	if !reflect.DeepEqual(appRoles, wantAppRoles) {
		t.Errorf("ApplicationRoles = %+v, want %+v", appRoles, wantAppRoles)
	}

	projects, err := client.SearchProjects(ctx, 0, MaxProjectsPage)
	if err != nil {
		t.Fatal(err)
	}
	wantProjects := []Project{{ID: "10000", Key: "ABC", Name: "Alpha", CategoryID: "10100"}}
	if !reflect.DeepEqual(projects.Values, wantProjects) {
		t.Errorf("SearchProjects values = %+v, want %+v", projects.Values, wantProjects)
	}
	if projects.Total == nil || *projects.Total != 1 {
		t.Errorf("SearchProjects total = %v, want 1", projects.Total)
	}
	if !projects.IsLast {
		t.Error("SearchProjects IsLast = false, want true")
	}

	roleIDs, err := client.ProjectRoles(ctx, "ABC")
	if err != nil {
		t.Fatal(err)
	}
	wantRoleIDs := map[string]int64{"Administrators": 10002, "Developers": 10001}
	if !reflect.DeepEqual(roleIDs, wantRoleIDs) {
		t.Errorf("ProjectRoles = %v, want %v", roleIDs, wantRoleIDs)
	}

	role, err := client.ProjectRole(ctx, "ABC", 10002)
	if err != nil {
		t.Fatal(err)
	}
	wantRole := ProjectRoleDetails{ID: 10002, Name: "Administrators", Actors: []Actor{
		{Type: ActorTypeUser, AccountID: "u-0"},
		{Type: ActorTypeGroup, GroupID: "g-2", GroupName: "jira-admins"},
	}}
	if !reflect.DeepEqual(role, wantRole) {
		t.Errorf("ProjectRole = %+v, want %+v", role, wantRole)
	}

	siteRoles, err := client.Roles(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantSiteRoles := []Role{{ID: 10002, Name: "Administrators"}, {ID: 10001, Name: "Developers", Description: "Developers"}}
	if !reflect.DeepEqual(siteRoles, wantSiteRoles) {
		t.Errorf("Roles = %+v, want %+v", siteRoles, wantSiteRoles)
	}

	categories, err := client.ProjectCategories(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantCategories := []ProjectCategory{{ID: "10100", Name: "Ops", Description: "Operations"}}
	if !reflect.DeepEqual(categories, wantCategories) {
		t.Errorf("ProjectCategories = %+v, want %+v", categories, wantCategories)
	}

	resources, err := AccessibleResources(ctx, client.httpClient, ts.URL+"/")
	if err != nil {
		t.Fatal(err)
	}
	wantResources := []Resource{{ID: testCloudID, Name: "acme", URL: "https://acme.atlassian.net", Scopes: []string{"read:jira-user"}, AvatarURL: "https://example.com/a.png"}}
	if !reflect.DeepEqual(resources, wantResources) {
		t.Errorf("AccessibleResources = %+v, want %+v", resources, wantResources)
	}
}

func TestUserEmailVisibility(t *testing.T) {
	ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		writeRaw(w, 200, `[
			{"accountId":"a","accountType":"atlassian","active":true,"displayName":"A","emailAddress":"a@example.com","locale":"en_US","timeZone":"Europe/Oslo"},
			{"accountId":"b","accountType":"app","active":false,"displayName":"B"},
			{"accountId":"c","accountType":"customer","active":true,"displayName":"C","emailAddress":null}
		]`)
	})
	client, _ := newTestClient(t, ts, nil)

	users, err := client.SearchUsers(context.Background(), 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	email := "a@example.com"
	want := []User{
		{AccountID: "a", AccountType: "atlassian", Active: true, DisplayName: "A", EmailAddress: &email, Locale: "en_US", TimeZone: "Europe/Oslo"},
		{AccountID: "b", AccountType: "app", DisplayName: "B"},
		{AccountID: "c", AccountType: "customer", Active: true, DisplayName: "C"},
	}
	if !reflect.DeepEqual(users, want) {
		t.Errorf("users = %+v, want %+v", users, want)
	}
}
