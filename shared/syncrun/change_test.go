package syncrun_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/idgov/atlassian-cloud-connector/shared/connection"
	"github.com/idgov/atlassian-cloud-connector/shared/jirasim"
	"github.com/idgov/atlassian-cloud-connector/shared/snapshot"
	"github.com/idgov/atlassian-cloud-connector/shared/snapshot/snapshottest"
	"github.com/idgov/atlassian-cloud-connector/shared/syncrun"
)

func mustSync(t *testing.T, e *env) syncrun.Summary {
	t.Helper()
	summary, err := e.runSync(t, newRunID())
	if err != nil {
		t.Fatalf("sync failed: %v", err)
	}
	return summary
}

func allChanges(t *testing.T, e *env, runID string) map[string]snapshot.Change {
	t.Helper()
	out := map[string]snapshot.Change{}
	cursor := snapshot.Cursor{}
	for {
		page, next, err := snapshot.ReadChangesPage(context.Background(), e.bundle.Table, runID, cursor, 100)
		if err != nil {
			t.Fatalf("read changes: %v", err)
		}
		for _, c := range page {
			out[c.Key] = c
		}
		if next == nil {
			return out
		}
		cursor = *next
	}
}

func TestSecondSyncRecordsChangeSet(t *testing.T) {
	e := newEnv(t, jirasim.SizeSmall, nil, syncrun.Config{Lanes: 3})
	mustSync(t, e)

	ds := e.sim.Dataset()
	// Pick an active user who is in a group, a group with members, and a
	// project role, all from the generated data.
	var group jirasim.Group
	for _, g := range ds.Groups {
		if len(g.Members) >= 2 {
			group = g
			break
		}
	}
	removed, kept := group.Members[0], group.Members[1]
	var deactivated string
	for _, u := range ds.Users {
		if u.Active && u.AccountID != removed && u.AccountID != kept {
			deactivated = u.AccountID
			break
		}
	}
	pr := jirasim.ProjectRole{ProjectID: ds.Projects[0].ID, RoleID: ds.Roles[0].ID}
	newUser := jirasim.User{AccountID: "557058:new-user-0001", AccountType: "atlassian", Active: true,
		DisplayName: "New Person", Locale: "en_US", TimeZone: "UTC"}
	e.sim.Mutate(func(d *jirasim.Dataset) {
		must(t, d.AddUser(newUser))
		must(t, d.RemoveUser(removed))
		must(t, d.DeactivateUser(deactivated))
		must(t, d.RenameGroup(group.GroupID, group.Name+" (renamed)"))
		must(t, d.RemoveMember(group.GroupID, kept))
		must(t, d.AddMember(group.GroupID, newUser.AccountID))
		must(t, d.AddRoleActor(pr, jirasim.Actors{AccountIDs: []string{newUser.AccountID}}))
	})

	summary := mustSync(t, e)
	changes := allChanges(t, e, summary.RunID)
	groupEnt := snapshot.GroupEntitlementID(group.GroupID)
	roleEnt := snapshot.ProjectRoleEntitlementID(pr.ProjectID, pr.RoleID)
	want := map[string]string{
		"U#" + newUser.AccountID:                 snapshot.OpAdded,
		"U#" + removed:                           snapshot.OpRemoved,
		"U#" + deactivated:                       snapshot.OpChanged,
		"E#" + groupEnt:                          snapshot.OpRenamed,
		"G#" + kept + "#" + groupEnt + "#direct": snapshot.OpRemoved,
		"G#" + newUser.AccountID + "#" + groupEnt + "#direct": snapshot.OpAdded,
		"G#" + removed + "#" + groupEnt + "#direct":           snapshot.OpRemoved,
		"G#" + newUser.AccountID + "#" + roleEnt + "#direct":  snapshot.OpAdded,
	}
	for key, op := range want {
		c, ok := changes[key]
		if !ok {
			t.Errorf("no change recorded for %s, want %s", key, op)
			continue
		}
		if c.Op != op {
			t.Errorf("change of %s = %s, want %s", key, c.Op, op)
		}
	}
	if c := changes["U#"+deactivated]; strings.Join(c.Fields, ",") != "active" {
		t.Errorf("deactivated user's changed fields = %v, want [active]", c.Fields)
	}
	// Every change must be explained by the mutations: the grants through
	// the renamed group and the removed user's other memberships.
	for key, c := range changes {
		if _, ok := want[key]; ok {
			continue
		}
		if c.Type != snapshot.TypeGrant {
			t.Errorf("unexpected %s change of %s", c.Op, key)
			continue
		}
		if !strings.HasPrefix(key, "G#"+removed+"#") && !strings.HasPrefix(key, "G#"+kept+"#") &&
			!strings.HasPrefix(key, "G#"+newUser.AccountID+"#") {
			t.Errorf("unexpected grant change %s %s", c.Op, key)
		}
	}
	want2 := snapshottest.Expected(e.sim.Dataset(), connection.DefaultUserSettings())
	if diffs := snapshottest.Diff(want2, e.exportRecords(t), 10); len(diffs) > 0 {
		t.Errorf("second snapshot differs from the simulator's data:\n%v", diffs)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestTransientFailuresAreRetried(t *testing.T) {
	e := newEnv(t, jirasim.SizeSmall, nil, syncrun.Config{Lanes: 2})
	// 503s beyond the client's own retries make the worker return an
	// UpstreamUnavailableError, which the state machine retries.
	e.sim.InjectFault(jirasim.Fault{Path: "/group/member", Kind: jirasim.FaultStatus, Status: 503, RetryAfter: "0", After: 3, Count: 7})
	e.sim.InjectFault(jirasim.Fault{Path: "/users/search", Kind: jirasim.FaultStatus, Status: 429, RetryAfter: "0", Count: 7})
	summary := mustSync(t, e)
	if summary.Status != syncrun.StatusSucceeded {
		t.Fatalf("status = %s (%s)", summary.Status, summary.Reason)
	}
	if summary.Throttle == 0 {
		t.Error("rateLimited = 0, want the injected 429s counted")
	}
	want := snapshottest.Expected(e.sim.Dataset(), connection.DefaultUserSettings())
	if diffs := snapshottest.Diff(want, e.exportRecords(t), 10); len(diffs) > 0 {
		t.Errorf("snapshot differs after retries:\n%v", diffs)
	}
}

func TestPermanentPageFailureKeepsPreviousSnapshot(t *testing.T) {
	e := newEnv(t, jirasim.SizeSmall, nil, syncrun.Config{Lanes: 2})
	first := mustSync(t, e)
	before := e.exportRecords(t)

	e.sim.Mutate(func(d *jirasim.Dataset) { must(t, d.RemoveUser(d.Users[0].AccountID)) })
	e.sim.InjectFault(jirasim.Fault{Path: "/project/*/role/*", Kind: jirasim.FaultMissingAccountID, After: 5})
	e.sim.InjectFault(jirasim.Fault{Path: "/group/member", Kind: jirasim.FaultMalformedJSON, After: 5})
	summary, err := e.runSync(t, newRunID())
	var pageFailed *syncrun.PageFailedError
	if !errors.As(err, &pageFailed) {
		t.Fatalf("sync error = %v, want a PageFailedError", err)
	}
	if summary.Status != syncrun.StatusFailed {
		t.Errorf("status = %s, want failed", summary.Status)
	}
	if summary.Reason == "" {
		t.Error("failed run has no reason")
	}
	current, err := e.bundle.Engine.CurrentRunID(context.Background(), e.key)
	if err != nil {
		t.Fatal(err)
	}
	if current != first.RunID {
		t.Errorf("current run = %s, want the first run %s", current, first.RunID)
	}
	if diffs := snapshottest.Diff(before, e.exportRecords(t), 5); len(diffs) > 0 {
		t.Errorf("current snapshot changed after a failed run:\n%v", diffs)
	}
	// The lock is released: the next sync runs and records the removal.
	e.sim.ClearFaults()
	next := mustSync(t, e)
	if next.Changes.Removed == 0 {
		t.Errorf("changes after recovery = %+v, want the removed user", next.Changes)
	}
}

func TestSecondSyncWhileRunningIsRefused(t *testing.T) {
	e := newEnv(t, jirasim.SizeSmall, nil, syncrun.Config{Lanes: 2})
	ctx := context.Background()
	first := newRunID()
	_, err := e.bundle.Engine.Orchestrate(ctx, syncrun.RunState{Action: syncrun.ActionBegin, Tenant: e.key.Tenant,
		ConnectionID: e.key.ID, RunID: first, Trigger: syncrun.TriggerOnDemand})
	if err != nil {
		t.Fatalf("begin first run: %v", err)
	}
	second := newRunID()
	_, err = e.bundle.Engine.Orchestrate(ctx, syncrun.RunState{Action: syncrun.ActionBegin, Tenant: e.key.Tenant,
		ConnectionID: e.key.ID, RunID: second, Trigger: syncrun.TriggerSchedule})
	var running *syncrun.SyncAlreadyRunningError
	if !errors.As(err, &running) {
		t.Fatalf("second begin error = %v, want SyncAlreadyRunningError", err)
	}
	if !strings.Contains(err.Error(), first) {
		t.Errorf("error %q does not name the running run %s", err, first)
	}
	// The second run's failure must not release the first run's lock.
	e.fail(t, second, err)
	_, err = e.bundle.Engine.Orchestrate(ctx, syncrun.RunState{Action: syncrun.ActionBegin, Tenant: e.key.Tenant,
		ConnectionID: e.key.ID, RunID: newRunID(), Trigger: syncrun.TriggerSchedule})
	if !errors.As(err, &running) {
		t.Errorf("third begin error = %v, want SyncAlreadyRunningError while the first run holds the lock", err)
	}
}

func TestWorkerRejectsMalformedInput(t *testing.T) {
	e := newEnv(t, jirasim.SizeSmall, nil, syncrun.Config{Lanes: 2})
	cases := []syncrun.LaneState{
		{},
		{Tenant: "acme", ConnectionID: "atlassian-cloud", RunID: "r", Phase: "bogus"},
		{Tenant: "acme", ConnectionID: "atlassian-cloud", RunID: "no-such-run", Phase: syncrun.PhaseRead},
	}
	for i, in := range cases {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			_, err := e.bundle.Engine.Worker(context.Background(), in)
			if err == nil {
				t.Fatal("worker accepted malformed input")
			}
			var invalid *syncrun.InvalidInputError
			var failed *syncrun.PageFailedError
			if !errors.As(err, &invalid) && !errors.As(err, &failed) {
				t.Errorf("error %T %v, want a named error", err, err)
			}
		})
	}
}

