package oauth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/idgov/atlassian-cloud-connector/shared/connection"
	"github.com/idgov/atlassian-cloud-connector/shared/store"
)

// StateTTL is how long an authorize URL's state stays valid.
const StateTTL = 10 * time.Minute

// stateBytes is the entropy of a state value: 32 random bytes, which
// encode to 43 base64url characters.
const stateBytes = 32

var statePattern = regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`)

// StateProblem is the reason a callback's state was rejected.
type StateProblem string

// Reasons for rejecting a state.
const (
	StateMissing StateProblem = "missing" // the callback has no state parameter
	StateUnknown StateProblem = "unknown" // never issued by this deployment, or malformed
	StateExpired StateProblem = "expired" // older than StateTTL
	StateUsed    StateProblem = "used"    // a callback already consumed it
	StateForeign StateProblem = "foreign" // issued for another tenant or connection
)

// StateError is a rejected callback state. It never contains the state.
type StateError struct {
	Key     connection.Key
	Problem StateProblem
}

func (e *StateError) Error() string {
	return fmt.Sprintf("OAuth state for connection %s rejected (%s): start the connection again to get a new authorize link",
		e.Key, e.Problem)
}

// StateStore keeps OAuth state values in DynamoDB under PK=STATE#<state>,
// SK=STATE, each bound to one connection and consumed at most once. The
// expiresAt attribute lets DynamoDB's TTL delete old ones, but Consume
// checks the expiry itself because TTL deletion runs late.
type StateStore struct {
	Table *store.Table
	// TTL is the lifetime of a state; zero means StateTTL.
	TTL time.Duration
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

func (s *StateStore) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func stateKey(state string) store.Item { return store.Key("STATE#"+state, "STATE") }

// Create stores a new random state for the connection and returns it.
func (s *StateStore) Create(ctx context.Context, key connection.Key) (string, error) {
	if err := key.Validate(); err != nil {
		return "", err
	}
	buf := make([]byte, stateBytes)
	if _, err := rand.Read(buf); err != nil {
		return "", fmt.Errorf("generate OAuth state: %w", err)
	}
	state := base64.RawURLEncoding.EncodeToString(buf)
	ttl := s.TTL
	if ttl <= 0 {
		ttl = StateTTL
	}
	now := s.now()
	item := stateKey(state)
	item["tenant"] = store.S(key.Tenant)
	item["connectionId"] = store.S(key.ID)
	item["createdAt"] = store.S(now.UTC().Format(time.RFC3339))
	item[store.AttrExpiresAt] = store.N(now.Add(ttl).Unix())
	_, err := s.Table.Client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:           &s.Table.Name,
		Item:                item,
		ConditionExpression: aws.String("attribute_not_exists(PK)"),
	})
	if err != nil {
		return "", fmt.Errorf("store OAuth state for %s in table %s: %w", key, s.Table.Name, err)
	}
	return state, nil
}

// Consume marks the state used if it was issued for key, is unexpired and
// was not used before. Otherwise it returns a *StateError and leaves the
// state as it was, so a foreign callback cannot spend another connection's
// state. The used item stays until TTL removes it, so that a second use is
// distinguished from an unknown state.
func (s *StateStore) Consume(ctx context.Context, state string, key connection.Key) error {
	if state == "" {
		return &StateError{Key: key, Problem: StateMissing}
	}
	if !statePattern.MatchString(state) {
		return &StateError{Key: key, Problem: StateUnknown}
	}
	now := s.now()
	_, err := s.Table.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:        &s.Table.Name,
		Key:              stateKey(state),
		UpdateExpression: aws.String("SET usedAt = :usedAt"),
		ConditionExpression: aws.String("attribute_exists(PK) AND attribute_not_exists(usedAt) AND " +
			"expiresAt > :now AND tenant = :tenant AND connectionId = :id"),
		ExpressionAttributeValues: store.Item{
			":usedAt": store.S(now.UTC().Format(time.RFC3339)),
			":now":    store.N(now.Unix()),
			":tenant": store.S(key.Tenant),
			":id":     store.S(key.ID),
		},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	var failed *types.ConditionalCheckFailedException
	if errors.As(err, &failed) {
		return &StateError{Key: key, Problem: rejection(failed.Item, key, now)}
	}
	if err != nil {
		return fmt.Errorf("consume OAuth state for %s in table %s: %w", key, s.Table.Name, err)
	}
	return nil
}

// rejection classifies the stored state item that failed Consume's condition.
func rejection(item store.Item, key connection.Key, now time.Time) StateProblem {
	if item == nil {
		return StateUnknown
	}
	if stringAttr(item, "tenant") != key.Tenant || stringAttr(item, "connectionId") != key.ID {
		return StateForeign
	}
	if _, used := item["usedAt"]; used {
		return StateUsed
	}
	expires, _ := item[store.AttrExpiresAt].(*types.AttributeValueMemberN)
	if expires == nil {
		return StateUnknown
	}
	if at, err := strconv.ParseInt(expires.Value, 10, 64); err != nil || at <= now.Unix() {
		return StateExpired
	}
	return StateUnknown
}

func stringAttr(item store.Item, name string) string {
	if v, ok := item[name].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}
