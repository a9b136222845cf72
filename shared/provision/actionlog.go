package provision

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/idgov/atlassian-cloud-connector/shared/connection"
	"github.com/idgov/atlassian-cloud-connector/shared/store"
)

// Statuses of an action log entry.
const (
	StatusInProgress = "inProgress"
	StatusSucceeded  = "succeeded"
	StatusFailed     = "failed"
	// StatusAbandoned marks an attempt that ended without a result, such as
	// a Lambda invocation that timed out. A later attempt with the same
	// requestId took over after the lease ran out.
	StatusAbandoned = "abandoned"
)

// ActionRecord is one entry of a connection's action log.
type ActionRecord struct {
	RequestID  string `json:"requestId"`
	Actor      string `json:"actor"`
	Operation  string `json:"operation"`
	Parameters Action `json:"parameters"`
	Status     string `json:"status"`
	// Changed, Outcome and DecidedBy are set when Status is succeeded.
	Changed       bool        `json:"changed"`
	Outcome       string      `json:"outcome,omitempty"`
	DecidedBy     string      `json:"decidedBy,omitempty"`
	SnapshotRunID string      `json:"snapshotRunId,omitempty"`
	Error         *ErrorEntry `json:"error,omitempty"`
	StartedAt     time.Time   `json:"startedAt"`
	EndedAt       *time.Time  `json:"endedAt,omitempty"`
}

// ErrorEntry is the error of a failed action.
type ErrorEntry struct {
	Code    string `json:"code"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// The records' json tags name their DynamoDB attributes too, so the log
// reads the same in the table and in the on-demand interface.
var (
	itemEncoder = attributevalue.NewEncoder(func(o *attributevalue.EncoderOptions) { o.TagKey = "json" })
	itemDecoder = attributevalue.NewDecoder(func(o *attributevalue.DecoderOptions) { o.TagKey = "json" })
)

// list returns up to limit action log entries, newest first, after the
// entry with sort key afterSK (from the start when empty), and the sort key
// to continue after ("" after the last page).
func (l *ledger) list(ctx context.Context, key connection.Key, afterSK string, limit int) ([]ActionRecord, string, error) {
	in := &dynamodb.QueryInput{
		TableName:              &l.table.Name,
		KeyConditionExpression: aws.String("PK = :pk AND begins_with(SK, :prefix)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": store.S(key.PK()), ":prefix": store.S(ActionSKPrefix),
		},
		ScanIndexForward: aws.Bool(false),
		ConsistentRead:   aws.Bool(true),
		Limit:            aws.Int32(int32(limit)),
	}
	if afterSK != "" {
		if !strings.HasPrefix(afterSK, ActionSKPrefix) {
			return nil, "", fmt.Errorf("action log cursor %q does not start with %s", afterSK, ActionSKPrefix)
		}
		in.ExclusiveStartKey = store.Key(key.PK(), afterSK)
	}
	out, err := l.table.Client.Query(ctx, in)
	if err != nil {
		return nil, "", fmt.Errorf("read the action log of %s: %w", key, err)
	}
	records := make([]ActionRecord, 0, len(out.Items))
	for _, item := range out.Items {
		var r ActionRecord
		if err := itemDecoder.Decode(&types.AttributeValueMemberM{Value: item}, &r); err != nil {
			return nil, "", fmt.Errorf("decode action log entry %v of %s: %w", item[store.AttrSK], key, err)
		}
		records = append(records, r)
	}
	next := ""
	if sk, ok := out.LastEvaluatedKey[store.AttrSK].(*types.AttributeValueMemberS); ok {
		next = sk.Value
	}
	return records, next, nil
}

func encodeRecord(r ActionRecord) (store.Item, error) {
	av, err := itemEncoder.Encode(r)
	if err != nil {
		return nil, fmt.Errorf("encode action log entry %s: %w", r.RequestID, err)
	}
	return av.(*types.AttributeValueMemberM).Value, nil
}
