package jirasim

import (
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
)

// Errors of the Dataset mutations, wrapped with the value at fault.
var (
	ErrNotFound = errors.New("not found")
	ErrExists   = errors.New("already exists")
)

// NewUser returns an active atlassian user with a new random account ID.
// An empty email makes the email hidden.
func NewUser(displayName, email string) User {
	u := User{
		AccountID:   "712020:" + randomUUID(),
		AccountType: "atlassian",
		Active:      true,
		DisplayName: displayName,
		Locale:      "en_US",
		TimeZone:    "Etc/UTC",
	}
	if email != "" {
		u.Email = &email
	}
	return u
}

// randomUUID returns a random version 4 UUID.
func randomUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

func (d *Dataset) userIndex(accountID string) (int, error) {
	i := slices.IndexFunc(d.Users, func(u User) bool { return u.AccountID == accountID })
	if i < 0 {
		return -1, fmt.Errorf("user %q: %w", accountID, ErrNotFound)
	}
	return i, nil
}

func (d *Dataset) groupIndex(groupID string) (int, error) {
	i := slices.IndexFunc(d.Groups, func(g Group) bool { return g.GroupID == groupID })
	if i < 0 {
		return -1, fmt.Errorf("group %q: %w", groupID, ErrNotFound)
	}
	return i, nil
}

// AddUser appends u to the end of the users/search order.
func (d *Dataset) AddUser(u User) error {
	if _, err := d.userIndex(u.AccountID); err == nil {
		return fmt.Errorf("user %q: %w", u.AccountID, ErrExists)
	}
	d.Users = append(d.Users, u)
	return nil
}

// RemoveUser deletes a user and removes it from every group and project role.
func (d *Dataset) RemoveUser(accountID string) error {
	i, err := d.userIndex(accountID)
	if err != nil {
		return err
	}
	d.Users = slices.Delete(d.Users, i, i+1)
	for gi := range d.Groups {
		d.Groups[gi].Members = slices.DeleteFunc(d.Groups[gi].Members, func(id string) bool { return id == accountID })
	}
	for pr, a := range d.RoleActors {
		if slices.Contains(a.AccountIDs, accountID) {
			a.AccountIDs = slices.DeleteFunc(slices.Clone(a.AccountIDs), func(id string) bool { return id == accountID })
			d.RoleActors[pr] = a
		}
	}
	return nil
}

// DeactivateUser marks a user inactive. It keeps its groups and roles, as
// Jira does.
func (d *Dataset) DeactivateUser(accountID string) error {
	i, err := d.userIndex(accountID)
	if err != nil {
		return err
	}
	d.Users[i].Active = false
	return nil
}

// RenameGroup changes a group's name; its ID stays the same.
func (d *Dataset) RenameGroup(groupID, name string) error {
	i, err := d.groupIndex(groupID)
	if err != nil {
		return err
	}
	d.Groups[i].Name = name
	return nil
}

// AddMember appends a user to a group's members.
func (d *Dataset) AddMember(groupID, accountID string) error {
	i, err := d.groupIndex(groupID)
	if err != nil {
		return err
	}
	if slices.Contains(d.Groups[i].Members, accountID) {
		return fmt.Errorf("user %q in group %q: %w", accountID, groupID, ErrExists)
	}
	d.Groups[i].Members = append(d.Groups[i].Members, accountID)
	return nil
}

// RemoveMember removes a user from a group's members.
func (d *Dataset) RemoveMember(groupID, accountID string) error {
	i, err := d.groupIndex(groupID)
	if err != nil {
		return err
	}
	j := slices.Index(d.Groups[i].Members, accountID)
	if j < 0 {
		return fmt.Errorf("user %q in group %q: %w", accountID, groupID, ErrNotFound)
	}
	d.Groups[i].Members = slices.Delete(d.Groups[i].Members, j, j+1)
	return nil
}

// AddRoleActor adds users and groups to a role in a project. It fails,
// changing nothing, if any of them already holds the role.
func (d *Dataset) AddRoleActor(pr ProjectRole, add Actors) error {
	if d.RoleActors == nil {
		d.RoleActors = map[ProjectRole]Actors{}
	}
	cur := d.RoleActors[pr]
	for _, id := range add.AccountIDs {
		if slices.Contains(cur.AccountIDs, id) {
			return fmt.Errorf("user %q in role %d of project %s: %w", id, pr.RoleID, pr.ProjectID, ErrExists)
		}
	}
	for _, id := range add.GroupIDs {
		if slices.Contains(cur.GroupIDs, id) {
			return fmt.Errorf("group %q in role %d of project %s: %w", id, pr.RoleID, pr.ProjectID, ErrExists)
		}
	}
	d.RoleActors[pr] = Actors{
		AccountIDs: append(slices.Clone(cur.AccountIDs), add.AccountIDs...),
		GroupIDs:   append(slices.Clone(cur.GroupIDs), add.GroupIDs...),
	}
	return nil
}

// RemoveRoleActor removes users and groups from a role in a project. It
// fails, changing nothing, if any of them does not hold the role.
func (d *Dataset) RemoveRoleActor(pr ProjectRole, remove Actors) error {
	cur := d.RoleActors[pr]
	for _, id := range remove.AccountIDs {
		if !slices.Contains(cur.AccountIDs, id) {
			return fmt.Errorf("user %q in role %d of project %s: %w", id, pr.RoleID, pr.ProjectID, ErrNotFound)
		}
	}
	for _, id := range remove.GroupIDs {
		if !slices.Contains(cur.GroupIDs, id) {
			return fmt.Errorf("group %q in role %d of project %s: %w", id, pr.RoleID, pr.ProjectID, ErrNotFound)
		}
	}
	next := Actors{
		AccountIDs: slices.DeleteFunc(slices.Clone(cur.AccountIDs), func(id string) bool { return slices.Contains(remove.AccountIDs, id) }),
		GroupIDs:   slices.DeleteFunc(slices.Clone(cur.GroupIDs), func(id string) bool { return slices.Contains(remove.GroupIDs, id) }),
	}
	if len(next.AccountIDs)+len(next.GroupIDs) == 0 {
		delete(d.RoleActors, pr)
		return nil
	}
	d.RoleActors[pr] = next
	return nil
}
