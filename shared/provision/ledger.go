package provision

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/idgov/atlassian-cloud-connector/shared/connection"
	"github.com/idgov/atlassian-cloud-connector/shared/store"
)

// Sort-key prefixes of the ledger's items on the connection's partition:
// REQUEST#<requestId> claims a request ID, and
// ACTION#<start time>#<requestId> is one entry of the action log.
const (
	requestSKPrefix = "REQUEST#"
	ActionSKPrefix  = "ACTION#"
)

// actionTimeLayout has a fixed width, so sort keys order by time.
const actionTimeLayout = "2006-01-02T15:04:05.000000000Z"

// ledger stores request-ID claims and the action log.
type ledger struct {
	table     *store.Table
	retention time.Duration
	lease     time.Duration
}

// claim is a request ID held by this invocation.
type claim struct {
	key       connection.Key
	requestID string
	actionSK  string
	startedAt time.Time
}

// requestItem is the stored form of a request-ID claim.
type requestItem struct {
	Status      string `dynamodbav:"status"`
	PayloadHash string `dynamodbav:"payloadHash"`
	ActionSK    string `dynamodbav:"actionSk"`
	LeaseUntil  int64  `dynamodbav:"leaseUntil"`
	Result      string `dynamodbav:"result"`
}

// payloadHash identifies a request's content, so a reused request ID with a
// different payload is detected.
func payloadHash(req Request) string {
	body, err := json.Marshal(struct {
		Actor  string `json:"actor"`
		Action Action `json:"action"`
	}{req.Actor, req.Action})
	if err != nil {
		panic(fmt.Sprintf("encode request payload: %v", err)) // strings, a number and a list always encode
	}
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:])
}

func actionSortKey(started time.Time, requestID string) string {
	return ActionSKPrefix + started.UTC().Format(actionTimeLayout) + "#" + requestID
}

// claim takes the request ID for this invocation and starts an action log
// entry, in one transaction. When the ID belongs to a completed request with
// the same payload, it returns that request's result instead. An ID whose
// holder's lease ran out is taken over, and that attempt is marked
// abandoned.
func (l *ledger) claim(ctx context.Context, req Request, now time.Time) (claim, *Result, error) {
	hash := payloadHash(req)
	for range 3 {
		c := claim{key: req.Key, requestID: req.RequestID, actionSK: actionSortKey(now, req.RequestID), startedAt: now}
		err := l.put(ctx, c, req, hash, "")
		if err == nil {
			return c, nil, nil
		}
		if !isTransactionConditionFailed(err) {
			return claim{}, nil, err
		}
		existing, found, err := l.readRequest(ctx, req.Key, req.RequestID)
		if err != nil {
			return claim{}, nil, err
		}
		if !found {
			continue // released since the put; claim again
		}
		if existing.PayloadHash != hash {
			return claim{}, nil, newError(CodeConflict, "requestId",
				"requestId %q was already used for a different request: use a new requestId for a new change, or resend the first request unchanged", req.RequestID)
		}
		if existing.Status == StatusSucceeded {
			var first Result
			if err := json.Unmarshal([]byte(existing.Result), &first); err != nil {
				return claim{}, nil, fmt.Errorf("decode the stored result of request %s of %s: %w", req.RequestID, req.Key, err)
			}
			first.Replayed = true
			return claim{}, &first, nil
		}
		if existing.LeaseUntil >= now.Unix() {
			return claim{}, nil, newError(CodeInProgress, "requestId",
				"request %q is still being carried out: wait a few seconds and send it again to get its result", req.RequestID)
		}
		err = l.put(ctx, c, req, hash, existing.ActionSK)
		if err == nil {
			return c, nil, nil
		}
		if !isTransactionConditionFailed(err) {
			return claim{}, nil, err
		}
	}
	return claim{}, nil, newError(CodeInProgress, "requestId",
		"request %q is being claimed by another invocation at the same time: wait a few seconds and send it again", req.RequestID)
}

// put writes the claim and its action log entry. With previousActionSK
// empty the request ID must be free; otherwise it must still belong to that
// attempt, whose entry is marked abandoned.
func (l *ledger) put(ctx context.Context, c claim, req Request, hash, previousActionSK string) error {
	expires := store.N(c.startedAt.Add(l.retention).Unix())
	request := store.Key(c.key.PK(), requestSKPrefix+c.requestID)
	request["status"] = store.S(StatusInProgress)
	request["payloadHash"] = store.S(hash)
	request["actionSk"] = store.S(c.actionSK)
	request["leaseUntil"] = store.N(c.startedAt.Add(l.lease).Unix())
	request[store.AttrExpiresAt] = expires

	entry, err := encodeRecord(ActionRecord{
		RequestID: c.requestID, Actor: req.Actor, Operation: req.Action.Operation, Parameters: req.Action,
		Status: StatusInProgress, StartedAt: c.startedAt,
	})
	if err != nil {
		return err
	}
	entry[store.AttrPK] = store.S(c.key.PK())
	entry[store.AttrSK] = store.S(c.actionSK)
	entry[store.AttrExpiresAt] = expires

	put := &types.Put{TableName: &l.table.Name, Item: request, ConditionExpression: aws.String("attribute_not_exists(PK)")}
	items := []types.TransactWriteItem{{Put: put}, {Put: &types.Put{TableName: &l.table.Name, Item: entry}}}
	if previousActionSK != "" {
		put.ConditionExpression = aws.String("#status = :inProgress AND actionSk = :previous")
		put.ExpressionAttributeNames = map[string]string{"#status": "status"}
		put.ExpressionAttributeValues = map[string]types.AttributeValue{
			":inProgress": store.S(StatusInProgress), ":previous": store.S(previousActionSK),
		}
		items = append(items, types.TransactWriteItem{Update: &types.Update{
			TableName:                 &l.table.Name,
			Key:                       store.Key(c.key.PK(), previousActionSK),
			UpdateExpression:          aws.String("SET #status = :abandoned"),
			ConditionExpression:       aws.String("attribute_exists(PK)"),
			ExpressionAttributeNames:  map[string]string{"#status": "status"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":abandoned": store.S(StatusAbandoned)},
		}})
	}
	_, err = l.table.Client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	if err != nil && !isTransactionConditionFailed(err) {
		return fmt.Errorf("claim request %s of %s: %w", c.requestID, c.key, err)
	}
	return err
}

