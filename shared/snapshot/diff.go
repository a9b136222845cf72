package snapshot

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/idgov/atlassian-cloud-connector/shared/store"
)

// Change operations.
const (
	OpAdded   = "added"
	OpRemoved = "removed"
	OpChanged = "changed" // a service user's attributes changed
	OpRenamed = "renamed" // an entitlement's name changed; its id did not
)

// Change is one difference between a run's snapshot and the one before it.
type Change struct {
	Op     string          `json:"op"`
	Type   string          `json:"type"`
	Key    string          `json:"key"`              // the record's sort key
	Fields []string        `json:"fields,omitempty"` // attributes that changed
	Before json.RawMessage `json:"before,omitempty"` // the record in the previous snapshot
	After  json.RawMessage `json:"after,omitempty"`  // the record in this snapshot
}

// Counts is the number of records of each type.
type Counts struct {
	Users        int `json:"users" dynamodbav:"users"`
	Entitlements int `json:"entitlements" dynamodbav:"entitlements"`
	Grants       int `json:"grants" dynamodbav:"grants"`
}

// Add adds another count to c.
func (c *Counts) Add(o Counts) {
	c.Users += o.Users
	c.Entitlements += o.Entitlements
	c.Grants += o.Grants
}

func (c *Counts) count(recordType string) {
	switch recordType {
	case TypeServiceUser:
		c.Users++
	case TypeEntitlement:
		c.Entitlements++
	case TypeGrant:
		c.Grants++
	}
}

// ChangeCounts counts changes by operation.
type ChangeCounts struct {
	Added   int `json:"added" dynamodbav:"added"`
	Removed int `json:"removed" dynamodbav:"removed"`
	Changed int `json:"changed" dynamodbav:"changed"`
	Renamed int `json:"renamed" dynamodbav:"renamed"`
}

// Add adds another count to c.
func (c *ChangeCounts) Add(o ChangeCounts) {
	c.Added += o.Added
	c.Removed += o.Removed
	c.Changed += o.Changed
	c.Renamed += o.Renamed
}

// ShardDiff is the result of comparing one shard of two snapshots.
type ShardDiff struct {
	Counts  Counts       `json:"counts"`
	Changes ChangeCounts `json:"changes"`
}

// ChangePartitionKey returns the partition key of a run's change shard.
func ChangePartitionKey(runID string, shard int) string {
	return fmt.Sprintf("CHG#%s#%02d", runID, shard)
}

// DiffShard compares one shard of the run's snapshot with the same shard of
// the previous run's snapshot (none when previousRunID is empty), stores the
// changes, and counts the run's records in the shard. Both shards are read
// in sort-key order and merged, so memory stays at one page of each.
// Rewriting the changes of a retried shard overwrites the same items.
func DiffShard(ctx context.Context, table *store.Table, previousRunID, runID string, shard int, expiresAt int64) (ShardDiff, error) {
	var result ShardDiff
	current := newShardIterator(table, runID, shard, "")
	var previous *shardIterator
	if previousRunID != "" {
		previous = newShardIterator(table, previousRunID, shard, "")
	}
	var pending []store.Item
	emit := func(c Change) error {
		item, err := encodeChange(runID, shard, c, expiresAt)
		if err != nil {
			return err
		}
		pending = append(pending, item)
		switch c.Op {
		case OpAdded:
			result.Changes.Added++
		case OpRemoved:
			result.Changes.Removed++
		case OpChanged:
			result.Changes.Changed++
		case OpRenamed:
			result.Changes.Renamed++
		}
		if len(pending) >= 500 {
			err = table.BatchPut(ctx, pending)
			pending = pending[:0]
		}
		return err
	}

	cur, curOK, err := current.next(ctx)
	if err != nil {
		return result, err
	}
	var prev Record
	var prevOK bool
	if previous != nil {
		if prev, prevOK, err = previous.next(ctx); err != nil {
			return result, err
		}
	}
	for curOK || prevOK {
		var change *Change
		switch {
		case curOK && (!prevOK || cur.SortKey() < prev.SortKey()):
			result.Counts.count(cur.Type())
			if previous != nil {
				change = &Change{Op: OpAdded, Type: cur.Type(), Key: cur.SortKey(), After: mustJSON(cur.value())}
			}
			cur, curOK, err = current.next(ctx)
		case prevOK && (!curOK || prev.SortKey() < cur.SortKey()):
			change = &Change{Op: OpRemoved, Type: prev.Type(), Key: prev.SortKey(), Before: mustJSON(prev.value())}
			prev, prevOK, err = previous.next(ctx)
		default: // the same record in both
			result.Counts.count(cur.Type())
			change = compare(prev, cur)
			if cur, curOK, err = current.next(ctx); err == nil {
				prev, prevOK, err = previous.next(ctx)
			}
		}
		if err != nil {
			return result, err
		}
		if change != nil {
			if err := emit(*change); err != nil {
				return result, err
			}
		}
	}
	if err := table.BatchPut(ctx, pending); err != nil {
		return result, fmt.Errorf("write changes of run %s shard %d: %w", runID, shard, err)
	}
	return result, nil
}

// compare returns the change between two versions of one record, or nil.
func compare(before, after Record) *Change {
	var fields []string
	op := OpChanged
	switch {
	case after.User != nil:
		b, a := before.User, after.User
		if b.DisplayName != a.DisplayName {
			fields = append(fields, "displayName")
		}
		if !equalEmail(b.Email, a.Email) {
			fields = append(fields, "emailAddress")
		}
		if b.Active != a.Active {
			fields = append(fields, "active")
		}
		if b.AccountType != a.AccountType {
			fields = append(fields, "accountType")
		}
		if b.Locale != a.Locale {
			fields = append(fields, "locale")
		}
		if b.TimeZone != a.TimeZone {
			fields = append(fields, "timeZone")
		}
	case after.Entitlement != nil:
		b, a := *before.Entitlement, *after.Entitlement
		if b.Name != a.Name {
			fields = append(fields, "name")
			op = OpRenamed
		}
		if b.ProjectKey != a.ProjectKey || b.ProjectName != a.ProjectName || b.RoleName != a.RoleName {
			fields = append(fields, "project")
			op = OpRenamed
		}
	}
	if len(fields) == 0 {
		return nil
	}
	return &Change{Op: op, Type: after.Type(), Key: after.SortKey(), Fields: fields,
		Before: mustJSON(before.value()), After: mustJSON(after.value())}
}

func equalEmail(a, b *string) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("marshal snapshot record: %v", err)) // records hold only strings, bools and ints
	}
	return b
}

func encodeChange(runID string, shard int, c Change, expiresAt int64) (store.Item, error) {
	body, err := json.Marshal(c)
	if err != nil {
		return nil, fmt.Errorf("encode change %s: %w", c.Key, err)
	}
	return store.Item{
		store.AttrPK:        store.S(ChangePartitionKey(runID, shard)),
		store.AttrSK:        store.S(c.Key),
		"change":            &types.AttributeValueMemberS{Value: string(body)},
		store.AttrExpiresAt: store.N(expiresAt),
	}, nil
}
