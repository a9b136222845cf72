package ondemand

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/idgov/atlassian-cloud-connector/shared/connection"
	"github.com/idgov/atlassian-cloud-connector/shared/store"
	"github.com/idgov/atlassian-cloud-connector/shared/syncrun"
)

// runSKPrefix starts the sort key of a run record (PK = the connection's,
// SK = RUN#<runId>), as the sync engine stores it.
const runSKPrefix = "RUN#"

// maxRunsForLastError bounds how many run records getSyncStatus reads,
// newest first, to find the latest failed run.
const maxRunsForLastError = 100

// errStopQuery ends a QueryAll early.
var errStopQuery = errors.New("stop query")

// getRun reads one run of the connection. A run id of another connection
// is not found, because the run record lives under the connection's key.
func (s *Service) getRun(ctx context.Context, key connection.Key, runID string) (*syncrun.Run, error) {
	out, err := s.Table.Client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(s.Table.Name),
		Key:            store.Key(key.PK(), runSKPrefix+runID),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, fmt.Errorf("read run %s of %s: %w", runID, key, err)
	}
	if out.Item == nil {
		return nil, &syncrun.RunNotFoundError{Key: key, RunID: runID}
	}
	return decodeRun(out.Item)
}

func decodeRun(item store.Item) (*syncrun.Run, error) {
	var run syncrun.Run
	if err := attributevalue.UnmarshalMap(item, &run); err != nil {
		return nil, fmt.Errorf("decode run record %v: %w", item[store.AttrSK], err)
	}
	return &run, nil
}

// scanRuns calls fn for the connection's runs, newest first (run ids start
// with their UTC start time), until fn returns false or limit runs were read.
func (s *Service) scanRuns(ctx context.Context, key connection.Key, limit int, fn func(*syncrun.Run) bool) error {
	read := 0
	err := s.Table.QueryAll(ctx, &dynamodb.QueryInput{
		TableName:              aws.String(s.Table.Name),
		KeyConditionExpression: aws.String("PK = :pk AND begins_with(SK, :run)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": store.S(key.PK()), ":run": store.S(runSKPrefix),
		},
		ScanIndexForward: aws.Bool(false),
		ConsistentRead:   aws.Bool(true),
		Limit:            aws.Int32(int32(min(limit, 25))),
	}, func(items []store.Item) error {
		for _, item := range items {
			run, err := decodeRun(item)
			if err != nil {
				return err
			}
			read++
			if !fn(run) || read >= limit {
				return errStopQuery
			}
		}
		return nil
	})
	if err != nil && !errors.Is(err, errStopQuery) {
		return fmt.Errorf("read runs of %s: %w", key, err)
	}
	return nil
}

// latestRuns returns the newest run and the newest failed run among the
// last maxRunsForLastError; either may be nil.
func (s *Service) latestRuns(ctx context.Context, key connection.Key) (latest, failed *syncrun.Run, err error) {
	err = s.scanRuns(ctx, key, maxRunsForLastError, func(run *syncrun.Run) bool {
		if latest == nil {
			latest = run
		}
		if run.Status == syncrun.StatusFailed {
			failed = run
			return false
		}
		return true
	})
	return latest, failed, err
}

// snapshotRun returns the run whose snapshot a read uses: runID, which must
// be a succeeded run whose snapshot is still kept, or the current snapshot's
// run when runID is empty.
func (s *Service) snapshotRun(ctx context.Context, conn connection.Connection, runID string) (string, error) {
	if runID == "" {
		if conn.CurrentRunID == "" {
			return "", newError(CodeSnapshotUnavailable, "", "connection %s has no completed sync yet: start one with startSync and read once getSyncStatus reports it succeeded", conn.Key)
		}
		return conn.CurrentRunID, nil
	}
	if runID == conn.CurrentRunID || slices.Contains(conn.KeptRunIDs, runID) {
		return runID, nil
	}
	run, err := s.getRun(ctx, conn.Key, runID)
	if err != nil {
		return "", err
	}
	if run.Status != syncrun.StatusSucceeded {
		return "", newError(CodeSnapshotUnavailable, "runId", "run %s of %s is %s, so it has no published snapshot: use a succeeded run, or leave runId out for the current snapshot", runID, conn.Key, run.Status)
	}
	return "", newError(CodeSnapshotUnavailable, "runId", "the snapshot of run %s of %s is no longer kept (only the latest %d are): use one of %v, or leave runId out", runID, conn.Key, len(conn.KeptRunIDs), conn.KeptRunIDs)
}

// lockingRun returns the run that holds the connection's unexpired sync
// lock (PK = the connection's, SK = LOCK, as the sync engine writes it),
// or "".
func (s *Service) lockingRun(ctx context.Context, key connection.Key) (string, error) {
	out, err := s.Table.Client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(s.Table.Name),
		Key:            store.Key(key.PK(), "LOCK"),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return "", fmt.Errorf("read the sync lock of %s: %w", key, err)
	}
	var lock struct {
		RunID       string `dynamodbav:"runId"`
		LockedUntil int64  `dynamodbav:"lockedUntil"`
	}
	if out.Item == nil {
		return "", nil
	}
	if err := attributevalue.UnmarshalMap(out.Item, &lock); err != nil {
		return "", fmt.Errorf("decode the sync lock of %s: %w", key, err)
	}
	if lock.LockedUntil < s.now().Unix() {
		return "", nil
	}
	return lock.RunID, nil
}