func (l *ledger) readRequest(ctx context.Context, key connection.Key, requestID string) (requestItem, bool, error) {
	out, err := l.table.Client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      &l.table.Name,
		Key:            store.Key(key.PK(), requestSKPrefix+requestID),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return requestItem{}, false, fmt.Errorf("read request %s of %s: %w", requestID, key, err)
	}
	if out.Item == nil {
		return requestItem{}, false, nil
	}
	var item requestItem
	if err := attributevalue.UnmarshalMap(out.Item, &item); err != nil {
		return requestItem{}, false, fmt.Errorf("decode request %s of %s: %w", requestID, key, err)
	}
	return item, true, nil
}

// complete stores the result under the request ID, so a repeat returns it,
// and records it in the action log entry.
func (l *ledger) complete(ctx context.Context, c claim, result *Result, now time.Time) error {
	body, err := json.Marshal(result)
	if err != nil {
		return fmt.Errorf("encode the result of request %s: %w", c.requestID, err)
	}
	items := []types.TransactWriteItem{
		{Update: &types.Update{
			TableName:                 &l.table.Name,
			Key:                       store.Key(c.key.PK(), requestSKPrefix+c.requestID),
			UpdateExpression:          aws.String("SET #status = :succeeded, #result = :result"),
			ConditionExpression:       aws.String("actionSk = :sk"),
			ExpressionAttributeNames:  map[string]string{"#status": "status", "#result": "result"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":succeeded": store.S(StatusSucceeded), ":result": store.S(string(body)), ":sk": store.S(c.actionSK)},
		}},
		{Update: &types.Update{
			TableName:        &l.table.Name,
			Key:              store.Key(c.key.PK(), c.actionSK),
			UpdateExpression: aws.String("SET #status = :succeeded, #changed = :changed, #outcome = :outcome, #decidedBy = :decidedBy, #run = :run, #ended = :ended"),
			ExpressionAttributeNames: map[string]string{
				"#status": "status", "#changed": "changed", "#outcome": "outcome", "#decidedBy": "decidedBy",
				"#run": "snapshotRunId", "#ended": "endedAt",
			},
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":succeeded": store.S(StatusSucceeded), ":changed": &types.AttributeValueMemberBOOL{Value: result.Changed},
				":outcome": store.S(result.Outcome), ":decidedBy": store.S(result.DecidedBy),
				":run": store.S(result.Snapshot.RunID), ":ended": store.S(now.UTC().Format(time.RFC3339Nano)),
			},
		}},
	}
	if _, err := l.table.Client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items}); err != nil {
		return fmt.Errorf("record the result of request %s of %s: %w", c.requestID, c.key, err)
	}
	return nil
}

// fail records the error in the action log entry and releases the request
// ID, so the same request can be sent again with the same ID.
func (l *ledger) fail(ctx context.Context, c claim, failure ErrorEntry, now time.Time) error {
	entry, err := itemEncoder.Encode(failure)
	if err != nil {
		return fmt.Errorf("encode the error of request %s: %w", c.requestID, err)
	}
	items := []types.TransactWriteItem{
		{Delete: &types.Delete{
			TableName:                 &l.table.Name,
			Key:                       store.Key(c.key.PK(), requestSKPrefix+c.requestID),
			ConditionExpression:       aws.String("actionSk = :sk"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":sk": store.S(c.actionSK)},
		}},
		{Update: &types.Update{
			TableName:                 &l.table.Name,
			Key:                       store.Key(c.key.PK(), c.actionSK),
			UpdateExpression:          aws.String("SET #status = :failed, #error = :error, #ended = :ended"),
			ExpressionAttributeNames:  map[string]string{"#status": "status", "#error": "error", "#ended": "endedAt"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":failed": store.S(StatusFailed), ":error": entry, ":ended": store.S(now.UTC().Format(time.RFC3339Nano))},
		}},
	}
	if _, err := l.table.Client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items}); err != nil {
		return fmt.Errorf("record the failure of request %s of %s: %w", c.requestID, c.key, err)
	}
	return nil
}

func isTransactionConditionFailed(err error) bool {
	var canceled *types.TransactionCanceledException
	if !errors.As(err, &canceled) {
		return false
	}
	for _, reason := range canceled.CancellationReasons {
		if aws.ToString(reason.Code) == "ConditionalCheckFailed" {
			return true
		}
	}
	return false
}