func TestOldSnapshotsArePurged(t *testing.T) {
	e := newEnv(t, jirasim.SizeSmall, nil, syncrun.Config{Lanes: 2, KeepSnapshots: 2})
	first := mustSync(t, e)
	second := mustSync(t, e)
	if got := len(readRun(t, e, first.RunID)); got == 0 {
		t.Fatalf("first snapshot was deleted while it was still among the two kept")
	}
	third := mustSync(t, e)
	// The third run's promotion drops the first snapshot from the kept
	// list; the fourth run's diff phase deletes it.
	fourth := mustSync(t, e)
	if got := len(readRun(t, e, first.RunID)); got != 0 {
		t.Errorf("first snapshot has %d records after it fell out of the kept window, want 0", got)
	}
	// The second snapshot is listed for deletion now, but only the next
	// run's diff phase deletes it.
	if got := len(readRun(t, e, second.RunID)); got == 0 {
		t.Errorf("second snapshot was deleted before a run purged it")
	}
	if got := len(readRun(t, e, third.RunID)); got == 0 {
		t.Errorf("kept snapshot of the third run is empty")
	}
	if got := len(readRun(t, e, fourth.RunID)); got != fourth.Counts.Users+fourth.Counts.Entitlements+fourth.Counts.Grants {
		t.Errorf("current snapshot has %d records, want the %+v counted", got, fourth.Counts)
	}
}
