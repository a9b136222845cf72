package syncrun

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/idgov/atlassian-cloud-connector/shared/atlassian"
	"github.com/idgov/atlassian-cloud-connector/shared/connection"
	"github.com/idgov/atlassian-cloud-connector/shared/snapshot"
	"github.com/idgov/atlassian-cloud-connector/shared/store"
)

// Orchestrator actions.
const (
	ActionBegin  = "begin"
	ActionPlan   = "plan"
	ActionFinish = "finish"
	ActionFail   = "fail"
)

// RunState is the state the execution carries between orchestrator steps:
// ids, the phase and the lane numbers for the Map, never records or tokens.
type RunState struct {
	Action       string     `json:"action,omitempty"`
	Tenant       string     `json:"tenant"`
	ConnectionID string     `json:"connectionId"`
	RunID        string     `json:"runId"`
	Trigger      string     `json:"trigger"`
	Phase        string     `json:"phase"`
	Lanes        []int      `json:"lanes"`
	Error        *StepError `json:"error,omitempty"` // set by the state machine's Catch
}

// StepError is the error a Catch passes on: its name and its cause.
type StepError struct {
	Error string `json:"Error"`
	Cause string `json:"Cause"`
}

// Summary is the orchestrator's result of finish and fail, and the
// execution's output.
type Summary struct {
	RunState
	Status   string                `json:"status"`
	Reason   string                `json:"reason"`
	Counts   snapshot.Counts       `json:"counts"`
	Changes  snapshot.ChangeCounts `json:"changes"`
	APICalls int64                 `json:"apiCalls"`
	Throttle int64                 `json:"rateLimited"`
	Written  int64                 `json:"itemsWritten"`
	Seconds  float64               `json:"durationSeconds"`
}

// LaneKey returns the connection a lane works for.
func LaneKey(s LaneState) connection.Key {
	return connection.Key{Tenant: s.Tenant, ID: s.ConnectionID}
}

func (s RunState) key() connection.Key { return connection.Key{Tenant: s.Tenant, ID: s.ConnectionID} }

// Orchestrate runs one orchestrator action: begin, plan, finish or fail.
func (e *Engine) Orchestrate(ctx context.Context, in RunState) (Summary, error) {
	var (
		out Summary
		err error
	)
	switch in.Action {
	case ActionBegin:
		out.RunState, err = e.begin(ctx, in)
	case ActionPlan:
		out.RunState, err = e.plan(ctx, in)
	case ActionFinish:
		out, err = e.finish(ctx, in)
	case ActionFail:
		out, err = e.fail(ctx, in)
	default:
		err = &InvalidInputError{Message: fmt.Sprintf("orchestrator action %q is unknown: use begin, plan, finish or fail", in.Action)}
	}
	return out, Classify(err)
}

func validateRunState(in RunState) error {
	if in.Tenant == "" || in.ConnectionID == "" || in.RunID == "" {
		return &InvalidInputError{Message: fmt.Sprintf(
			"orchestrator input needs tenant, connectionId and runId (got tenant=%q connectionId=%q runId=%q): start syncs through startSync",
			in.Tenant, in.ConnectionID, in.RunID)}
	}
	return nil
}

