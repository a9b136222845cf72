package syncrun

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/idgov/atlassian-cloud-connector/shared/atlassian"
	"github.com/idgov/atlassian-cloud-connector/shared/connection"
	"github.com/idgov/atlassian-cloud-connector/shared/snapshot"
	"github.com/idgov/atlassian-cloud-connector/shared/store"
)

// pageOutcome is what processing one task produced.
type pageOutcome struct {
	records []snapshot.Record
	members []string // included members of a group page, for expansion
	next    []Task
	result  any // stored with the done task (diff counts)
}

// taskRunner processes tasks of one run.
type taskRunner struct {
	engine *Engine
	run    *Run
	jira   Jira
}

// process runs one task: it reads the page, writes its records and
// follow-up tasks, and returns the number of items written. Writes are
// keyed by record id, so repeating a task rewrites the same items.
func (r *taskRunner) process(ctx context.Context, t Task) (int, any, error) {
	var (
		out pageOutcome
		err error
	)
	switch t.Kind {
	case KindUsers:
		out, err = r.users(ctx, t)
	case KindGroups:
		out, err = r.groups(ctx, t)
	case KindMembers:
		out, err = r.members(ctx, t)
	case KindProjects:
		out, err = r.projects(ctx, t)
	case KindProjectRole:
		out, err = r.projectRole(ctx, t)
	case KindAppRoles:
		out, err = r.appRoles(ctx)
	case KindExpandGroup:
		out, err = r.expandGroup(ctx, t)
	case KindExpandActors:
		out, err = r.expandActors(ctx, t)
	case KindDiff:
		out, err = r.diff(ctx, t)
	default:
		return 0, nil, &PageFailedError{Message: fmt.Sprintf("task %s has unknown kind %q", t.ID, t.Kind)}
	}
	if err != nil {
		return 0, nil, err
	}
	written, err := snapshot.Write(ctx, r.engine.Table, r.run.RunID, r.run.ExpiresAt, out.records)
	if err != nil {
		return 0, nil, err
	}
	if len(out.members) > 0 {
		if err := r.writeMembers(ctx, t.GroupID, out.members); err != nil {
			return 0, nil, err
		}
		written += len(out.members)
	}
	if err := r.engine.queue(r.run).enqueue(ctx, out.next); err != nil {
		return 0, nil, err
	}
	return written + len(out.next), out.result, nil
}

// included reports whether the run's user settings keep an account.
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

func (r *taskRunner) users(ctx context.Context, t Task) (pageOutcome, error) {
	users, err := r.jira.SearchUsers(ctx, t.StartAt, atlassian.MaxUsersPage)
	if err != nil {
		return pageOutcome{}, err
	}
	var out pageOutcome
	for _, u := range users {
		if !included(r.run.UserSettings, u) {
			continue
		}
		out.records = append(out.records, snapshot.Record{User: &snapshot.ServiceUser{
			AccountID: u.AccountID, DisplayName: u.DisplayName, Email: u.EmailAddress, Active: u.Active,
			AccountType: u.AccountType, Locale: u.Locale, TimeZone: u.TimeZone,
		}})
	}
	// users/search has no total and no isLast: only an empty page ends it,
	// and a short page is not the last.
	if len(users) > 0 {
		out.next = append(out.next, usersTask(t.StartAt+len(users)))
	}
	return out, nil
}

func (r *taskRunner) groups(ctx context.Context, t Task) (pageOutcome, error) {
	page, err := r.jira.BulkGroups(ctx, t.StartAt, atlassian.MaxGroupsPage)
	if err != nil {
		return pageOutcome{}, err
	}
	var out pageOutcome
	for _, g := range page.Values {
		out.records = append(out.records, snapshot.Record{Entitlement: &snapshot.Entitlement{
			ID: snapshot.GroupEntitlementID(g.GroupID), Kind: snapshot.KindGroup, Name: g.Name, GroupID: g.GroupID,
		}})
		out.next = append(out.next, membersTask(g.GroupID, 0))
	}
	if !page.IsLast && len(page.Values) > 0 {
		out.next = append(out.next, groupsTask(t.StartAt+len(page.Values)))
	}
	return out, nil
}

