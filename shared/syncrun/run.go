package syncrun

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/idgov/atlassian-cloud-connector/shared/connection"
	"github.com/idgov/atlassian-cloud-connector/shared/snapshot"
	"github.com/idgov/atlassian-cloud-connector/shared/store"
)

// Run statuses.
const (
	StatusRunning   = "running"
	StatusSucceeded = "succeeded"
	StatusFailed    = "failed"
)

// Triggers name what started a run.
const (
	TriggerConnect  = "connect"
	TriggerSchedule = "schedule"
	TriggerOnDemand = "on-demand"
)

// Role is a global project role; every project has all of them.
type Role struct {
	ID   int64  `json:"id" dynamodbav:"id"`
	Name string `json:"name" dynamodbav:"name"`
}

// Run is the stored record of one sync run.
type Run struct {
	Tenant        string                  `dynamodbav:"tenant" json:"tenant"`
	ConnectionID  string                  `dynamodbav:"connectionId" json:"connectionId"`
	RunID         string                  `dynamodbav:"runId" json:"runId"`
	Trigger       string                  `dynamodbav:"trigger" json:"trigger"`
	Status        string                  `dynamodbav:"status" json:"status"`
	Phase         string                  `dynamodbav:"phase" json:"phase"`
	Reason        string                  `dynamodbav:"reason,omitempty" json:"reason,omitempty"`
	StartedAt     time.Time               `dynamodbav:"startedAt" json:"startedAt"`
	EndedAt       time.Time               `dynamodbav:"endedAt,omitempty" json:"endedAt,omitzero"`
	CloudID       string                  `dynamodbav:"cloudId" json:"cloudId"`
	UserSettings  connection.UserSettings `dynamodbav:"userSettings" json:"userSettings"`
	Lanes         int                     `dynamodbav:"lanes" json:"lanes"`
	Roles         []Role                  `dynamodbav:"roles" json:"roles"`
	PreviousRunID string                  `dynamodbav:"previousRunId,omitempty" json:"previousRunId,omitempty"`
	PurgeRunIDs   []string                `dynamodbav:"purgeRunIds,omitempty" json:"purgeRunIds,omitempty"`
	ExpiresAt     int64                   `dynamodbav:"snapshotExpiresAt" json:"-"`
	Counts        snapshot.Counts         `dynamodbav:"counts" json:"counts"`
	Changes       snapshot.ChangeCounts   `dynamodbav:"changes" json:"changes"`
	APICalls      int64                   `dynamodbav:"apiCalls" json:"apiCalls"`
	RateLimited   int64                   `dynamodbav:"rateLimited" json:"rateLimited"`
	ItemsWritten  int64                   `dynamodbav:"itemsWritten" json:"itemsWritten"`
	TasksDone     int64                   `dynamodbav:"tasksDone" json:"tasksDone"`
	FailedTasks   int64                   `dynamodbav:"failedTasks" json:"failedTasks"`
	Invocations   int64                   `dynamodbav:"invocations" json:"invocations"`
}

// Key returns the connection the run belongs to.
func (r *Run) Key() connection.Key { return connection.Key{Tenant: r.Tenant, ID: r.ConnectionID} }

// NewRunID returns a new run id: a UTC timestamp to the millisecond, so
// ids sort by start time, and 6 random bytes so two runs started in one
// millisecond differ. Ids use only characters Step Functions allows in an
// execution name.
func NewRunID(now time.Time) string {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("crypto/rand failed: %v", err)) // rand.Read never fails on Linux
	}
	return runIDTime(now) + "-" + hex.EncodeToString(b[:])
}

// runIDTime formats the time part of a run id, such as 20261204T173654123Z.
func runIDTime(t time.Time) string {
	t = t.UTC()
	return t.Format("20060102T150405") + fmt.Sprintf("%03dZ", t.Nanosecond()/int(time.Millisecond))
}

func runSK(runID string) string { return "RUN#" + runID }

// runStore reads and writes run records, the lock and the current-snapshot
// pointer, all on the connection's partition.
type runStore struct {
	table *store.Table
}

