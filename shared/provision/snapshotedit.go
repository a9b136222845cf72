package provision

import (
	"context"
	"slices"

	"github.com/idgov/atlassian-cloud-connector/shared/atlassian"
	"github.com/idgov/atlassian-cloud-connector/shared/connection"
	"github.com/idgov/atlassian-cloud-connector/shared/snapshot"
)

// target is the current snapshot a request edits.
//
// NOTE: a sync that is running while the request is carried out may have
// read the changed data before the change. Its snapshot, once promoted,
// then lacks the change until the following sync, and its change set shows
// the change reverted.
type target struct {
	op        *operation
	runID     string // "" before the first completed sync
	expiresAt int64
	settings  connection.UserSettings
	edit      SnapshotEdit
}

// snapshot returns the current snapshot, read once per request.
func (o *operation) snapshot(ctx context.Context) (*target, error) {
	if o.target != nil {
		return o.target, nil
	}
	t := &target{op: o, settings: o.conn.UserSettings}
	runID, err := o.svc.Engine.CurrentRunID(ctx, o.conn.Key)
	if err != nil {
		return nil, err
	}
	if runID != "" {
		run, err := o.svc.Engine.Run(ctx, o.conn.Key, runID)
		if err != nil {
			return nil, err
		}
		t.runID, t.expiresAt = runID, run.ExpiresAt
		t.edit.RunID = runID
	} else {
		t.edit.Note = "the connection has no completed sync yet, so there is no snapshot to edit"
	}
	o.target = t
	return t, nil
}

func (t *target) put(ctx context.Context, records ...snapshot.Record) error {
	if t.runID == "" || len(records) == 0 {
		return nil
	}
	n, err := snapshot.Write(ctx, t.op.svc.Table, t.runID, t.expiresAt, records)
	t.edit.Written += n
	return err
}

func (t *target) delete(ctx context.Context, sortKeys ...string) error {
	if t.runID == "" || len(sortKeys) == 0 {
		return nil
	}
	n, err := snapshot.Delete(ctx, t.op.svc.Table, t.runID, sortKeys)
	t.edit.Deleted += n
	return err
}

// get reads the record with this sort key from the snapshot.
func (t *target) get(ctx context.Context, sortKey string) (snapshot.Record, bool, error) {
	if t.runID == "" {
		return snapshot.Record{}, false, nil
	}
	return snapshot.Get(ctx, t.op.svc.Table, t.runID, sortKey)
}

// has reports whether the snapshot contains the record with this sort key.
func (t *target) has(ctx context.Context, sortKey string) (bool, error) {
	_, found, err := t.get(ctx, sortKey)
	return found, err
}

func (t *target) note(text string) {
	if t.edit.Note == "" {
		t.edit.Note = text
	}
}

// included reports whether the connection's user settings keep an
// account, by the rule the sync applies.
func included(s connection.UserSettings, u atlassian.User) bool {
	switch {
	case !u.Active && !s.IncludeInactive:
		return false
	case u.AccountType == "app" && !s.IncludeApp:
		return false
	case u.AccountType == "customer" && !s.IncludeCustomers:
		return false
	}
	return true
}

func serviceUser(u atlassian.User) snapshot.ServiceUser {
	return snapshot.ServiceUser{
		AccountID: u.AccountID, DisplayName: u.DisplayName, Email: u.EmailAddress, Active: u.Active,
		AccountType: u.AccountType, Locale: u.Locale, TimeZone: u.TimeZone,
	}
}

func grant(accountID, entitlementID, via string) snapshot.Record {
	return snapshot.Record{Grant: &snapshot.Grant{AccountID: accountID, EntitlementID: entitlementID, Via: via}}
}

// conferred returns the entitlements a group's members hold through it in
// the snapshot: application roles and project roles. It takes them from a
// member that was in the group at the last sync (its direct group grant is
// in the snapshot), because the sync gave every included member the same
// grants through the group. Without such a member it falls back to
// GET /applicationrole, which covers application roles only.
func (t *target) conferred(ctx context.Context, groupID, exclude string) ([]string, error) {
	if t.runID == "" {
		return nil, nil
	}
	via := snapshot.ViaGroup(groupID)
	members, err := t.op.jira.GroupMembers(ctx, groupID, 0, atlassian.MaxMembersPage)
	if err != nil {
		return nil, err
	}
	for _, m := range members.Values {
		if m.AccountID == exclude {
			continue
		}
		membership := snapshot.Grant{AccountID: m.AccountID, EntitlementID: snapshot.GroupEntitlementID(groupID), Via: snapshot.ViaDirect}
		found, err := t.has(ctx, membership.SortKey())
		if err != nil {
			return nil, err
		}
		if !found {
			continue
		}
		grants, err := snapshot.UserGrants(ctx, t.op.svc.Table, t.runID, m.AccountID)
		if err != nil {
			return nil, err
		}
		var ids []string
		for _, g := range grants {
			if g.Via == via {
				ids = append(ids, g.EntitlementID)
			}
		}
		return ids, nil
	}
	roles, err := t.op.jira.ApplicationRoles(ctx)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, role := range roles {
		if slices.Contains(role.GroupIDs, groupID) {
			ids = append(ids, snapshot.AppRoleEntitlementID(role.Key))
		}
	}
	t.note("no member of group " + groupID + " from the last sync was found, so project-role grants through it appear at the next sync")
	return ids, nil
}

// joinGroup adds a user's membership of a group and the grants the group
// confers to the snapshot, when the user settings include the user.
func (t *target) joinGroup(ctx context.Context, user atlassian.User, groupID string) error {
	if t.runID == "" || !included(t.settings, user) {
		return nil
	}
	conferred, err := t.conferred(ctx, groupID, user.AccountID)
	if err != nil {
		return err
	}
	u := serviceUser(user)
	records := []snapshot.Record{
		{User: &u},
		grant(user.AccountID, snapshot.GroupEntitlementID(groupID), snapshot.ViaDirect),
	}
	for _, id := range conferred {
		records = append(records, grant(user.AccountID, id, snapshot.ViaGroup(groupID)))
	}
	return t.put(ctx, records...)
}

// leaveGroup deletes a user's membership of a group and every grant the
// user holds through it from the snapshot.
func (t *target) leaveGroup(ctx context.Context, accountID, groupID string) error {
	if t.runID == "" {
		return nil
	}
	grants, err := snapshot.UserGrants(ctx, t.op.svc.Table, t.runID, accountID)
	if err != nil {
		return err
	}
	keys := []string{snapshot.Grant{AccountID: accountID, EntitlementID: snapshot.GroupEntitlementID(groupID), Via: snapshot.ViaDirect}.SortKey()}
	for _, g := range grants {
		if g.Via == snapshot.ViaGroup(groupID) {
			keys = append(keys, g.SortKey())
		}
	}
	return t.delete(ctx, keys...)
}
