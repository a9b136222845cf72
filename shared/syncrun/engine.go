// Package syncrun is the sync engine: it runs a full sync of one connection
// as a Step Functions execution of an orchestrator (begin, plan, finish,
// fail) and lanes of workers that drain page tasks from DynamoDB.
package syncrun

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"time"

	"github.com/idgov/atlassian-cloud-connector/shared/atlassian"
	"github.com/idgov/atlassian-cloud-connector/shared/connection"
	"github.com/idgov/atlassian-cloud-connector/shared/store"
)

// Jira is the part of the Jira client a sync reads with.
type Jira interface {
	SearchUsers(ctx context.Context, startAt, maxResults int) ([]atlassian.User, error)
	BulkGroups(ctx context.Context, startAt, maxResults int) (atlassian.Page[atlassian.Group], error)
	GroupMembers(ctx context.Context, groupID string, startAt, maxResults int) (atlassian.Page[atlassian.User], error)
	ApplicationRoles(ctx context.Context) ([]atlassian.ApplicationRole, error)
	SearchProjects(ctx context.Context, startAt, maxResults int) (atlassian.Page[atlassian.Project], error)
	Roles(ctx context.Context) ([]atlassian.Role, error)
	ProjectRole(ctx context.Context, projectIDOrKey string, roleID int64) (atlassian.ProjectRoleDetails, error)
}

// JiraFactory returns a Jira client for a connection's site that counts its
// calls in stats.
type JiraFactory interface {
	Jira(ctx context.Context, key connection.Key, cloudID string, stats *atlassian.Stats) (Jira, error)
}

// Connections reads connection records.
type Connections interface {
	Get(ctx context.Context, key connection.Key) (connection.Connection, error)
}

// Config holds the engine's tunables.
type Config struct {
	Lanes          int           // worker lanes run in parallel; default 8
	WorkerBudget   time.Duration // a worker stops claiming tasks after this; default 90 s
	ClaimLease     time.Duration // a claimed task returns to the queue after this; default 5 min
	MaxAttempts    int           // attempts before a task fails for good; default 8
	MaxRunDuration time.Duration // the lock of a run that never released it expires after this; default 6 h
	// SnapshotRetention is how long a snapshot's items live before DynamoDB
	// TTL removes them; default 400 days, longer than a grant's 365-day
	// lifetime. Snapshots beyond KeepSnapshots are deleted sooner, by the
	// diff phase of a later run.
	SnapshotRetention time.Duration
	KeepSnapshots     int           // promoted snapshots kept; default 3
	WorkRetention     time.Duration // tasks and working items live this long; default 3 days
	IdlePoll          time.Duration // how long an idle worker waits for other lanes' tasks; default 500 ms
}

// ConfigFromEnv reads SYNC_LANES and WORKER_BUDGET_SECONDS over the defaults.
func ConfigFromEnv() (Config, error) {
	cfg := Config{}.withDefaults()
	if v := os.Getenv("SYNC_LANES"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 40 {
			return cfg, fmt.Errorf("SYNC_LANES=%q is invalid: set a whole number from 1 to 40 (the inline Map's concurrency limit)", v)
		}
		cfg.Lanes = n
	}
	if v := os.Getenv("WORKER_BUDGET_SECONDS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 600 {
			return cfg, fmt.Errorf("WORKER_BUDGET_SECONDS=%q is invalid: set a whole number of seconds from 1 to 600", v)
		}
		cfg.WorkerBudget = time.Duration(n) * time.Second
	}
	return cfg, nil
}

func (c Config) withDefaults() Config {
	if c.Lanes <= 0 {
		c.Lanes = 8
	}
	if c.WorkerBudget <= 0 {
		c.WorkerBudget = 90 * time.Second
	}
	if c.ClaimLease <= 0 {
		c.ClaimLease = 5 * time.Minute
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 8
	}
	if c.MaxRunDuration <= 0 {
		c.MaxRunDuration = 6 * time.Hour
	}
	if c.SnapshotRetention <= 0 {
		c.SnapshotRetention = 400 * 24 * time.Hour
	}
	if c.KeepSnapshots <= 0 {
		c.KeepSnapshots = 3
	}
	if c.WorkRetention <= 0 {
		c.WorkRetention = 3 * 24 * time.Hour
	}
	if c.IdlePoll <= 0 {
		c.IdlePoll = 500 * time.Millisecond
	}
	return c
}

// Engine holds what the orchestrator and worker handlers share.
type Engine struct {
	Table       *store.Table
	Connections Connections
	Jira        JiraFactory
	// CheckToken gets a valid access token for the connection (refreshing
	// it if needed) before a run starts, so a revoked grant fails early.
	CheckToken func(ctx context.Context, key connection.Key) error
	Config     Config
	Logger     *slog.Logger
	Now        func() time.Time
}

func (e *Engine) now() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now()
}

func (e *Engine) logger() *slog.Logger {
	if e.Logger != nil {
		return e.Logger
	}
	return slog.Default()
}

func (e *Engine) runs() *runStore { return &runStore{table: e.Table} }

func (e *Engine) queue(run *Run) *taskQueue {
	return &taskQueue{table: e.Table, runID: run.RunID, runKey: store.Key(run.Key().PK(), runSK(run.RunID)),
		lanes: run.Lanes, expiresAt: run.StartedAt.Add(e.Config.withDefaults().WorkRetention).Unix()}
}