func (s *runStore) put(ctx context.Context, run *Run) error {
	item, err := attributevalue.MarshalMap(run)
	if err != nil {
		return fmt.Errorf("encode run %s: %w", run.RunID, err)
	}
	item[store.AttrPK] = store.S(run.Key().PK())
	item[store.AttrSK] = store.S(runSK(run.RunID))
	_, err = s.table.Client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:           aws.String(s.table.Name),
		Item:                item,
		ConditionExpression: aws.String("attribute_not_exists(PK)"),
	})
	if store.IsConditionFailed(err) {
		// A retried begin finds its own record; anything else is a reused id.
		existing, getErr := s.get(ctx, run.Key(), run.RunID)
		if getErr == nil && existing.Status == StatusRunning && existing.Trigger == run.Trigger {
			*run = *existing
			return nil
		}
		return &InvalidInputError{Message: fmt.Sprintf("run %s of %s already exists: start a new run with a new run id", run.RunID, run.Key())}
	}
	if err != nil {
		return fmt.Errorf("record run %s: %w", run.RunID, err)
	}
	return nil
}

// Get returns a run, or a *RunNotFoundError.
func (s *runStore) get(ctx context.Context, key connection.Key, runID string) (*Run, error) {
	out, err := s.table.Client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(s.table.Name),
		Key:            store.Key(key.PK(), runSK(runID)),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, fmt.Errorf("read run %s of %s: %w", runID, key, err)
	}
	if out.Item == nil {
		return nil, &RunNotFoundError{Key: key, RunID: runID}
	}
	var run Run
	if err := attributevalue.UnmarshalMap(out.Item, &run); err != nil {
		return nil, fmt.Errorf("decode run %s of %s: %w", runID, key, err)
	}
	return &run, nil
}

// RunNotFoundError means no run with that id exists for the connection.
type RunNotFoundError struct {
	Key   connection.Key
	RunID string
}

func (e *RunNotFoundError) Error() string {
	return fmt.Sprintf("run %s of connection %s not found: check the run id", e.RunID, e.Key)
}

// update applies an update expression to a run record.
func (s *runStore) update(ctx context.Context, key connection.Key, runID, expr string, names map[string]string, values map[string]types.AttributeValue) error {
	in := &dynamodb.UpdateItemInput{
		TableName:                 aws.String(s.table.Name),
		Key:                       store.Key(key.PK(), runSK(runID)),
		UpdateExpression:          aws.String(expr),
		ConditionExpression:       aws.String("attribute_exists(PK)"),
		ExpressionAttributeValues: values,
	}
	if len(names) > 0 {
		in.ExpressionAttributeNames = names
	}
	_, err := s.table.Client.UpdateItem(ctx, in)
	if store.IsConditionFailed(err) {
		return &RunNotFoundError{Key: key, RunID: runID}
	}
	if err != nil {
		return fmt.Errorf("update run %s of %s: %w", runID, key, err)
	}
	return nil
}

// addStats adds counters of a worker invocation to the run.
func (s *runStore) addStats(ctx context.Context, key connection.Key, runID string, calls, rateLimited, written, tasks, invocations int64) error {
	return s.update(ctx, key, runID,
		"ADD apiCalls :calls, rateLimited :limited, itemsWritten :written, tasksDone :tasks, invocations :invocations", nil,
		map[string]types.AttributeValue{
			":calls": store.N(calls), ":limited": store.N(rateLimited), ":written": store.N(written),
			":tasks": store.N(tasks), ":invocations": store.N(invocations),
		})
}

// lockSK is the sort key of a connection's sync lock.
const lockSK = "LOCK"

