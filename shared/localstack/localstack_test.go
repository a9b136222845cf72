package localstack_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/idgov/atlassian-cloud-connector/shared/connection"
	"github.com/idgov/atlassian-cloud-connector/shared/jirasim"
	"github.com/idgov/atlassian-cloud-connector/shared/localaws"
	"github.com/idgov/atlassian-cloud-connector/shared/localstack"
	"github.com/idgov/atlassian-cloud-connector/shared/snapshot"
	"github.com/idgov/atlassian-cloud-connector/shared/snapshot/snapshottest"
	"github.com/idgov/atlassian-cloud-connector/shared/syncrun"
)

func startStack(t *testing.T, o localstack.Options) *localstack.Stack {
	t.Helper()
	if o.Dataset == nil {
		ds, err := jirasim.Generate(jirasim.SizeSmall, 11)
		if err != nil {
			t.Fatal(err)
		}
		o.Dataset = ds
	}
	o.DynamoDB = localaws.DynamoDBForTest(t)
	if o.JiraRatePerSecond == 0 {
		o.JiraRatePerSecond = 1000
	}
	s, err := localstack.Start(context.Background(), o)
	if err != nil {
		t.Fatalf("start local stack: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

var key = connection.Key{Tenant: "acme", ID: connection.DefaultID}

func TestConnectRunsFirstSyncThroughStateMachine(t *testing.T) {
	s := startStack(t, localstack.Options{Sync: syncrun.Config{Lanes: 3, WorkerBudget: 2 * time.Second}})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	runID, err := s.Connect(ctx, key, nil)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	result, err := s.Wait(ctx, key, runID)
	if err != nil {
		t.Fatal(err)
	}
	if result.Status != "SUCCEEDED" {
		t.Fatalf("execution %s: %s %s", result.Status, result.Error, result.Cause)
	}
	var summary syncrun.Summary
	if err := json.Unmarshal(result.Output, &summary); err != nil {
		t.Fatalf("execution output %s: %v", result.Output, err)
	}
	if summary.Trigger != syncrun.TriggerConnect {
		t.Errorf("trigger = %q, want %q", summary.Trigger, syncrun.TriggerConnect)
	}
	if result.HistoryEventCount == 0 || result.HistoryEventCount >= 25000 {
		t.Errorf("history events = %d, want between 1 and 25,000", result.HistoryEventCount)
	}
	t.Logf("history events: %d, summary: %+v", result.HistoryEventCount, summary)

	want := snapshottest.Expected(s.Sim.Dataset(), connection.DefaultUserSettings())
	var got []snapshot.Record
	if err := snapshot.ReadAll(ctx, s.Bundle.Table, summary.RunID, func(r snapshot.Record) error {
		got = append(got, r)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if diffs := snapshottest.Diff(want, got, 10); len(diffs) > 0 {
		t.Errorf("snapshot differs from the simulator's data:\n%v", diffs)
	}
	// No token, code or secret issued by the simulator may appear in any
	// state's input or output.
	for _, raw := range result.Events {
		for _, secret := range s.Sim.IssuedSecrets() {
			if strings.Contains(string(raw), secret) {
				t.Fatalf("history event carries an issued secret: %.200s", raw)
			}
		}
	}
}

// flakyWorker fails the first worker invocation with a named retryable
// error, as a worker would after Jira's 429s outlast the client's retries.
type flakyWorker struct {
	inner lambda.Handler
	calls atomic.Int32
}

func (f *flakyWorker) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	if f.calls.Add(1) == 1 {
		return nil, &syncrun.RateLimitedError{Message: "injected: Jira answered 429 too often"}
	}
	return f.inner.Invoke(ctx, payload)
}

func TestStateMachineRetriesNamedError(t *testing.T) {
	flaky := &flakyWorker{}
	s := startStack(t, localstack.Options{Sync: syncrun.Config{Lanes: 1, WorkerBudget: 2 * time.Second},
		Handlers: map[string]lambda.Handler{localstack.WorkerFunction: flaky}})
	flaky.inner = lambda.NewHandler(s.Bundle.Engine.Worker)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	runID, err := s.Connect(ctx, key, nil)
	if err != nil {
		t.Fatal(err)
	}
	result, err := s.Wait(ctx, key, runID)
	if err != nil {
		t.Fatal(err)
	}
	if result.Status != "SUCCEEDED" {
		t.Fatalf("execution %s: %s %s", result.Status, result.Error, result.Cause)
	}
	failedAttempts := 0
	for _, typ := range result.EventTypes() {
		if typ == "LambdaFunctionFailed" {
			failedAttempts++
		}
	}
	if failedAttempts != 1 {
		t.Errorf("failed Lambda attempts in history = %d, want 1 (the injected RateLimitedError, then a retry)", failedAttempts)
	}
}

func TestFailedRunPublishesNothingAndUnlocks(t *testing.T) {
	s := startStack(t, localstack.Options{Sync: syncrun.Config{Lanes: 2, WorkerBudget: 2 * time.Second}})
	// Every project-role response lacks accountId on a user actor: a broken
	// Jira response that must fail the run, not publish partial data.
	s.Sim.InjectFault(jirasim.Fault{Path: "/project/*/role/*", Kind: jirasim.FaultMissingAccountID})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	runID, err := s.Connect(ctx, key, nil)
	if err != nil {
		t.Fatal(err)
	}
	result, err := s.Wait(ctx, key, runID)
	if err != nil {
		t.Fatal(err)
	}
	if result.Status != "FAILED" {
		t.Fatalf("execution status = %s, want FAILED", result.Status)
	}
	if result.Error != "PageFailedError" {
		t.Errorf("execution error = %q, want PageFailedError", result.Error)
	}
	run, err := s.Bundle.Engine.Run(ctx, key, runID)
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != syncrun.StatusFailed || !strings.Contains(run.Reason, "accountId") {
		t.Errorf("run status %q reason %q, want failed naming accountId", run.Status, run.Reason)
	}
	current, err := s.Bundle.Engine.CurrentRunID(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	if current != "" {
		t.Errorf("current run = %q after a failed first sync, want none", current)
	}
	// The lock was released: a new sync starts a new run.
	s.Sim.ClearFaults()
	started, err := s.Bundle.Starter.Start(ctx, key, syncrun.TriggerOnDemand)
	if err != nil {
		t.Fatal(err)
	}
	if started.Joined {
		t.Fatalf("new sync joined run %s; the failed run kept the lock", started.RunID)
	}
	result, err = s.Wait(ctx, key, started.RunID)
	if err != nil {
		t.Fatal(err)
	}
	if result.Status != "SUCCEEDED" {
		t.Errorf("sync after recovery: %s %s %s", result.Status, result.Error, result.Cause)
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Fatal("timed out")
	}
}

func TestConcurrentExecutionEndsAsAlreadyRunning(t *testing.T) {
	s := startStack(t, localstack.Options{Sync: syncrun.Config{Lanes: 2, WorkerBudget: 2 * time.Second}})
	// Slow Jira responses keep the first run busy while the second starts.
	s.Sim.InjectFault(jirasim.Fault{Path: "/project/*/role/*", Kind: jirasim.FaultDelay, Delay: 300 * time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	first, err := s.Connect(ctx, key, nil)
	if err != nil {
		t.Fatal(err)
	}
	for {
		run, err := s.Bundle.Engine.Run(ctx, key, first)
		if err == nil && run.Status == syncrun.StatusRunning {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	// Start a second execution directly, past the starter's lock check, as
	// two racing starts would.
	second := syncrun.NewRunID(time.Now()) + "b"
	if _, err := s.Bundle.Starter.StartRun(ctx, key, second, syncrun.TriggerSchedule); err != nil {
		t.Fatal(err)
	}
	result, err := s.Wait(ctx, key, second)
	if err != nil {
		t.Fatal(err)
	}
	if result.Status != "SUCCEEDED" {
		t.Errorf("second execution %s (%s %s), want SUCCEEDED through AlreadyRunning", result.Status, result.Error, result.Cause)
	}
	if _, err := s.Bundle.Engine.Run(ctx, key, second); err == nil {
		t.Error("the second execution recorded a run; it should have written nothing")
	}
	firstResult, err := s.Wait(ctx, key, first)
	if err != nil {
		t.Fatal(err)
	}
	if firstResult.Status != "SUCCEEDED" {
		t.Errorf("first execution %s (%s %s), want SUCCEEDED", firstResult.Status, firstResult.Error, firstResult.Cause)
	}
}