func (r *taskRunner) members(ctx context.Context, t Task) (pageOutcome, error) {
	page, err := r.jira.GroupMembers(ctx, t.GroupID, t.StartAt, atlassian.MaxMembersPage)
	var notFound *atlassian.NotFoundError
	if errors.As(err, &notFound) {
		// The group was deleted after group/bulk listed it: it has no members
		// now. Its entitlement stays in this snapshot, and the next sync
		// removes it.
		r.engine.logger().WarnContext(ctx, "group vanished during sync", "group_id", t.GroupID, "run_id", r.run.RunID)
		return pageOutcome{}, nil
	}
	if err != nil {
		return pageOutcome{}, err
	}
	var out pageOutcome
	entitlement := snapshot.GroupEntitlementID(t.GroupID)
	for _, u := range page.Values {
		if !included(r.run.UserSettings, u) {
			continue
		}
		out.records = append(out.records, snapshot.Record{Grant: &snapshot.Grant{
			AccountID: u.AccountID, EntitlementID: entitlement, Via: snapshot.ViaDirect,
		}})
		out.members = append(out.members, u.AccountID)
	}
	if !page.IsLast && len(page.Values) > 0 {
		out.next = append(out.next, membersTask(t.GroupID, t.StartAt+len(page.Values)))
	}
	return out, nil
}

func (r *taskRunner) projects(ctx context.Context, t Task) (pageOutcome, error) {
	page, err := r.jira.SearchProjects(ctx, t.StartAt, atlassian.MaxProjectsPage)
	if err != nil {
		return pageOutcome{}, err
	}
	var out pageOutcome
	for _, p := range page.Values {
		for _, role := range r.run.Roles {
			out.next = append(out.next, projectRoleTask(p.ID, p.Key, p.Name, role))
		}
	}
	if !page.IsLast && len(page.Values) > 0 {
		out.next = append(out.next, projectsTask(t.StartAt+len(page.Values)))
	}
	return out, nil
}

func (r *taskRunner) projectRole(ctx context.Context, t Task) (pageOutcome, error) {
	details, err := r.jira.ProjectRole(ctx, t.ProjectID, t.RoleID)
	var notFound *atlassian.NotFoundError
	if errors.As(err, &notFound) {
		r.engine.logger().WarnContext(ctx, "project or role vanished during sync",
			"project_id", t.ProjectID, "role_id", t.RoleID, "run_id", r.run.RunID)
		return pageOutcome{}, nil
	}
	if err != nil {
		return pageOutcome{}, err
	}
	entitlement := snapshot.ProjectRoleEntitlementID(t.ProjectID, t.RoleID)
	out := pageOutcome{records: []snapshot.Record{{Entitlement: &snapshot.Entitlement{
		ID: entitlement, Kind: snapshot.KindProjectRole, Name: t.ProjectKey + " " + t.RoleName,
		ProjectID: t.ProjectID, ProjectKey: t.ProjectKey, ProjectName: t.ProjectName,
		RoleID: t.RoleID, RoleName: t.RoleName,
	}}}}
	var users []string
	for _, a := range details.Actors {
		switch {
		case a.GroupID != "":
			out.next = append(out.next, expandGroupTask(entitlement, a.GroupID, ""))
		case a.AccountID != "":
			users = append(users, a.AccountID)
		}
	}
	out.next = append(out.next, expandActorsTasks(entitlement, users)...)
	return out, nil
}

func (r *taskRunner) appRoles(ctx context.Context) (pageOutcome, error) {
	roles, err := r.jira.ApplicationRoles(ctx)
	if err != nil {
		return pageOutcome{}, err
	}
	var out pageOutcome
	for _, role := range roles {
		entitlement := snapshot.AppRoleEntitlementID(role.Key)
		out.records = append(out.records, snapshot.Record{Entitlement: &snapshot.Entitlement{
			ID: entitlement, Kind: snapshot.KindApplicationRole, Name: role.Name, AppRoleKey: role.Key,
		}})
		for _, g := range role.GroupIDs {
			out.next = append(out.next, expandGroupTask(entitlement, g, ""))
		}
	}
	return out, nil
}

// membersPK is the partition of a group's included members in a run: a
// working copy that expansion reads without calling Jira again.
func membersPK(runID, groupID string) string { return "MEM#" + runID + "#" + groupID }

func (r *taskRunner) writeMembers(ctx context.Context, groupID string, accountIDs []string) error {
	expires := r.engine.queue(r.run).expiresAt
	items := make([]store.Item, 0, len(accountIDs))
	for _, id := range accountIDs {
		item := store.Key(membersPK(r.run.RunID, groupID), id)
		item[store.AttrExpiresAt] = store.N(expires)
		items = append(items, item)
	}
	return r.engine.Table.BatchPut(ctx, items)
}

// expansionPage is how many members one expansion task reads.
const expansionPage = 1000

