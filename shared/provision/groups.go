package provision

import (
	"context"
	"fmt"
	"strings"

	"github.com/idgov/atlassian-cloud-connector/shared/atlassian"
	"github.com/idgov/atlassian-cloud-connector/shared/snapshot"
)

// user reads a user from Jira. A missing user is CodeNotFound on accountId;
// with active set, a deactivated one is CodeUserInactive.
func (o *operation) user(ctx context.Context, accountID string, active bool) (atlassian.User, error) {
	u, err := o.jira.GetUser(ctx, accountID)
	if isNotFound(err) {
		return u, notFound("accountId", "user %s does not exist on the site: check accountId", accountID)
	}
	if err != nil {
		return u, err
	}
	if active && !u.Active {
		return u, newError(CodeUserInactive, "accountId", "user %s is deactivated, so Jira does not add it: reactivate the user first", accountID)
	}
	return u, nil
}

// checkGroup makes sure a group exists, with one read of its first member.
func (o *operation) checkGroup(ctx context.Context, groupID string) error {
	_, err := o.jira.GroupMembers(ctx, groupID, 0, 1)
	if isNotFound(err) {
		return notFound("groupId", "group %s does not exist on the site: check groupId", groupID)
	}
	return err
}

// isMember reads every page of the group's members, inactive users
// included, and reports whether the user is one.
//
// NOTE: this costs one call per 50 members. GET /user?expand=groups lists a
// user's groups in one call, but the client does not offer it.
func (o *operation) isMember(ctx context.Context, groupID, accountID string) (bool, error) {
	for start := 0; ; {
		page, err := o.jira.GroupMembers(ctx, groupID, start, atlassian.MaxMembersPage)
		if isNotFound(err) {
			return false, notFound("groupId", "group %s does not exist on the site: check groupId", groupID)
		}
		if err != nil {
			return false, err
		}
		for _, m := range page.Values {
			if m.AccountID == accountID {
				return true, nil
			}
		}
		if page.IsLast || len(page.Values) == 0 {
			return false, nil
		}
		start += len(page.Values)
	}
}

// membershipNotFound explains a 404 of a membership write: the group or
// the user is missing.
func (o *operation) membershipNotFound(groupID, accountID string) func(context.Context) (bool, error) {
	return func(ctx context.Context) (bool, error) {
		if err := o.checkGroup(ctx, groupID); err != nil {
			return false, err
		}
		return false, notFound("accountId", "user %s does not exist on the site: check accountId", accountID)
	}
}

func (o *operation) addGroupMember(ctx context.Context) (*Result, error) {
	groupID, accountID := o.action.GroupID, o.action.AccountID
	user, err := o.user(ctx, accountID, true)
	if err != nil {
		return nil, err
	}
	d, err := o.apply(ctx, change{
		what:     fmt.Sprintf("adding user %s to group %s", accountID, groupID),
		write:    func(ctx context.Context) error { return o.jira.AddUserToGroup(ctx, groupID, accountID) },
		holds:    func(ctx context.Context) (bool, error) { return o.isMember(ctx, groupID, accountID) },
		notFound: o.membershipNotFound(groupID, accountID),
	})
	if err != nil {
		return nil, err
	}
	t, err := o.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	if err := t.joinGroup(ctx, user, groupID); err != nil {
		return nil, err
	}
	if !included(t.settings, user) {
		t.note("the connection's user settings leave user " + accountID + " out of the snapshot, so no grant was added")
	}
	return o.result(d, OutcomeAdded, OutcomeAlreadyPresent), nil
}

func (o *operation) removeGroupMember(ctx context.Context) (*Result, error) {
	groupID, accountID := o.action.GroupID, o.action.AccountID
	if _, err := o.user(ctx, accountID, false); err != nil {
		return nil, err
	}
	d, err := o.apply(ctx, change{
		what:  fmt.Sprintf("removing user %s from group %s", accountID, groupID),
		write: func(ctx context.Context) error { return o.jira.RemoveUserFromGroup(ctx, groupID, accountID) },
		holds: func(ctx context.Context) (bool, error) {
			member, err := o.isMember(ctx, groupID, accountID)
			return !member, err
		},
		notFound: o.membershipNotFound(groupID, accountID),
	})
	if err != nil {
		return nil, err
	}
	t, err := o.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	if err := t.leaveGroup(ctx, accountID, groupID); err != nil {
		return nil, err
	}
	return o.result(d, OutcomeRemoved, OutcomeAlreadyAbsent), nil
}

// findGroup reads every group and returns the one with this name, compared
// without regard to case, because the simulator's POST /group rejects a name
// that differs from an existing one only in case.
//
// NOTE: this costs one call per 50 groups (400 on a site with 20,000). It
// runs only after a rejected or lost createGroup; the simulator's
// GET /group/bulk filters by groupName, but the client does not offer it.
func (o *operation) findGroup(ctx context.Context, name string) (atlassian.Group, bool, error) {
	groups, err := o.jira.AllGroups(ctx)
	if err != nil {
		return atlassian.Group{}, false, err
	}
	for _, g := range groups {
		if strings.EqualFold(g.Name, name) {
			return g, true, nil
		}
	}
	return atlassian.Group{}, false, nil
}

func (o *operation) createGroup(ctx context.Context) (*Result, error) {
	name := o.action.GroupName
	var group atlassian.Group
	d, err := o.apply(ctx, change{
		what: fmt.Sprintf("creating group %q", name),
		write: func(ctx context.Context) error {
			created, err := o.jira.CreateGroup(ctx, name)
			if err == nil {
				group = created
			}
			return err
		},
		holds: func(ctx context.Context) (bool, error) {
			found, ok, err := o.findGroup(ctx, name)
			if ok {
				group = found
			}
			return ok, err
		},
		notFound: func(context.Context) (bool, error) { return false, nil },
	})
	if err != nil {
		return nil, err
	}
	t, err := o.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	err = t.put(ctx, snapshot.Record{Entitlement: &snapshot.Entitlement{
		ID: snapshot.GroupEntitlementID(group.GroupID), Kind: snapshot.KindGroup, Name: group.Name, GroupID: group.GroupID,
	}})
	if err != nil {
		return nil, err
	}
	r := o.result(d, OutcomeCreated, OutcomeAlreadyExists)
	r.Group = &group
	return r, nil
}

// result builds the result of a decided change.
func (o *operation) result(d decision, changedOutcome, unchangedOutcome string) *Result {
	r := &Result{Changed: d.changed, Outcome: unchangedOutcome, DecidedBy: d.decidedBy}
	if d.changed {
		r.Outcome = changedOutcome
	}
	if o.target != nil {
		r.Snapshot = o.target.edit
	}
	return r
}
