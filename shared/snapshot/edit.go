package snapshot

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/idgov/atlassian-cloud-connector/shared/store"
)

// itemKey returns the primary key of the item with this sort key in a run's
// snapshot.
func itemKey(runID, sortKey string) store.Item {
	return store.Key(PartitionKey(runID, ShardOf(sortKey)), sortKey)
}

// Get reads one record of a run's snapshot by its sort key, such as
// ServiceUser{AccountID: id}.SortKey(). The second result is false when the
// snapshot has no such record.
func Get(ctx context.Context, table *store.Table, runID, sortKey string) (Record, bool, error) {
	out, err := table.Client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(table.Name),
		Key:            itemKey(runID, sortKey),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return Record{}, false, fmt.Errorf("read snapshot item %s of run %s: %w", sortKey, runID, err)
	}
	if out.Item == nil {
		return Record{}, false, nil
	}
	r, err := decode(out.Item)
	return r, err == nil, err
}

// Delete removes the records with these sort keys from a run's snapshot.
// Absent records are not an error. It returns the number of keys sent.
func Delete(ctx context.Context, table *store.Table, runID string, sortKeys []string) (int, error) {
	keys := make([]store.Item, 0, len(sortKeys))
	seen := make(map[string]bool, len(sortKeys))
	for _, sk := range sortKeys {
		if seen[sk] { // one BatchWriteItem call rejects two deletes of one key
			continue
		}
		seen[sk] = true
		keys = append(keys, itemKey(runID, sk))
	}
	if err := table.BatchDelete(ctx, keys); err != nil {
		return 0, fmt.Errorf("delete %d snapshot records of run %s: %w", len(keys), runID, err)
	}
	return len(keys), nil
}

// UserGrants returns every grant of one account in a run's snapshot. A
// user's grants share the sort-key prefix G#<accountId>#, but each is in the
// shard of its own key, so it runs one Query per shard.
func UserGrants(ctx context.Context, table *store.Table, runID, accountID string) ([]Grant, error) {
	if accountID == "" {
		return nil, errors.New("UserGrants: accountID is empty: pass the account id of a service user")
	}
	prefix := prefixGrant + accountID + "#"
	var grants []Grant
	for shard := range Shards {
		it := newShardIterator(table, runID, shard, prefix)
		for {
			r, ok, err := it.next(ctx)
			if err != nil {
				return nil, err
			}
			if !ok {
				break
			}
			grants = append(grants, *r.Grant)
		}
	}
	return grants, nil
}