func (r *taskRunner) expandGroup(ctx context.Context, t Task) (pageOutcome, error) {
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(r.engine.Table.Name),
		KeyConditionExpression:    aws.String("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": store.S(membersPK(r.run.RunID, t.GroupID))},
		Limit:                     aws.Int32(expansionPage),
		ConsistentRead:            aws.Bool(true),
	}
	if t.AfterAccount != "" {
		in.ExclusiveStartKey = store.Key(membersPK(r.run.RunID, t.GroupID), t.AfterAccount)
	}
	page, err := r.engine.Table.Client.Query(ctx, in)
	if err != nil {
		return pageOutcome{}, fmt.Errorf("read members of group %s: %w", t.GroupID, err)
	}
	var out pageOutcome
	via := snapshot.ViaGroup(t.GroupID)
	for _, item := range page.Items {
		out.records = append(out.records, snapshot.Record{Grant: &snapshot.Grant{
			AccountID: stringAttr(item, store.AttrSK), EntitlementID: t.EntitlementID, Via: via,
		}})
	}
	if len(page.LastEvaluatedKey) > 0 {
		out.next = append(out.next, expandGroupTask(t.EntitlementID, t.GroupID, stringAttr(page.LastEvaluatedKey, store.AttrSK)))
	}
	return out, nil
}

// expandActors grants a project role directly to its user actors that are
// in the snapshot; actors the user settings exclude are not.
func (r *taskRunner) expandActors(ctx context.Context, t Task) (pageOutcome, error) {
	present, err := r.usersPresent(ctx, t.AccountIDs)
	if err != nil {
		return pageOutcome{}, err
	}
	var out pageOutcome
	for _, id := range t.AccountIDs {
		if present[id] {
			out.records = append(out.records, snapshot.Record{Grant: &snapshot.Grant{
				AccountID: id, EntitlementID: t.EntitlementID, Via: snapshot.ViaDirect,
			}})
		}
	}
	return out, nil
}

// usersPresent returns which account ids have a user record in the run's
// snapshot, with BatchGetItem in chunks of 100 keys.
func (r *taskRunner) usersPresent(ctx context.Context, accountIDs []string) (map[string]bool, error) {
	present := make(map[string]bool, len(accountIDs))
	seen := make(map[string]bool, len(accountIDs))
	var keys []store.Item
	for _, id := range accountIDs {
		if seen[id] {
			continue
		}
		seen[id] = true
		sk := snapshot.ServiceUser{AccountID: id}.SortKey()
		keys = append(keys, store.Key(snapshot.PartitionKey(r.run.RunID, snapshot.ShardOf(sk)), sk))
	}
	for start := 0; start < len(keys); start += 100 {
		pending := map[string]types.KeysAndAttributes{r.engine.Table.Name: {
			Keys: keys[start:min(start+100, len(keys))], ConsistentRead: aws.Bool(true),
			ProjectionExpression: aws.String("SK"),
		}}
		for attempt := 0; len(pending) > 0; attempt++ {
			if attempt >= 10 {
				return nil, &StoreThrottledError{Message: fmt.Sprintf(
					"look up users of run %s in table %s: keys still unprocessed after 10 attempts; the table is throttled",
					r.run.RunID, r.engine.Table.Name)}
			}
			out, err := r.engine.Table.Client.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: pending})
			if err != nil {
				return nil, fmt.Errorf("look up users in run %s: %w", r.run.RunID, err)
			}
			for _, item := range out.Responses[r.engine.Table.Name] {
				present[stringAttr(item, store.AttrSK)[len("U#"):]] = true
			}
			pending = out.UnprocessedKeys
		}
	}
	return present, nil
}

func (r *taskRunner) diff(ctx context.Context, t Task) (pageOutcome, error) {
	result, err := snapshot.DiffShard(ctx, r.engine.Table, r.run.PreviousRunID, r.run.RunID, t.Shard, r.run.ExpiresAt)
	if err != nil {
		return pageOutcome{}, err
	}
	for _, old := range r.run.PurgeRunIDs {
		if err := purgeShard(ctx, r.engine.Table, old, t.Shard); err != nil {
			return pageOutcome{}, err
		}
	}
	return pageOutcome{result: result}, nil
}

// purgeShard deletes one shard of an old run's snapshot and change set.
func purgeShard(ctx context.Context, table *store.Table, runID string, shard int) error {
	for _, pk := range []string{snapshot.PartitionKey(runID, shard), snapshot.ChangePartitionKey(runID, shard)} {
		err := table.QueryAll(ctx, &dynamodb.QueryInput{
			KeyConditionExpression:    aws.String("PK = :pk"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": store.S(pk)},
			ProjectionExpression:      aws.String("PK, SK"),
		}, func(items []store.Item) error {
			return table.BatchDelete(ctx, items)
		})
		if err != nil {
			return fmt.Errorf("purge %s: %w", pk, err)
		}
	}
	return nil
}
