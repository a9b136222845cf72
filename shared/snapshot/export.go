package snapshot

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/idgov/atlassian-cloud-connector/shared/store"
)

// ExportJSONLines writes every record of a run's snapshot to w, one JSON
// object per line with a "type" of serviceUser, entitlement or grant. It
// returns the number of records written.
func ExportJSONLines(ctx context.Context, table *store.Table, runID string, w io.Writer) (Counts, error) {
	var counts Counts
	buf := bufio.NewWriterSize(w, 64<<10)
	err := ReadAll(ctx, table, runID, func(r Record) error {
		counts.count(r.Type())
		_, err := buf.Write(MarshalLine(r))
		return err
	})
	if err != nil {
		return counts, fmt.Errorf("export snapshot of run %s: %w", runID, err)
	}
	return counts, buf.Flush()
}

// ReadChangesPage returns up to limit changes of a run, starting at cursor,
// and the cursor of the next page (nil after the last).
func ReadChangesPage(ctx context.Context, table *store.Table, runID string, cursor Cursor, limit int) ([]Change, *Cursor, error) {
	if cursor.Shard < 0 || cursor.Shard >= Shards {
		return nil, nil, fmt.Errorf("cursor shard %d is out of range 0..%d", cursor.Shard, Shards-1)
	}
	if limit <= 0 {
		return nil, nil, fmt.Errorf("page limit %d must be positive", limit)
	}
	var changes []Change
	for shard := cursor.Shard; shard < Shards; shard++ {
		pk := ChangePartitionKey(runID, shard)
		var start store.Item
		if shard == cursor.Shard && cursor.LastSK != "" {
			start = store.Key(pk, cursor.LastSK)
		}
		for {
			out, err := table.Client.Query(ctx, &dynamodb.QueryInput{
				TableName:                 aws.String(table.Name),
				KeyConditionExpression:    aws.String("PK = :pk"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":pk": store.S(pk)},
				ExclusiveStartKey:         start,
				Limit:                     aws.Int32(int32(limit - len(changes))),
			})
			if err != nil {
				return nil, nil, fmt.Errorf("query changes partition %s: %w", pk, err)
			}
			for _, item := range out.Items {
				body, ok := item["change"].(*types.AttributeValueMemberS)
				if !ok {
					return nil, nil, fmt.Errorf("change item in %s has no change attribute", pk)
				}
				var c Change
				if err := json.Unmarshal([]byte(body.Value), &c); err != nil {
					return nil, nil, fmt.Errorf("decode change item in %s: %w", pk, err)
				}
				changes = append(changes, c)
			}
			if len(changes) == limit {
				return changes, &Cursor{Shard: shard, LastSK: changes[len(changes)-1].Key}, nil
			}
			if len(out.LastEvaluatedKey) == 0 {
				break
			}
			start = out.LastEvaluatedKey
		}
	}
	return changes, nil, nil
}

// MarshalLine returns a record as one JSON Lines line: its fields after a
// "type" field, ending in a newline.
func MarshalLine(r Record) []byte {
	body := mustJSON(r.value()) // an object: {"...
	line := make([]byte, 0, len(body)+32)
	line = append(line, `{"type":"`...)
	line = append(line, r.Type()...)
	line = append(line, `",`...)
	line = append(line, body[1:]...)
	return append(line, '\n')
}