// begin validates the input, records the run, takes the lock, checks the
// token, reads the global roles and seeds the first tasks.
func (e *Engine) begin(ctx context.Context, in RunState) (RunState, error) {
	if err := validateRunState(in); err != nil {
		return in, err
	}
	switch in.Trigger {
	case TriggerConnect, TriggerSchedule, TriggerOnDemand:
	default:
		return in, &InvalidInputError{Message: fmt.Sprintf("trigger %q is invalid: use %s, %s or %s",
			in.Trigger, TriggerConnect, TriggerSchedule, TriggerOnDemand)}
	}
	cfg := e.Config.withDefaults()
	key := in.key()
	conn, err := e.Connections.Get(ctx, key)
	if err != nil {
		return in, err
	}
	if conn.Status != connection.StatusConnected || conn.CloudID == "" {
		return in, &ConnectionNotReadyError{Message: fmt.Sprintf(
			"connection %s is %s, not connected: complete the OAuth consent first", key, conn.Status)}
	}
	// The lock comes first, so a run that finds another one running writes
	// nothing. A retried begin of the same run takes its own lock again.
	now := e.now().UTC()
	if err := e.runs().acquireLock(ctx, key, in.RunID, now, cfg.MaxRunDuration); err != nil {
		return in, err
	}
	pointers, err := e.readPointers(ctx, key)
	if err != nil {
		return in, err
	}
	run := &Run{
		Tenant: in.Tenant, ConnectionID: in.ConnectionID, RunID: in.RunID, Trigger: in.Trigger,
		Status: StatusRunning, Phase: PhaseRead, StartedAt: now, CloudID: conn.CloudID,
		UserSettings: conn.UserSettings, Lanes: cfg.Lanes, PreviousRunID: pointers.Current,
		PurgeRunIDs: purgeable(pointers), ExpiresAt: now.Add(cfg.SnapshotRetention).Unix(),
	}
	if err := e.runs().put(ctx, run); err != nil {
		return in, err
	}
	if e.CheckToken != nil {
		if err := e.CheckToken(ctx, key); err != nil {
			return in, err
		}
	}
	jira, err := e.Jira.Jira(ctx, key, conn.CloudID, &atlassian.Stats{})
	if err != nil {
		return in, err
	}
	roles, err := jira.Roles(ctx)
	if err != nil {
		return in, err
	}
	for _, r := range roles {
		run.Roles = append(run.Roles, Role{ID: r.ID, Name: r.Name})
	}
	if err := e.runs().update(ctx, key, run.RunID, "SET #roles = :roles, apiCalls = :one", map[string]string{"#roles": "roles"},
		map[string]types.AttributeValue{":roles": rolesAttr(run.Roles), ":one": store.N(1)}); err != nil {
		return in, err
	}
	seeds := []Task{usersTask(0), groupsTask(0), projectsTask(0), appRolesTask()}
	for shard := range snapshot.Shards {
		seeds = append(seeds, diffTask(shard))
	}
	if err := e.queue(run).enqueue(ctx, seeds); err != nil {
		return in, err
	}
	e.logger().InfoContext(ctx, "sync run begun", "tenant", in.Tenant, "connection_id", in.ConnectionID,
		"run_id", in.RunID, "trigger", in.Trigger, "previous_run_id", run.PreviousRunID, "roles", len(run.Roles))
	out := RunState{Tenant: in.Tenant, ConnectionID: in.ConnectionID, RunID: in.RunID, Trigger: in.Trigger,
		Phase: PhaseRead, Lanes: make([]int, run.Lanes)}
	for i := range out.Lanes {
		out.Lanes[i] = i
	}
	return out, nil
}

// plan checks that every task of the phase is done and moves the run to
// the next phase.
func (e *Engine) plan(ctx context.Context, in RunState) (RunState, error) {
	if err := validateRunState(in); err != nil {
		return in, err
	}
	run, err := e.runs().get(ctx, in.key(), in.RunID)
	if err != nil {
		return in, err
	}
	if run.FailedTasks > 0 {
		return in, &IncompleteSyncError{Message: fmt.Sprintf(
			"run %s has %d failed tasks in phase %s; the run publishes nothing, see the task reasons in the worker logs",
			in.RunID, run.FailedTasks, in.Phase)}
	}
	pending, err := e.queue(run).outstanding(ctx, in.Phase)
	if err != nil {
		return in, err
	}
	if pending != 0 {
		return in, &IncompleteSyncError{Message: fmt.Sprintf(
			"phase %s of run %s ended with %d tasks outstanding; the run publishes nothing, start a new sync",
			in.Phase, in.RunID, pending)}
	}
	next := nextPhase(in.Phase)
	if err := e.runs().update(ctx, in.key(), in.RunID, "SET phase = :phase", nil, valueMap(":phase", next)); err != nil {
		return in, err
	}
	out := in
	out.Action, out.Phase = "", next
	e.logger().InfoContext(ctx, "sync phase done", "tenant", in.Tenant, "connection_id", in.ConnectionID,
		"run_id", in.RunID, "phase", in.Phase, "next_phase", next)
	return out, nil
}

