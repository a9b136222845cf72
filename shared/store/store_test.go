package store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/idgov/atlassian-cloud-connector/shared/store"
	"github.com/idgov/atlassian-cloud-connector/shared/store/storetest"
)

func TestBatchPutWritesEveryItemOnce(t *testing.T) {
	table := storetest.NewTable(t)
	ctx := context.Background()
	var items []store.Item
	for i := range 1234 {
		items = append(items, store.Item{
			store.AttrPK: store.S("P#" + fmt.Sprint(i%7)), store.AttrSK: store.S(fmt.Sprintf("S#%05d", i)),
		})
	}
	if err := table.BatchPut(ctx, items); err != nil {
		t.Fatalf("BatchPut: %v", err)
	}
	// Writing the same items again overwrites them.
	if err := table.BatchPut(ctx, items); err != nil {
		t.Fatalf("second BatchPut: %v", err)
	}
	total := 0
	for p := range 7 {
		err := table.QueryAll(ctx, &dynamodb.QueryInput{
			KeyConditionExpression:    aws.String("PK = :pk"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": store.S("P#" + fmt.Sprint(p))},
		}, func(page []store.Item) error {
			total += len(page)
			return nil
		})
		if err != nil {
			t.Fatalf("QueryAll: %v", err)
		}
	}
	if total != len(items) {
		t.Errorf("items stored = %d, want %d", total, len(items))
	}
}

func TestBatchDeleteRemovesItems(t *testing.T) {
	table := storetest.NewTable(t)
	ctx := context.Background()
	var keys []store.Item
	for i := range 60 {
		keys = append(keys, store.Key("P", fmt.Sprintf("S#%03d", i)))
	}
	if err := table.BatchPut(ctx, keys); err != nil {
		t.Fatalf("BatchPut: %v", err)
	}
	if err := table.BatchDelete(ctx, keys[:50]); err != nil {
		t.Fatalf("BatchDelete: %v", err)
	}
	out, err := table.Client.Query(ctx, &dynamodb.QueryInput{
		TableName:                 aws.String(table.Name),
		KeyConditionExpression:    aws.String("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": store.S("P")},
	})
	if err != nil {
		t.Fatalf("Query: %v", err)
	}
	if len(out.Items) != 10 {
		t.Errorf("items left = %d, want 10", len(out.Items))
	}
}

func TestCreateTableTwiceSucceeds(t *testing.T) {
	table := storetest.NewTable(t)
	if _, err := store.CreateTable(context.Background(), table.Client, table.Name); err != nil {
		t.Errorf("second CreateTable: %v", err)
	}
}
