package syncrun_test

import (
	"context"
	"errors"
	"testing"

	"github.com/idgov/atlassian-cloud-connector/shared/jirasim"
	"github.com/idgov/atlassian-cloud-connector/shared/syncrun"
)

func TestRetriedBeginContinuesSameRun(t *testing.T) {
	e := newEnv(t, jirasim.SizeSmall, nil, syncrun.Config{Lanes: 2})
	ctx := context.Background()
	runID := newRunID()
	begin := syncrun.RunState{Action: syncrun.ActionBegin, Tenant: e.key.Tenant, ConnectionID: e.key.ID,
		RunID: runID, Trigger: syncrun.TriggerOnDemand}
	if _, err := e.bundle.Engine.Orchestrate(ctx, begin); err != nil {
		t.Fatalf("first begin: %v", err)
	}
	// The state machine retries begin after a transient error; the retry
	// must carry on with the same run, not reject it as a reused id.
	if _, err := e.bundle.Engine.Orchestrate(ctx, begin); err != nil {
		t.Fatalf("retried begin: %v", err)
	}
	run, err := e.bundle.Engine.Run(ctx, e.key, runID)
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != syncrun.StatusRunning {
		t.Errorf("run status after a retried begin = %q, want running", run.Status)
	}
}

func TestRetriedFinishKeepsPublishedSnapshot(t *testing.T) {
	e := newEnv(t, jirasim.SizeSmall, nil, syncrun.Config{Lanes: 2})
	ctx := context.Background()
	summary := mustSync(t, e)
	before := e.exportRecords(t)

	finish := syncrun.RunState{Action: syncrun.ActionFinish, Tenant: e.key.Tenant, ConnectionID: e.key.ID,
		RunID: summary.RunID, Trigger: syncrun.TriggerOnDemand}
	again, err := e.bundle.Engine.Orchestrate(ctx, finish)
	if err != nil {
		t.Fatalf("retried finish: %v", err)
	}
	if again.Status != syncrun.StatusSucceeded {
		t.Errorf("retried finish status = %q, want succeeded", again.Status)
	}
	// A late fail step (the state machine's Catch after a lost answer) must
	// not mark the published run failed or list it for deletion.
	e.fail(t, summary.RunID, errors.New("injected: the finish answer was lost"))
	run, err := e.bundle.Engine.Run(ctx, e.key, summary.RunID)
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != syncrun.StatusSucceeded {
		t.Errorf("published run status after a late fail = %q, want succeeded", run.Status)
	}
	// The next run must not purge the current snapshot.
	mustSync(t, e)
	if got := len(readRun(t, e, summary.RunID)); got != len(before) {
		t.Errorf("previous snapshot has %d records after the next run, want %d (it is still kept)", got, len(before))
	}
}

func TestLosingBeginWritesNothing(t *testing.T) {
	e := newEnv(t, jirasim.SizeSmall, nil, syncrun.Config{Lanes: 2})
	ctx := context.Background()
	first := newRunID()
	if _, err := e.bundle.Engine.Orchestrate(ctx, syncrun.RunState{Action: syncrun.ActionBegin, Tenant: e.key.Tenant,
		ConnectionID: e.key.ID, RunID: first, Trigger: syncrun.TriggerOnDemand}); err != nil {
		t.Fatal(err)
	}
	loser := newRunID() + "x"
	_, err := e.bundle.Engine.Orchestrate(ctx, syncrun.RunState{Action: syncrun.ActionBegin, Tenant: e.key.Tenant,
		ConnectionID: e.key.ID, RunID: loser, Trigger: syncrun.TriggerSchedule})
	var running *syncrun.SyncAlreadyRunningError
	if !errors.As(err, &running) {
		t.Fatalf("second begin error = %v, want SyncAlreadyRunningError", err)
	}
	var notFound *syncrun.RunNotFoundError
	if _, err := e.bundle.Engine.Run(ctx, e.key, loser); !errors.As(err, &notFound) {
		t.Errorf("losing run record: err = %v, want none recorded", err)
	}
}

func TestBeginRejectsMissingTrigger(t *testing.T) {
	e := newEnv(t, jirasim.SizeSmall, nil, syncrun.Config{Lanes: 2})
	_, err := e.bundle.Engine.Orchestrate(context.Background(), syncrun.RunState{Action: syncrun.ActionBegin,
		Tenant: e.key.Tenant, ConnectionID: e.key.ID, RunID: newRunID()})
	var invalid *syncrun.InvalidInputError
	if !errors.As(err, &invalid) {
		t.Fatalf("begin without trigger: err = %v, want InvalidInputError", err)
	}
	// Nothing was locked: a proper start runs.
	mustSync(t, e)
}
