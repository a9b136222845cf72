package connection

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/idgov/atlassian-cloud-connector/shared/store"
)

// Sort keys of the items under a connection's partition key.
const (
	SKConnection  = "CONN"
	SKReservation = "IDRESERVED"
	SKTokenLease  = "TOKENLEASE"
)

// maxIdentifiers bounds NextIdentifier's search.
const maxIdentifiers = 1000

// Store reads and writes connection records. After Create, every change is
// an UpdateItem of the attributes the method owns, because the sync engine
// updates currentRunId and keptRunIds on the same item.
type Store struct {
	Table *store.Table
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

func (s *Store) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func connectionKey(k Key) store.Item { return store.Key(k.PK(), SKConnection) }

// Create writes a new connection and reserves its identifier in one
// transaction. It returns *IDTakenError when the identifier exists or was
// ever used in the tenant.
func (s *Store) Create(ctx context.Context, conn Connection) error {
	if err := conn.Key.Validate(); err != nil {
		return err
	}
	item, err := attributevalue.MarshalMap(conn)
	if err != nil {
		return fmt.Errorf("encode connection %s: %w", conn.Key, err)
	}
	item[store.AttrPK] = store.S(conn.PK())
	item[store.AttrSK] = store.S(SKConnection)
	reservation := store.Item{
		store.AttrPK:   store.S(conn.PK()),
		store.AttrSK:   store.S(SKReservation),
		"tenant":       store.S(conn.Tenant),
		"connectionId": store.S(conn.ID),
		"reservedAt":   store.S(s.now().Format(time.RFC3339)),
	}
	notExists := aws.String("attribute_not_exists(PK)")
	_, err = s.Table.Client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{
		TransactItems: []types.TransactWriteItem{
			{Put: &types.Put{TableName: &s.Table.Name, Item: item, ConditionExpression: notExists}},
			{Put: &types.Put{TableName: &s.Table.Name, Item: reservation, ConditionExpression: notExists}},
		},
	})
	if isTransactionConditionFailed(err) {
		return &IDTakenError{Key: conn.Key}
	}
	if err != nil {
		return fmt.Errorf("create connection %s in table %s: %w", conn.Key, s.Table.Name, err)
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

// Get reads a connection with a strongly consistent read. It returns
// *NotFoundError when there is none.
func (s *Store) Get(ctx context.Context, key Key) (Connection, error) {
	out, err := s.Table.Client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      &s.Table.Name,
		Key:            connectionKey(key),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return Connection{}, fmt.Errorf("read connection %s from table %s: %w", key, s.Table.Name, err)
	}
	if out.Item == nil {
		return Connection{}, &NotFoundError{Key: key}
	}
	return decode(key, out.Item)
}

func decode(key Key, item store.Item) (Connection, error) {
	var conn Connection
	if err := attributevalue.UnmarshalMap(item, &conn); err != nil {
		return Connection{}, fmt.Errorf("decode connection %s: %w", key, err)
	}
	return conn, nil
}

// Settings are the connection settings a customer can change after
// creation without consenting again.
type Settings struct {
	Schedule     Schedule
	UserSettings UserSettings
	// ReturnURL empty removes the return URL.
	ReturnURL string
}

// UpdateSettings validates and replaces the schedule, user settings and
// return URL, and returns the updated connection.
func (s *Store) UpdateSettings(ctx context.Context, key Key, settings Settings) (Connection, error) {
	schedule, err := settings.Schedule.Normalize()
	if err != nil {
		return Connection{}, err
	}
	if settings.ReturnURL != "" {
		if err := validateCallbackURL("returnUrl", settings.ReturnURL); err != nil {
			return Connection{}, err
		}
	}
	scheduleValue, err := attributevalue.Marshal(schedule)
	if err != nil {
		return Connection{}, fmt.Errorf("encode schedule of %s: %w", key, err)
	}
	usersValue, err := attributevalue.Marshal(settings.UserSettings)
	if err != nil {
		return Connection{}, fmt.Errorf("encode user settings of %s: %w", key, err)
	}
	update := "SET schedule = :schedule, userSettings = :users, updatedAt = :now"
	values := store.Item{
		":schedule": scheduleValue,
		":users":    usersValue,
		":now":      store.S(s.now().Format(time.RFC3339Nano)),
		":removed":  store.S(string(StatusRemoved)),
	}
	if settings.ReturnURL == "" {
		update += " REMOVE returnUrl"
	} else {
		update += ", returnUrl = :returnUrl"
		values[":returnUrl"] = store.S(settings.ReturnURL)
	}
	return s.update(ctx, key, update, values)
}

// SetStatus sets the status and its reason; an empty reason removes the
// previous one. A removed connection stays removed.
func (s *Store) SetStatus(ctx context.Context, key Key, status Status, reason string) (Connection, error) {
	switch status {
	case StatusPending, StatusConnected, StatusReconsentRequired, StatusRemoved:
	default:
		return Connection{}, invalid("status", "%q is not a connection status", status)
	}
	update := "SET #status = :status, updatedAt = :now"
	values := store.Item{
		":status":  store.S(string(status)),
		":now":     store.S(s.now().Format(time.RFC3339Nano)),
		":removed": store.S(string(StatusRemoved)),
	}
	if reason == "" {
		update += " REMOVE statusReason"
	} else {
		update += ", statusReason = :reason"
		values[":reason"] = store.S(reason)
	}
	if status == StatusRemoved {
		// Removing twice is not an error.
		delete(values, ":removed")
		return s.updateWhere(ctx, key, update, "attribute_exists(PK)", values)
	}
	return s.update(ctx, key, update, values)
}

// MarkConnected records a completed consent: the site's cloud ID, the time
// of consent, status connected and no status reason.
func (s *Store) MarkConnected(ctx context.Context, key Key, cloudID string, consentedAt time.Time) (Connection, error) {
	if cloudID == "" {
		return Connection{}, invalid("cloudId", "missing; take it from the accessible-resources entry of the configured site")
	}
	update := "SET #status = :status, cloudId = :cloudId, consentedAt = :consentedAt, updatedAt = :now REMOVE statusReason"
	values := store.Item{
		":status":      store.S(string(StatusConnected)),
		":cloudId":     store.S(cloudID),
		":consentedAt": store.S(consentedAt.UTC().Format(time.RFC3339Nano)),
		":now":         store.S(s.now().Format(time.RFC3339Nano)),
		":removed":     store.S(string(StatusRemoved)),
	}
	return s.update(ctx, key, update, values)
}

// update applies an update to a connection that exists and is not removed.
func (s *Store) update(ctx context.Context, key Key, update string, values store.Item) (Connection, error) {
	return s.updateWhere(ctx, key, update, "attribute_exists(PK) AND #status <> :removed", values)
}

func (s *Store) updateWhere(ctx context.Context, key Key, update, condition string, values store.Item) (Connection, error) {
	if err := key.Validate(); err != nil {
		return Connection{}, err
	}
	out, err := s.Table.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                           &s.Table.Name,
		Key:                                 connectionKey(key),
		UpdateExpression:                    &update,
		ConditionExpression:                 &condition,
		ExpressionAttributeNames:            map[string]string{"#status": "status"},
		ExpressionAttributeValues:           values,
		ReturnValues:                        types.ReturnValueAllNew,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	var failed *types.ConditionalCheckFailedException
	if errors.As(err, &failed) {
		if failed.Item == nil {
			return Connection{}, &NotFoundError{Key: key}
		}
		return Connection{}, &RemovedError{Key: key}
	}
	if err != nil {
		return Connection{}, fmt.Errorf("update connection %s in table %s: %w", key, s.Table.Name, err)
	}
	return decode(key, out.Attributes)
}

// NextIdentifier returns the first identifier of the sequence
// atlassian-cloud, atlassian-cloud-2, atlassian-cloud-3, … that the tenant
// has never used. Two concurrent callers may get the same identifier, and
// then Create succeeds for only one of them.
func (s *Store) NextIdentifier(ctx context.Context, tenant string) (string, error) {
	if err := ValidateTenant(tenant); err != nil {
		return "", err
	}
	for n := 1; n <= maxIdentifiers; n++ {
		id := DefaultID
		if n > 1 {
			id += "-" + strconv.Itoa(n)
		}
		key := Key{Tenant: tenant, ID: id}
		out, err := s.Table.Client.GetItem(ctx, &dynamodb.GetItemInput{
			TableName:            &s.Table.Name,
			Key:                  store.Key(key.PK(), SKReservation),
			ConsistentRead:       aws.Bool(true),
			ProjectionExpression: aws.String(store.AttrPK),
		})
		if err != nil {
			return "", fmt.Errorf("read identifier reservation %s from table %s: %w", key, s.Table.Name, err)
		}
		if out.Item == nil {
			return id, nil
		}
	}
	return "", fmt.Errorf("tenant %q has used all %d connection identifiers %s to %s-%d: choose an identifier of your own",
		tenant, maxIdentifiers, DefaultID, DefaultID, maxIdentifiers)
}
