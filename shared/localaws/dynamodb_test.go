package localaws

import (
	"context"
	"errors"
	"net"
	"net/url"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

func TestDynamoDBForTestStoresItems(t *testing.T) {
	client := DynamoDBForTest(t)
	ctx := context.Background()
	table := TableNameForTest(t)

	_, err := client.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String(table),
		BillingMode:          types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("PK"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("PK"), KeyType: types.KeyTypeHash}},
	})
	if err != nil {
		t.Fatalf("CreateTable: %v", err)
	}
	_, err = client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(table),
		Item: map[string]types.AttributeValue{
			"PK":    &types.AttributeValueMemberS{Value: "T#acme#C#atlassian-cloud"},
			"Count": &types.AttributeValueMemberN{Value: "7"},
		},
		ConditionExpression: aws.String("attribute_not_exists(PK)"),
	})
	if err != nil {
		t.Fatalf("PutItem: %v", err)
	}

	out, err := client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(table),
		Key:            map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: "T#acme#C#atlassian-cloud"}},
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		t.Fatalf("GetItem: %v", err)
	}
	count, ok := out.Item["Count"].(*types.AttributeValueMemberN)
	if !ok || count.Value != "7" {
		t.Errorf("GetItem Count = %#v, want N 7", out.Item["Count"])
	}

	_, err = client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:           aws.String(table),
		Item:                map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: "T#acme#C#atlassian-cloud"}},
		ConditionExpression: aws.String("attribute_not_exists(PK)"),
	})
	var conditionFailed *types.ConditionalCheckFailedException
	if !errors.As(err, &conditionFailed) {
		t.Errorf("second conditional PutItem error = %v, want ConditionalCheckFailedException", err)
	}
}

func TestStartDynamoDBLocalStop(t *testing.T) {
	if err := CheckLoopbackOnly(); err != nil {
		_, startErr := StartDynamoDBLocal(context.Background())
		if !errors.Is(startErr, ErrNotIsolated) {
			t.Fatalf("StartDynamoDBLocal outside an isolated namespace: error = %v, want ErrNotIsolated", startErr)
		}
		skipOrFail(t, err, "")
	}
	db, err := StartDynamoDBLocal(context.Background())
	if err != nil {
		t.Fatalf("StartDynamoDBLocal: %v", err)
	}
	endpoint, err := url.Parse(db.Endpoint())
	if err != nil {
		t.Fatalf("Endpoint %q: %v", db.Endpoint(), err)
	}
	if endpoint.Hostname() != "127.0.0.1" {
		t.Errorf("Endpoint host = %q, want 127.0.0.1", endpoint.Hostname())
	}

	if err := db.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if !db.child.exited() {
		t.Errorf("java process still running after Stop")
	}
	conn, err := net.DialTimeout("tcp", endpoint.Host, time.Second)
	if err == nil {
		conn.Close()
		t.Errorf("dial %s after Stop succeeded, want connection refused", endpoint.Host)
	}
	if err := db.Stop(); err != nil {
		t.Errorf("second Stop: %v", err)
	}
}

func TestTableNameForTestUnique(t *testing.T) {
	first := TableNameForTest(t)
	second := TableNameForTest(t)
	if first == second {
		t.Errorf("TableNameForTest returned %q twice", first)
	}
	if len(first) < 3 || len(first) > 255 {
		t.Errorf("TableNameForTest length = %d, want 3..255", len(first))
	}
}