// acquireLock takes the connection's sync lock for a run. A lock whose
// holder did not release it (a run killed without its Catch) expires
// after maxRunDuration.
func (s *runStore) acquireLock(ctx context.Context, key connection.Key, runID string, now time.Time, maxRunDuration time.Duration) error {
	_, err := s.table.Client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(s.table.Name),
		Item: store.Item{
			store.AttrPK:        store.S(key.PK()),
			store.AttrSK:        store.S(lockSK),
			"runId":             store.S(runID),
			"lockedUntil":       store.N(now.Add(maxRunDuration).Unix()),
			store.AttrExpiresAt: store.N(now.Add(maxRunDuration + time.Hour).Unix()),
		},
		ConditionExpression:       aws.String("attribute_not_exists(PK) OR lockedUntil < :now OR runId = :run"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":now": store.N(now.Unix()), ":run": store.S(runID)},
	})
	if store.IsConditionFailed(err) {
		holder, _ := s.lockHolder(ctx, key, now)
		return &SyncAlreadyRunningError{Message: fmt.Sprintf("connection %s is already syncing in run %s: wait for it to finish", key, holder)}
	}
	if err != nil {
		return fmt.Errorf("take sync lock of %s: %w", key, err)
	}
	return nil
}

// lockHolder returns the run holding the connection's unexpired lock, or "".
func (s *runStore) lockHolder(ctx context.Context, key connection.Key, now time.Time) (string, error) {
	out, err := s.table.Client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(s.table.Name),
		Key:            store.Key(key.PK(), lockSK),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return "", fmt.Errorf("read sync lock of %s: %w", key, err)
	}
	if until, ok := numberAttr(out.Item, "lockedUntil"); !ok || until < now.Unix() {
		return "", nil
	}
	return stringAttr(out.Item, "runId"), nil
}

// releaseLock deletes the lock if this run holds it.
func (s *runStore) releaseLock(ctx context.Context, key connection.Key, runID string) error {
	_, err := s.table.Client.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:                 aws.String(s.table.Name),
		Key:                       store.Key(key.PK(), lockSK),
		ConditionExpression:       aws.String("runId = :run"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":run": store.S(runID)},
	})
	if err != nil && !store.IsConditionFailed(err) {
		return fmt.Errorf("release sync lock of %s: %w", key, err)
	}
	return nil
}

// Run returns the stored record of one run, or a *RunNotFoundError.
func (e *Engine) Run(ctx context.Context, key connection.Key, runID string) (*Run, error) {
	return e.runs().get(ctx, key, runID)
}

// status reads a run's status consistently.
func (s *runStore) status(ctx context.Context, key connection.Key, runID string) (string, error) {
	out, err := s.table.Client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:                aws.String(s.table.Name),
		Key:                      store.Key(key.PK(), runSK(runID)),
		ConsistentRead:           aws.Bool(true),
		ProjectionExpression:     aws.String("#status"),
		ExpressionAttributeNames: map[string]string{"#status": "status"},
	})
	if err != nil {
		return "", fmt.Errorf("read status of run %s of %s: %w", runID, key, err)
	}
	if out.Item == nil {
		return "", &RunNotFoundError{Key: key, RunID: runID}
	}
	return stringAttr(out.Item, "status"), nil
}

// errRunEnded means a run is no longer running.
var errRunEnded = errors.New("run is no longer running")

// markFailed sets a running run's status to failed with a reason.
func (s *runStore) markFailed(ctx context.Context, key connection.Key, runID, reason string, now time.Time) error {
	_, err := s.table.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                aws.String(s.table.Name),
		Key:                      store.Key(key.PK(), runSK(runID)),
		UpdateExpression:         aws.String("SET #status = :failed, reason = :reason, endedAt = :now"),
		ConditionExpression:      aws.String("#status = :running"),
		ExpressionAttributeNames: map[string]string{"#status": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":failed": store.S(StatusFailed), ":running": store.S(StatusRunning), ":reason": store.S(reason),
			":now": store.S(now.Format(time.RFC3339Nano)),
		},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		if len(ccf.Item) == 0 {
			return &RunNotFoundError{Key: key, RunID: runID}
		}
		return errRunEnded
	}
	if err != nil {
		return fmt.Errorf("mark run %s of %s failed: %w", runID, key, err)
	}
	return nil
}
