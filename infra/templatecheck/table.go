package templatecheck

import (
	"fmt"
	"slices"
	"strings"

	"github.com/awslabs/goformation/v7/cloudformation/dynamodb"
	"github.com/awslabs/goformation/v7/cloudformation/policies"
)

// TableSchema is the key layout the Go code expects of the single table.
type TableSchema struct {
	PartitionKey, SortKey           string
	Index                           string // global secondary index name
	IndexPartitionKey, IndexSortKey string
	TTLAttribute                    string
}

// CheckTable checks that the template has exactly one AWS::DynamoDB::Table
// with the expected string keys and the global secondary index with
// projection ALL. The table must also have TTL on the expected attribute,
// on-demand billing, point-in-time recovery, encryption at rest and
// protection from deletion (DeletionProtectionEnabled or DeletionPolicy
// Retain).
func CheckTable(t *Template, want TableSchema) []Problem {
	typed, problems := typedResources(t)
	if len(problems) > 0 {
		for i := range problems {
			problems[i].Check = "table"
		}
		return problems
	}
	var tables []string
	for id, r := range typed {
		if _, ok := r.(*dynamodb.Table); ok {
			tables = append(tables, id)
		}
	}
	if len(tables) != 1 {
		slices.Sort(tables)
		return []Problem{{Check: "table", Where: t.Where("Resources"), Message: fmt.Sprintf("the bundle uses one table, but the template defines %d: %v", len(tables), tables)}}
	}
	id := tables[0]
	var msgs []string
	add := func(format string, args ...any) { msgs = append(msgs, fmt.Sprintf(format, args...)) }
	table := typed[id].(*dynamodb.Table)

	wantKeys := []dynamodb.Table_KeySchema{{AttributeName: want.PartitionKey, KeyType: "HASH"}, {AttributeName: want.SortKey, KeyType: "RANGE"}}
	if formatKeys(table.KeySchema) != formatKeys(wantKeys) {
		add("KeySchema is %s: want %s", formatKeys(table.KeySchema), formatKeys(wantKeys))
	}
	wantAttributes := []string{want.PartitionKey, want.SortKey, want.IndexPartitionKey, want.IndexSortKey}
	var gotAttributes []string
	for _, a := range table.AttributeDefinitions {
		gotAttributes = append(gotAttributes, a.AttributeName)
		if a.AttributeType != "S" {
			add("attribute %s has type %s: the code writes strings (S)", a.AttributeName, a.AttributeType)
		}
	}
	slices.Sort(gotAttributes)
	slices.Sort(wantAttributes)
	if !slices.Equal(gotAttributes, wantAttributes) {
		add("AttributeDefinitions are %v: want exactly the key attributes %v", gotAttributes, wantAttributes)
	}
	msgs = append(msgs, checkIndex(table, want)...)
	if ttl := table.TimeToLiveSpecification; ttl == nil || !ttl.Enabled || ttl.AttributeName == nil || *ttl.AttributeName != want.TTLAttribute {
		add("TimeToLiveSpecification must be enabled on %s, the attribute the code sets on expiring items", want.TTLAttribute)
	}
	if table.BillingMode == nil || *table.BillingMode != "PAY_PER_REQUEST" {
		add("BillingMode must be PAY_PER_REQUEST: sync bursts are short and uneven")
	}
	if pitr := table.PointInTimeRecoverySpecification; pitr == nil || pitr.PointInTimeRecoveryEnabled == nil || !*pitr.PointInTimeRecoveryEnabled {
		add("PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled must be true")
	}
	if table.SSESpecification == nil || !table.SSESpecification.SSEEnabled {
		add("SSESpecification.SSEEnabled must be true")
	}
	protected := table.DeletionProtectionEnabled != nil && *table.DeletionProtectionEnabled
	if !protected && table.AWSCloudFormationDeletionPolicy != policies.DeletionPolicy("Retain") {
		add("set DeletionProtectionEnabled: true or DeletionPolicy: Retain, so that deleting the stack keeps the connections")
	}
	for _, msg := range msgs {
		problems = append(problems, Problem{Check: "table", Where: t.Where(joinPath("Resources", id)), Message: id + ": " + msg})
	}
	return problems
}

func checkIndex(table *dynamodb.Table, want TableSchema) []string {
	if len(table.GlobalSecondaryIndexes) != 1 {
		return []string{fmt.Sprintf("the table needs exactly one global secondary index, %s, but has %d", want.Index, len(table.GlobalSecondaryIndexes))}
	}
	index := table.GlobalSecondaryIndexes[0]
	var msgs []string
	if index.IndexName != want.Index {
		msgs = append(msgs, fmt.Sprintf("global secondary index is named %s: the code queries %s", index.IndexName, want.Index))
	}
	wantKeys := []dynamodb.Table_KeySchema{{AttributeName: want.IndexPartitionKey, KeyType: "HASH"}, {AttributeName: want.IndexSortKey, KeyType: "RANGE"}}
	if formatKeys(index.KeySchema) != formatKeys(wantKeys) {
		msgs = append(msgs, fmt.Sprintf("index %s KeySchema is %s: want %s", index.IndexName, formatKeys(index.KeySchema), formatKeys(wantKeys)))
	}
	if index.Projection == nil || index.Projection.ProjectionType == nil || *index.Projection.ProjectionType != "ALL" {
		msgs = append(msgs, fmt.Sprintf("index %s must project ALL attributes: the task queue reads attributes beyond the keys (such as claimUntil) from it", index.IndexName))
	}
	return msgs
}

func formatKeys(keys []dynamodb.Table_KeySchema) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k.AttributeName + " " + k.KeyType
	}
	return "[" + strings.Join(parts, ", ") + "]"
}
