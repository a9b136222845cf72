package snapshot

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/idgov/atlassian-cloud-connector/shared/store"
)

// Record is one decoded snapshot item: exactly one of the pointers is set.
type Record struct {
	User        *ServiceUser
	Entitlement *Entitlement
	Grant       *Grant
}

// Type returns the record's type name.
func (r Record) Type() string {
	switch {
	case r.User != nil:
		return TypeServiceUser
	case r.Entitlement != nil:
		return TypeEntitlement
	default:
		return TypeGrant
	}
}

// SortKey returns the record's sort key.
func (r Record) SortKey() string {
	switch {
	case r.User != nil:
		return r.User.SortKey()
	case r.Entitlement != nil:
		return r.Entitlement.SortKey()
	default:
		return r.Grant.SortKey()
	}
}

func (r Record) value() any {
	switch {
	case r.User != nil:
		return r.User
	case r.Entitlement != nil:
		return r.Entitlement
	default:
		return r.Grant
	}
}

// The records' json tags name their DynamoDB attributes too, so an item, an
// export line and an API answer use the same field names.
var (
	encoder = attributevalue.NewEncoder(func(o *attributevalue.EncoderOptions) { o.TagKey = "json" })
	decoder = attributevalue.NewDecoder(func(o *attributevalue.DecoderOptions) { o.TagKey = "json" })
)

// encode returns the DynamoDB item of a record in a run's snapshot.
func encode(runID string, r Record, expiresAt int64) (store.Item, error) {
	av, err := encoder.Encode(r.value())
	if err != nil {
		return nil, fmt.Errorf("encode %s %s: %w", r.Type(), r.SortKey(), err)
	}
	item := av.(*types.AttributeValueMemberM).Value
	sk := r.SortKey()
	item[store.AttrPK] = store.S(PartitionKey(runID, ShardOf(sk)))
	item[store.AttrSK] = store.S(sk)
	item[store.AttrExpiresAt] = store.N(expiresAt)
	return item, nil
}

// decode returns the record stored in an item.
func decode(item store.Item) (Record, error) {
	skAttr, ok := item[store.AttrSK].(*types.AttributeValueMemberS)
	if !ok {
		return Record{}, fmt.Errorf("snapshot item without a string %s attribute", store.AttrSK)
	}
	var (
		r   Record
		err error
	)
	switch typeOfSortKey(skAttr.Value) {
	case TypeServiceUser:
		r.User = new(ServiceUser)
		err = decoder.Decode(&types.AttributeValueMemberM{Value: item}, r.User)
	case TypeEntitlement:
		r.Entitlement = new(Entitlement)
		err = decoder.Decode(&types.AttributeValueMemberM{Value: item}, r.Entitlement)
	case TypeGrant:
		r.Grant = new(Grant)
		err = decoder.Decode(&types.AttributeValueMemberM{Value: item}, r.Grant)
	default:
		return Record{}, fmt.Errorf("snapshot item %q has an unknown sort-key prefix", skAttr.Value)
	}
	if err != nil {
		return Record{}, fmt.Errorf("decode snapshot item %q: %w", skAttr.Value, err)
	}
	return r, nil
}

// Write stores records in a run's snapshot. Items are keyed by record id, so
// writing the same records again (a retried page) overwrites, never
// duplicates. It returns the number of items written.
func Write(ctx context.Context, table *store.Table, runID string, expiresAt int64, records []Record) (int, error) {
	items := make([]store.Item, 0, len(records))
	seen := make(map[string]bool, len(records))
	for _, r := range records {
		sk := r.SortKey()
		if seen[sk] { // one BatchWriteItem call rejects two puts of one key
			continue
		}
		seen[sk] = true
		item, err := encode(runID, r, expiresAt)
		if err != nil {
			return 0, err
		}
		items = append(items, item)
	}
	if err := table.BatchPut(ctx, items); err != nil {
		return 0, fmt.Errorf("write %d snapshot records of run %s: %w", len(items), runID, err)
	}
	return len(items), nil
}
