package syncrun

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/idgov/atlassian-cloud-connector/shared/atlassian"
	"github.com/idgov/atlassian-cloud-connector/shared/connection"
)

// LaneState is the state of one lane loop in the Map: the run, the phase,
// the lane and whether the worker should be invoked again. It carries ids
// and flags only, never records or tokens.
type LaneState struct {
	Tenant       string `json:"tenant"`
	ConnectionID string `json:"connectionId"`
	RunID        string `json:"runId"`
	Phase        string `json:"phase"`
	Lane         int    `json:"lane"`
	More         bool   `json:"more"`
	TasksDone    int    `json:"tasksDone"`
}

// Worker drains the page tasks of one phase of a run, one page at a time,
// until its time budget runs out or no task of the phase is pending.
func (e *Engine) Worker(ctx context.Context, in LaneState) (LaneState, error) {
	out, err := e.drain(ctx, in)
	return out, Classify(err)
}

func (e *Engine) drain(ctx context.Context, in LaneState) (LaneState, error) {
	cfg := e.Config.withDefaults()
	out := in
	out.More, out.TasksDone = false, 0
	if err := validateLane(in); err != nil {
		return out, err
	}
	log := e.logger().With("tenant", in.Tenant, "connection_id", in.ConnectionID, "run_id", in.RunID,
		"phase", in.Phase, "lane", in.Lane)
	started := e.now()
	deadline := started.Add(cfg.WorkerBudget)
	if d, ok := ctx.Deadline(); ok && d.Add(-30*time.Second).Before(deadline) {
		deadline = d.Add(-30 * time.Second) // leave time to record the last page
	}

	key := LaneKey(in)
	run, err := e.runs().get(ctx, key, in.RunID)
	if err != nil {
		return out, err
	}
	if run.Status != StatusRunning {
		log.InfoContext(ctx, "run is no longer running; lane stops", "status", run.Status)
		return out, nil
	}
	if in.Lane < 0 || in.Lane >= run.Lanes {
		return out, &InvalidInputError{Message: fmt.Sprintf("lane %d is out of range 0..%d for run %s", in.Lane, run.Lanes-1, in.RunID)}
	}
	stats := &atlassian.Stats{}
	jira, err := e.Jira.Jira(ctx, key, run.CloudID, stats)
	if err != nil {
		return out, err
	}
	runner := &taskRunner{engine: e, run: run, jira: jira}
	queue := e.queue(run)
	workerID := workerName(ctx, in)
	counters := &laneCounters{engine: e, key: key, runID: in.RunID, stats: stats, log: log, flushed: e.now()}
	defer counters.flush(context.WithoutCancel(ctx), true)

	for {
		now := e.now()
		if now.Sub(counters.flushed) >= statsInterval {
			counters.flush(ctx, false)
			// Stop early when the run failed in another lane.
			if status, err := e.runs().status(ctx, key, in.RunID); err != nil || status != StatusRunning {
				if err != nil {
					return out, err
				}
				log.InfoContext(ctx, "run is no longer running; lane stops", "status", status)
				return out, nil
			}
		}
		if now.After(deadline) {
			out.More = true
			return out, nil
		}
		task, err := queue.claim(ctx, in.Phase, in.Lane, workerID, cfg.ClaimLease, now)
		if err != nil {
			return out, err
		}
		if task == nil {
			outstanding, err := queue.outstanding(ctx, in.Phase)
			if err != nil {
				return out, err
			}
			if outstanding <= 0 {
				log.InfoContext(ctx, "phase has no outstanding tasks; lane done", "tasks_done", out.TasksDone)
				return out, nil
			}
			// Other workers hold the remaining tasks and may enqueue more.
			if err := sleep(ctx, cfg.IdlePoll); err != nil {
				return out, err
			}
			continue
		}
		taskLog := log.With("task_id", task.ID, "attempt", task.attempts)
		if task.attempts > cfg.MaxAttempts {
			reason := fmt.Sprintf("task %s was claimed %d times without finishing (last error: %s); check the worker logs for its errors",
				task.ID, task.attempts-1, task.lastError)
			return out, e.failTask(ctx, queue, task.Task, &PageFailedError{Message: reason}, taskLog)
		}
		n, result, err := runner.process(ctx, task.Task)
		if err != nil {
			classified := Classify(fmt.Errorf("task %s: %w", task.ID, err))
			if retryable(classified) {
				taskLog.WarnContext(ctx, "page failed; it will be retried", "error", err)
				if rerr := queue.release(context.WithoutCancel(ctx), task.ID, workerID, err.Error()); rerr != nil {
					taskLog.ErrorContext(ctx, "releasing task failed", "error", rerr)
				}
				return out, classified
			}
			return out, e.failTask(ctx, queue, task.Task, classified, taskLog)
		}
		if err := queue.complete(ctx, task.Task, result); err != nil {
			return out, err
		}
		counters.written += int64(n)
		counters.tasks++
		out.TasksDone++
	}
}

