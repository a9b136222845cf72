package syncrun

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/idgov/atlassian-cloud-connector/shared/connection"
	"github.com/idgov/atlassian-cloud-connector/shared/store"
)

// The sync engine owns three attributes of the connection item: the
// current snapshot's run, the promoted runs kept (newest first), and the
// runs whose snapshots are to be deleted by the next run's diff phase.
const (
	attrCurrentRun  = "currentRunId"
	attrKeptRuns    = "keptRunIds"
	attrDroppedRuns = "droppedRunIds"
	connectionSK    = "CONN"
)

type pointers struct {
	Current string
	Kept    []string
	Dropped []string
}

func (e *Engine) readPointers(ctx context.Context, key connection.Key) (pointers, error) {
	item, err := e.getItem(ctx, key.PK(), connectionSK)
	if err != nil {
		return pointers{}, err
	}
	return pointers{
		Current: stringAttr(item, attrCurrentRun),
		Kept:    stringList(item, attrKeptRuns),
		Dropped: stringList(item, attrDroppedRuns),
	}, nil
}

// CurrentRunID returns the run whose snapshot is current, or "" before the
// first successful sync.
func (e *Engine) CurrentRunID(ctx context.Context, key connection.Key) (string, error) {
	p, err := e.readPointers(ctx, key)
	return p.Current, err
}

// promote makes the run's snapshot current and records the run as
// succeeded in one transaction, on the condition that the current snapshot
// is still the one the run compared against. Snapshots beyond the kept
// number move to the dropped list, and the ones this run purged leave it.
func (e *Engine) promote(ctx context.Context, run *Run, now time.Time) error {
	cfg := e.Config.withDefaults()
	key := run.Key()
	p, err := e.readPointers(ctx, key)
	if err != nil {
		return err
	}
	if p.Current != run.PreviousRunID {
		return &IncompleteSyncError{Message: fmt.Sprintf(
			"the current snapshot of %s changed from run %q to %q during run %s; start a new sync",
			key, run.PreviousRunID, p.Current, run.RunID)}
	}
	kept := append([]string{run.RunID}, p.Kept...)
	var dropped []string
	for _, id := range p.Dropped {
		if !slices.Contains(run.PurgeRunIDs, id) {
			dropped = append(dropped, id)
		}
	}
	if len(kept) > cfg.KeepSnapshots {
		dropped = append(dropped, kept[cfg.KeepSnapshots:]...)
		kept = kept[:cfg.KeepSnapshots]
	}
	condition := "attribute_not_exists(currentRunId)"
	values := map[string]types.AttributeValue{
		":run": store.S(run.RunID), ":kept": stringListAttr(kept), ":dropped": stringListAttr(dropped),
	}
	if run.PreviousRunID != "" {
		condition = "currentRunId = :previous"
		values[":previous"] = store.S(run.PreviousRunID)
	}
	_, err = e.Table.Client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{
		TransactItems: []types.TransactWriteItem{
			{Update: &types.Update{
				TableName:                 aws.String(e.Table.Name),
				Key:                       store.Key(key.PK(), connectionSK),
				UpdateExpression:          aws.String("SET currentRunId = :run, keptRunIds = :kept, droppedRunIds = :dropped"),
				ConditionExpression:       aws.String("attribute_exists(PK) AND " + condition),
				ExpressionAttributeValues: values,
			}},
			{Update: &types.Update{
				TableName:                aws.String(e.Table.Name),
				Key:                      store.Key(key.PK(), runSK(run.RunID)),
				UpdateExpression:         aws.String("SET #status = :succeeded, endedAt = :now, #counts = :counts, #changes = :changes"),
				ConditionExpression:      aws.String("#status = :running"),
				ExpressionAttributeNames: map[string]string{"#status": "status", "#counts": "counts", "#changes": "changes"},
				ExpressionAttributeValues: map[string]types.AttributeValue{
					":succeeded": store.S(StatusSucceeded), ":running": store.S(StatusRunning),
					":now":     store.S(now.Format(time.RFC3339Nano)),
					":counts":  mustMarshal(run.Counts),
					":changes": mustMarshal(run.Changes),
				},
			}},
		},
	})
	if err != nil {
		return fmt.Errorf("promote the snapshot of run %s for %s: %w", run.RunID, key, err)
	}
	return nil
}

// dropRun lists a failed run's partial snapshot for deletion, unless the
// run is current or kept, or already listed.
func (e *Engine) dropRun(ctx context.Context, key connection.Key, runID string) error {
	p, err := e.readPointers(ctx, key)
	if err != nil {
		return err
	}
	if p.Current == runID || slices.Contains(p.Kept, runID) || slices.Contains(p.Dropped, runID) {
		return nil
	}
	_, err = e.Table.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:           aws.String(e.Table.Name),
		Key:                 store.Key(key.PK(), connectionSK),
		UpdateExpression:    aws.String("SET droppedRunIds = list_append(if_not_exists(droppedRunIds, :empty), :run)"),
		ConditionExpression: aws.String("attribute_exists(PK) AND (attribute_not_exists(currentRunId) OR currentRunId <> :id)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":empty": stringListAttr(nil), ":run": stringListAttr([]string{runID}), ":id": store.S(runID),
		},
	})
	if err != nil && !store.IsConditionFailed(err) {
		return fmt.Errorf("list run %s of %s for deletion: %w", runID, key, err)
	}
	return nil
}

func stringList(item store.Item, name string) []string {
	l, ok := item[name].(*types.AttributeValueMemberL)
	if !ok {
		return nil
	}
	out := make([]string, 0, len(l.Value))
	for _, v := range l.Value {
		if s, ok := v.(*types.AttributeValueMemberS); ok {
			out = append(out, s.Value)
		}
	}
	return out
}

func stringListAttr(values []string) types.AttributeValue {
	list := make([]types.AttributeValue, 0, len(values))
	for _, v := range values {
		list = append(list, store.S(v))
	}
	return &types.AttributeValueMemberL{Value: list}
}

func mustMarshal(v any) types.AttributeValue {
	av, err := marshalAttr(v)
	if err != nil {
		panic(fmt.Sprintf("encode %T: %v", v, err)) // counts are plain ints
	}
	return av
}

// causeMessage returns the errorMessage of a Lambda error's Cause, which
// Step Functions passes as a JSON document, or the cause unchanged.
func causeMessage(cause string) string {
	var lambdaErr struct {
		ErrorMessage string `json:"errorMessage"`
	}
	if json.Unmarshal([]byte(cause), &lambdaErr) == nil && lambdaErr.ErrorMessage != "" {
		return lambdaErr.ErrorMessage
	}
	return cause
}

// purgeable returns the dropped runs a new run may delete: never the
// current snapshot or a kept one, even when the dropped list contains it.
func purgeable(p pointers) []string {
	var out []string
	for _, id := range p.Dropped {
		if id != p.Current && !slices.Contains(p.Kept, id) && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}
