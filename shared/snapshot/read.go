package snapshot

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/idgov/atlassian-cloud-connector/shared/store"
)

// Cursor is a position in a paged read of a snapshot: the shard and the
// last sort key returned from it.
type Cursor struct {
	Shard  int    `json:"shard"`
	LastSK string `json:"lastSk,omitempty"`
}

// ReadPage returns up to limit records of one type from a run's snapshot,
// starting at cursor, and the cursor of the next page (nil after the last).
// It queries one shard partition at a time and never scans the table.
func ReadPage(ctx context.Context, table *store.Table, runID, recordType string, cursor Cursor, limit int) ([]Record, *Cursor, error) {
	prefix, err := recordPrefix(recordType)
	if err != nil {
		return nil, nil, err
	}
	if cursor.Shard < 0 || cursor.Shard >= Shards {
		return nil, nil, fmt.Errorf("cursor shard %d is out of range 0..%d", cursor.Shard, Shards-1)
	}
	if limit <= 0 {
		return nil, nil, fmt.Errorf("page limit %d must be positive", limit)
	}
	var records []Record
	for shard := cursor.Shard; shard < Shards; shard++ {
		it := newShardIterator(table, runID, shard, prefix)
		if shard == cursor.Shard && cursor.LastSK != "" {
			it.startAfter(cursor.LastSK)
		}
		it.pageSize = int32(limit - len(records))
		for len(records) < limit {
			r, ok, err := it.next(ctx)
			if err != nil {
				return nil, nil, err
			}
			if !ok {
				break
			}
			records = append(records, r)
		}
		if len(records) == limit {
			// The shard may have more; a next page that finds none is empty.
			return records, &Cursor{Shard: shard, LastSK: records[len(records)-1].SortKey()}, nil
		}
	}
	return records, nil, nil
}

// ReadAll calls fn for every record of a run's snapshot, shard by shard, in
// sort-key order within a shard.
func ReadAll(ctx context.Context, table *store.Table, runID string, fn func(Record) error) error {
	for shard := range Shards {
		it := newShardIterator(table, runID, shard, "")
		for {
			r, ok, err := it.next(ctx)
			if err != nil {
				return err
			}
			if !ok {
				break
			}
			if err := fn(r); err != nil {
				return err
			}
		}
	}
	return nil
}

// shardIterator reads one shard of a snapshot in sort-key order, one
// DynamoDB page at a time.
type shardIterator struct {
	table    *store.Table
	pk       string
	prefix   string
	pageSize int32
	buf      []store.Item
	start    store.Item
	done     bool
}

func newShardIterator(table *store.Table, runID string, shard int, prefix string) *shardIterator {
	return &shardIterator{table: table, pk: PartitionKey(runID, shard), prefix: prefix}
}

func (it *shardIterator) startAfter(sk string) {
	it.start = store.Key(it.pk, sk)
}

func (it *shardIterator) next(ctx context.Context) (Record, bool, error) {
	for len(it.buf) == 0 {
		if it.done {
			return Record{}, false, nil
		}
		if err := it.fetch(ctx); err != nil {
			return Record{}, false, err
		}
	}
	item := it.buf[0]
	it.buf = it.buf[1:]
	r, err := decode(item)
	return r, err == nil, err
}

func (it *shardIterator) fetch(ctx context.Context) error {
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(it.table.Name),
		KeyConditionExpression:    aws.String("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": store.S(it.pk)},
		ExclusiveStartKey:         it.start,
		ConsistentRead:            aws.Bool(true),
	}
	if it.prefix != "" {
		in.KeyConditionExpression = aws.String("PK = :pk AND begins_with(SK, :prefix)")
		in.ExpressionAttributeValues[":prefix"] = store.S(it.prefix)
	}
	if it.pageSize > 0 {
		in.Limit = aws.Int32(it.pageSize)
	}
	out, err := it.table.Client.Query(ctx, in)
	if err != nil {
		return fmt.Errorf("query snapshot partition %s: %w", it.pk, err)
	}
	it.buf = out.Items
	it.start = out.LastEvaluatedKey
	it.done = len(out.LastEvaluatedKey) == 0
	return nil
}