// failTask records a task's permanent failure on the task and the run and
// returns the error that fails the run, keeping its named type (such as
// ReconsentRequiredError) for the state machine.
func (e *Engine) failTask(ctx context.Context, queue *taskQueue, t Task, cause error, log *slog.Logger) error {
	log.ErrorContext(ctx, "page failed permanently; the run will fail", "error", cause)
	if err := queue.fail(context.WithoutCancel(ctx), t, cause.Error()); err != nil {
		return err
	}
	return cause
}

// retryable reports the named errors the state machine retries.
func retryable(err error) bool {
	var (
		rateLimited *RateLimitedError
		unavailable *UpstreamUnavailableError
		throttled   *StoreThrottledError
	)
	return errors.As(err, &rateLimited) || errors.As(err, &unavailable) || errors.As(err, &throttled)
}

// workerName identifies the invocation holding a task's lease.
func workerName(ctx context.Context, in LaneState) string {
	if lc, ok := lambdacontext.FromContext(ctx); ok && lc.AwsRequestID != "" {
		return lc.AwsRequestID
	}
	return fmt.Sprintf("lane-%d-%d", in.Lane, time.Now().UnixNano())
}

func validateLane(in LaneState) error {
	switch {
	case in.Tenant == "", in.ConnectionID == "", in.RunID == "":
		return &InvalidInputError{Message: "worker input needs tenant, connectionId and runId: pass the state the orchestrator's begin step returned"}
	case in.Phase != PhaseRead && in.Phase != PhaseExpand && in.Phase != PhaseDiff:
		return &InvalidInputError{Message: fmt.Sprintf("worker input phase %q is invalid: use %s, %s or %s", in.Phase, PhaseRead, PhaseExpand, PhaseDiff)}
	}
	return nil
}

// statsInterval is how often a worker adds its counters to the run record,
// so progress shows while a long invocation runs.
const statsInterval = 5 * time.Second

// laneCounters accumulates one invocation's counters and adds what is new
// since the last flush to the run record.
type laneCounters struct {
	engine         *Engine
	key            connection.Key
	runID          string
	stats          *atlassian.Stats
	log            *slog.Logger
	written, tasks int64
	sent           atlassian.StatsSnapshot
	sentWritten    int64
	sentTasks      int64
	flushed        time.Time
}

// flush adds the new counts; last also counts the invocation.
func (c *laneCounters) flush(ctx context.Context, last bool) {
	now := c.stats.Snapshot()
	calls, limited := now.Calls-c.sent.Calls, now.RateLimited-c.sent.RateLimited
	written, tasks := c.written-c.sentWritten, c.tasks-c.sentTasks
	c.flushed = c.engine.now()
	var invocations int64
	if last {
		invocations = 1
	}
	if calls == 0 && limited == 0 && written == 0 && tasks == 0 && invocations == 0 {
		return
	}
	if err := c.engine.runs().addStats(ctx, c.key, c.runID, calls, limited, written, tasks, invocations); err != nil {
		c.log.ErrorContext(ctx, "recording worker counters failed", "error", err)
		return
	}
	c.sent, c.sentWritten, c.sentTasks = now, c.written, c.tasks
}