// finish totals the diff results, promotes the snapshot and releases the
// lock.
func (e *Engine) finish(ctx context.Context, in RunState) (Summary, error) {
	if err := validateRunState(in); err != nil {
		return Summary{RunState: in}, err
	}
	key := in.key()
	run, err := e.runs().get(ctx, key, in.RunID)
	if err != nil {
		return Summary{RunState: in}, err
	}
	if run.Status == StatusSucceeded {
		// A retried finish: the promotion committed before the retry.
		if err := e.runs().releaseLock(ctx, key, run.RunID); err != nil {
			return Summary{RunState: in}, err
		}
		return summarize(in, run), nil
	}
	if run.Phase != PhaseDone {
		return Summary{RunState: in}, &IncompleteSyncError{Message: fmt.Sprintf(
			"run %s is in phase %s, not done: finish runs only after the diff phase", in.RunID, run.Phase)}
	}
	queue := e.queue(run)
	for shard := range snapshot.Shards {
		var d snapshot.ShardDiff
		if err := queue.result(ctx, diffTask(shard).ID, &d); err != nil {
			return Summary{RunState: in}, err
		}
		run.Counts.Add(d.Counts)
		run.Changes.Add(d.Changes)
	}
	now := e.now().UTC()
	if err := e.promote(ctx, run, now); err != nil {
		return Summary{RunState: in}, err
	}
	if err := e.runs().releaseLock(ctx, key, run.RunID); err != nil {
		return Summary{RunState: in}, err
	}
	run.Status, run.EndedAt = StatusSucceeded, now
	summary := summarize(in, run)
	e.emitMetrics(run)
	e.logger().InfoContext(ctx, "sync run succeeded", "tenant", in.Tenant, "connection_id", in.ConnectionID,
		"run_id", in.RunID, "users", run.Counts.Users, "entitlements", run.Counts.Entitlements,
		"grants", run.Counts.Grants, "api_calls", run.APICalls, "rate_limited", run.RateLimited)
	return summary, nil
}

// fail marks a running run failed with the caught error, releases the lock
// if this run holds it, and leaves the current snapshot as it was. The
// run's partial snapshot is listed for deletion by a later run. A run that
// already succeeded or failed keeps its status, so a retried or late fail
// changes nothing.
func (e *Engine) fail(ctx context.Context, in RunState) (Summary, error) {
	if err := validateRunState(in); err != nil {
		return Summary{RunState: in}, err
	}
	key := in.key()
	reason := "unknown failure"
	if in.Error != nil {
		reason = in.Error.Error + ": " + causeMessage(in.Error.Cause)
	}
	// Begin may have taken the lock before it failed.
	if err := e.runs().releaseLock(ctx, key, in.RunID); err != nil {
		return Summary{RunState: in}, err
	}
	now := e.now().UTC()
	err := e.runs().markFailed(ctx, key, in.RunID, reason, now)
	var notFound *RunNotFoundError
	switch {
	case errors.As(err, &notFound):
		// Begin failed before recording the run: there is nothing to mark.
		e.logger().ErrorContext(ctx, "sync run ended before it was recorded", "tenant", in.Tenant,
			"connection_id", in.ConnectionID, "run_id", in.RunID, "reason", reason)
		return Summary{RunState: in, Status: StatusFailed, Reason: reason}, nil
	case errors.Is(err, errRunEnded):
		run, err := e.runs().get(ctx, key, in.RunID)
		if err != nil {
			return Summary{RunState: in}, err
		}
		return summarize(in, run), nil
	case err != nil:
		return Summary{RunState: in}, err
	}
	if err := e.dropRun(ctx, key, in.RunID); err != nil {
		return Summary{RunState: in}, err
	}
	run, err := e.runs().get(ctx, key, in.RunID)
	if err != nil {
		return Summary{RunState: in}, err
	}
	e.emitMetrics(run)
	e.logger().ErrorContext(ctx, "sync run failed; the previous snapshot stays current", "tenant", in.Tenant,
		"connection_id", in.ConnectionID, "run_id", in.RunID, "reason", reason)
	return summarize(in, run), nil
}

func summarize(in RunState, run *Run) Summary {
	state := in
	state.Action, state.Error, state.Lanes = "", nil, nil
	end := run.EndedAt
	if end.IsZero() {
		end = time.Now()
	}
	return Summary{
		RunState: state, Status: run.Status, Reason: run.Reason, Counts: run.Counts, Changes: run.Changes,
		APICalls: run.APICalls, Throttle: run.RateLimited, Written: run.ItemsWritten,
		Seconds: end.Sub(run.StartedAt).Seconds(),
	}
}

func valueMap(name string, v any) map[string]types.AttributeValue {
	switch x := v.(type) {
	case string:
		return map[string]types.AttributeValue{name: store.S(x)}
	case int:
		return map[string]types.AttributeValue{name: store.N(x)}
	}
	panic(fmt.Sprintf("valueMap: unsupported type %T", v))
}

func rolesAttr(roles []Role) types.AttributeValue {
	list := make([]types.AttributeValue, 0, len(roles))
	for _, r := range roles {
		list = append(list, &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
			"id": store.N(r.ID), "name": store.S(r.Name),
		}})
	}
	return &types.AttributeValueMemberL{Value: list}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// getItem reads one item with a consistent read.
func (e *Engine) getItem(ctx context.Context, pk, sk string) (store.Item, error) {
	out, err := e.Table.Client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(e.Table.Name), Key: store.Key(pk, sk), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, fmt.Errorf("read %s %s: %w", pk, sk, err)
	}
	return out.Item, nil
}
