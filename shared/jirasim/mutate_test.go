package jirasim

import (
	"errors"
	"testing"
)

func TestDatasetMutationErrors(t *testing.T) {
	d := datasetWith(t, 2)
	user, group := d.Users[0].AccountID, d.Groups[0].GroupID
	pr := ProjectRole{ProjectID: d.Projects[0].ID, RoleID: RoleMember}
	if err := d.AddMember(group, user); err != nil {
		t.Fatalf("AddMember: %v", err)
	}
	if err := d.AddRoleActor(pr, Actors{AccountIDs: []string{user}}); err != nil {
		t.Fatalf("AddRoleActor: %v", err)
	}
	cases := []struct {
		name string
		err  error
		want error
	}{
		{"add existing user", d.AddUser(d.Users[1]), ErrExists},
		{"remove unknown user", d.RemoveUser("nobody"), ErrNotFound},
		{"deactivate unknown user", d.DeactivateUser("nobody"), ErrNotFound},
		{"rename unknown group", d.RenameGroup("nope", "x"), ErrNotFound},
		{"add member twice", d.AddMember(group, user), ErrExists},
		{"add member to unknown group", d.AddMember("nope", user), ErrNotFound},
		{"remove non-member", d.RemoveMember(group, d.Users[1].AccountID), ErrNotFound},
		{"add actor twice", d.AddRoleActor(pr, Actors{AccountIDs: []string{user}}), ErrExists},
		{"remove non-actor group", d.RemoveRoleActor(pr, Actors{GroupIDs: []string{group}}), ErrNotFound},
	}
	for _, c := range cases {
		if !errors.Is(c.err, c.want) {
			t.Errorf("%s: error %v, want %v", c.name, c.err, c.want)
		}
	}
	if err := d.RemoveRoleActor(pr, Actors{AccountIDs: []string{user}}); err != nil {
		t.Errorf("RemoveRoleActor: %v", err)
	}
	if _, ok := d.RoleActors[pr]; ok {
		t.Error("a role without actors stays in RoleActors")
	}
}
