package atlassian

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/idgov/atlassian-cloud-connector/shared/jirasim"
)

// TestWritesAgainstSimulator runs each write and checks the simulator's
// dataset afterwards.
func TestWritesAgainstSimulator(t *testing.T) {
	site := startSimSite(t, jirasim.Options{}, nil)
	ctx := context.Background()
	client := site.client

	user, err := client.CreateUser(ctx, "new.person@example.com", []string{})
	if err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	group, err := client.CreateGroup(ctx, "connector-test-group")
	if err != nil {
		t.Fatalf("CreateGroup: %v", err)
	}
	if err := client.AddUserToGroup(ctx, group.GroupID, user.AccountID); err != nil {
		t.Fatalf("AddUserToGroup: %v", err)
	}
	project := site.dataset.Projects[0]
	details, err := client.AddProjectRoleActors(ctx, project.Key, jirasim.RoleViewer, []string{user.AccountID}, nil)
	if err != nil {
		t.Fatalf("AddProjectRoleActors users: %v", err)
	}
	if !slices.ContainsFunc(details.Actors, func(a Actor) bool { return a.AccountID == user.AccountID }) {
		t.Errorf("AddProjectRoleActors result lacks the user: %+v", details.Actors)
	}
	if _, err := client.AddProjectRoleActors(ctx, project.Key, jirasim.RoleViewer, nil, []string{group.GroupID}); err != nil {
		t.Fatalf("AddProjectRoleActors groups: %v", err)
	}

	after := site.server.Dataset()
	if !slices.ContainsFunc(after.Users, func(u jirasim.User) bool { return u.AccountID == user.AccountID }) {
		t.Error("created user is not in the dataset")
	}
	groupIndex := slices.IndexFunc(after.Groups, func(g jirasim.Group) bool { return g.GroupID == group.GroupID })
	if groupIndex < 0 || !slices.Contains(after.Groups[groupIndex].Members, user.AccountID) {
		t.Error("created group is missing or lacks the user")
	}
	actors := after.RoleActors[jirasim.ProjectRole{ProjectID: project.ID, RoleID: jirasim.RoleViewer}]
	if !slices.Contains(actors.AccountIDs, user.AccountID) || !slices.Contains(actors.GroupIDs, group.GroupID) {
		t.Errorf("role actors = %+v, want the user and the group among them", actors)
	}

	if err := client.RemoveProjectRoleActor(ctx, project.Key, jirasim.RoleViewer, user.AccountID, ""); err != nil {
		t.Fatalf("RemoveProjectRoleActor user: %v", err)
	}
	if err := client.RemoveProjectRoleActor(ctx, project.Key, jirasim.RoleViewer, "", group.GroupID); err != nil {
		t.Fatalf("RemoveProjectRoleActor group: %v", err)
	}
	if err := client.RemoveUserFromGroup(ctx, group.GroupID, user.AccountID); err != nil {
		t.Fatalf("RemoveUserFromGroup: %v", err)
	}
	if err := client.DeleteUser(ctx, user.AccountID); err != nil {
		t.Fatalf("DeleteUser: %v", err)
	}

	final := site.server.Dataset()
	if slices.ContainsFunc(final.Users, func(u jirasim.User) bool { return u.AccountID == user.AccountID }) {
		t.Error("deleted user is still in the dataset")
	}
	actors = final.RoleActors[jirasim.ProjectRole{ProjectID: project.ID, RoleID: jirasim.RoleViewer}]
	if slices.Contains(actors.AccountIDs, user.AccountID) || slices.Contains(actors.GroupIDs, group.GroupID) {
		t.Errorf("role actors = %+v, still hold the removed user or group", actors)
	}
	if _, err := client.GetUser(ctx, user.AccountID); !isNotFound(err) {
		t.Errorf("GetUser after delete: error = %v, want *NotFoundError", err)
	}
}

func isNotFound(err error) bool {
	var notFound *NotFoundError
	return errors.As(err, &notFound)
}

// TestWriteThatActedThenFailed checks the case AmbiguousWriteError exists
// for: Jira applied the write but the response was lost.
func TestWriteThatActedThenFailed(t *testing.T) {
	cases := []struct {
		name  string
		fault jirasim.Fault
	}{
		{"500 after the write", jirasim.Fault{Method: "POST", Path: "/group/user", Kind: jirasim.FaultWriteThenFail, Status: 500}},
		{"dropped after the write", jirasim.Fault{Method: "POST", Path: "/group/user", Kind: jirasim.FaultWriteThenDrop}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			site := startSimSite(t, jirasim.Options{}, nil)
			site.server.InjectFault(tc.fault)
			group := site.dataset.Groups[0]
			user := site.dataset.Users[len(site.dataset.Users)-1]
			if slices.Contains(group.Members, user.AccountID) {
				t.Fatalf("test setup: user %s is already in group %s", user.AccountID, group.GroupID)
			}

			err := site.client.AddUserToGroup(context.Background(), group.GroupID, user.AccountID)
			var ambiguous *AmbiguousWriteError
			if !errors.As(err, &ambiguous) {
				t.Fatalf("error = %v, want *AmbiguousWriteError", err)
			}
			after := site.server.Dataset()
			index := slices.IndexFunc(after.Groups, func(g jirasim.Group) bool { return g.GroupID == group.GroupID })
			if !slices.Contains(after.Groups[index].Members, user.AccountID) {
				t.Error("the simulator did not apply the write, so the test proves nothing")
			}
			// The client's count: the simulator may record a dropped
			// request only after the client has returned.
			if calls := site.client.Stats().Snapshot().Calls; calls != 1 {
				t.Errorf("sent %d requests, want 1", calls)
			}
		})
	}
}

// TestSimulatorErrorsAreTyped checks that the simulator's malformed
// responses and revoked-grant response map to the typed errors.
func TestSimulatorErrorsAreTyped(t *testing.T) {
	cases := []struct {
		name  string
		fault jirasim.Fault
		check func(error) bool
	}{
		{"malformed JSON", jirasim.Fault{Path: "/users/search", Kind: jirasim.FaultMalformedJSON},
			func(err error) bool { var e *MalformedResponseError; return errors.As(err, &e) }},
		{"wrong types", jirasim.Fault{Path: "/users/search", Kind: jirasim.FaultWrongTypes},
			func(err error) bool { var e *MalformedResponseError; return errors.As(err, &e) }},
		{"missing accountId", jirasim.Fault{Path: "/users/search", Kind: jirasim.FaultMissingAccountID},
			func(err error) bool { var e *MalformedResponseError; return errors.As(err, &e) }},
		{"forbidden", jirasim.Fault{Path: "/users/search", Kind: jirasim.FaultStatus, Status: 403},
			func(err error) bool { var e *ForbiddenError; return errors.As(err, &e) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			site := startSimSite(t, jirasim.Options{}, nil)
			site.server.InjectFault(tc.fault)

			users, err := site.client.SearchUsers(context.Background(), 0, MaxUsersPage)
			if !tc.check(err) {
				t.Fatalf("error = %v (%T)", err, err)
			}
			if users != nil {
				t.Errorf("returned %d users with the error, want none", len(users))
			}
		})
	}

	t.Run("revoked grant", func(t *testing.T) {
		site := startSimSite(t, jirasim.Options{}, nil)
		site.server.RevokeGrant()

		_, err := site.client.Roles(context.Background())
		var unauthorized *UnauthorizedError
		if !errors.As(err, &unauthorized) {
			t.Fatalf("error = %v, want *UnauthorizedError", err)
		}
		for _, secret := range site.server.IssuedSecrets() {
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error text contains an issued secret")
			}
		}
	})
}
