package ondemand

import (
	"context"
	"errors"
	"fmt"

	"github.com/idgov/atlassian-cloud-connector/shared/schedule"
	"github.com/idgov/atlassian-cloud-connector/shared/syncrun"
)

// StartSyncResult is the result of startSync.
type StartSyncResult struct {
	RunID        string `json:"runId"`
	ExecutionARN string `json:"executionArn,omitempty"`
	// Joined is true when a run of the connection was already in progress
	// and this is that run; no new run started.
	Joined  bool   `json:"joined"`
	Trigger string `json:"trigger"`
	// Run is the run record, once the run's first step has written it.
	Run *RunView `json:"run,omitempty"`
}

// startSync starts a full sync of a connected connection, or returns the
// run in progress.
func (s *Service) startSync(ctx context.Context, r *StartSyncRequest) (*StartSyncResult, error) {
	if s.Starter == nil {
		return nil, errors.New("startSync needs the sync state machine: set STATE_MACHINE_ARN")
	}
	conn, err := s.usableConnection(ctx, &r.Header, true)
	if err != nil {
		return nil, err
	}
	trigger := syncrun.TriggerOnDemand
	if r.Trigger == "schedule" {
		trigger = syncrun.TriggerSchedule
	}
	started, err := s.Starter.Start(ctx, conn.Key, trigger)
	if err != nil {
		return nil, err
	}
	result := &StartSyncResult{RunID: started.RunID, ExecutionARN: started.ExecutionARN, Joined: started.Joined, Trigger: trigger}
	run, err := s.getRun(ctx, conn.Key, started.RunID)
	var notFound *syncrun.RunNotFoundError
	switch {
	case errors.As(err, &notFound): // the execution has not recorded it yet
	case err != nil:
		return nil, err
	default:
		result.Run = viewRun(run, s.now())
	}
	s.logger().InfoContext(ctx, "sync requested", "tenant", conn.Tenant, "connectionId", conn.ID,
		"runId", started.RunID, "joined", started.Joined, "trigger", trigger)
	return result, nil
}

// StatusResult is the result of getSyncStatus.
type StatusResult struct {
	Connection ConnectionView `json:"connection"`
	// Schedule is the connection's EventBridge Scheduler schedule; nil for
	// a manual connection.
	Schedule *schedule.Info `json:"schedule"`
	// Running is the run holding the connection's sync lock, if any.
	Running string `json:"runningRunId,omitempty"`
	// Run is the run named by the request, or the latest run; nil before
	// the first.
	Run *RunView `json:"run"`
	// LastSuccess is the run whose snapshot is current.
	LastSuccess *RunView `json:"lastSuccess"`
	// LastError is the newest failed run among the latest 100.
	LastError *RunView `json:"lastError"`
}

// syncStatus reports the state of a connection and of its runs.
func (s *Service) syncStatus(ctx context.Context, r *StatusRequest) (*StatusResult, error) {
	conn, err := s.usableConnection(ctx, &r.Header, false)
	if err != nil {
		return nil, err
	}
	now := s.now()
	result := &StatusResult{Connection: viewConnection(conn, now)}
	latest, failed, err := s.latestRuns(ctx, conn.Key)
	if err != nil {
		return nil, err
	}
	result.Run, result.LastError = viewRun(latest, now), viewRun(failed, now)
	if r.RunID != "" {
		run, err := s.getRun(ctx, conn.Key, r.RunID)
		if err != nil {
			return nil, err
		}
		result.Run = viewRun(run, now)
	}
	if result.Running, err = s.lockingRun(ctx, conn.Key); err != nil {
		return nil, err
	}
	// A run can be promoted between the first read of the connection and
	// the run reads above, so the current-snapshot pointer is read again
	// after them: a run reported succeeded is then never newer than the
	// reported last success.
	if conn, err = s.Connections.Get(ctx, conn.Key); err != nil {
		return nil, err
	}
	if conn.CurrentRunID != "" {
		current, err := s.getRun(ctx, conn.Key, conn.CurrentRunID)
		if err != nil {
			return nil, fmt.Errorf("read the current run of %s: %w", conn.Key, err)
		}
		result.LastSuccess = viewRun(current, now)
	}
	if result.Schedule, err = s.Schedules.Get(ctx, conn.Key); err != nil {
		return nil, err
	}
	return result, nil
}
