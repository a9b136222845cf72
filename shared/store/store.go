// Package store is the bundle's single DynamoDB table: its key schema, its
// creation for local runs, and batch writes that retry unprocessed items.
package store

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Attribute names of the table's keys, its sparse index and its TTL.
const (
	AttrPK        = "PK"
	AttrSK        = "SK"
	AttrGSI1PK    = "GSI1PK"
	AttrGSI1SK    = "GSI1SK"
	AttrExpiresAt = "expiresAt" // epoch seconds; DynamoDB TTL deletes the item after it
	GSI1          = "GSI1"
)

// maxBatchWrite is DynamoDB's limit of items in one BatchWriteItem call.
const maxBatchWrite = 25

// Table is the bundle's DynamoDB table.
type Table struct {
	Client *dynamodb.Client
	Name   string
}

// TableNameFromEnv returns TABLE_NAME, or an error that says to set it.
func TableNameFromEnv() (string, error) {
	name := os.Getenv("TABLE_NAME")
	if name == "" {
		return "", errors.New("TABLE_NAME is not set: set it to the DynamoDB table of this deployment")
	}
	return name, nil
}

// Item is one DynamoDB item.
type Item = map[string]types.AttributeValue

// S returns a string attribute value.
func S(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

// N returns a number attribute value.
func N[T ~int | ~int64 | ~int32](v T) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: fmt.Sprint(v)}
}

// Key returns the primary key of an item.
func Key(pk, sk string) Item { return Item{AttrPK: S(pk), AttrSK: S(sk)} }

// BatchPut writes items in batches of 25, retrying unprocessed items with
// capped exponential backoff. Puts overwrite, so repeating a batch is safe.
func (t *Table) BatchPut(ctx context.Context, items []Item) error {
	requests := make([]types.WriteRequest, 0, len(items))
	for _, item := range items {
		requests = append(requests, types.WriteRequest{PutRequest: &types.PutRequest{Item: item}})
	}
	return t.batchWrite(ctx, requests)
}

// BatchDelete deletes the items with the given keys, in batches of 25.
func (t *Table) BatchDelete(ctx context.Context, keys []Item) error {
	requests := make([]types.WriteRequest, 0, len(keys))
	for _, key := range keys {
		requests = append(requests, types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: key}})
	}
	return t.batchWrite(ctx, requests)
}

func (t *Table) batchWrite(ctx context.Context, requests []types.WriteRequest) error {
	for start := 0; start < len(requests); start += maxBatchWrite {
		end := min(start+maxBatchWrite, len(requests))
		if err := t.writeChunk(ctx, requests[start:end]); err != nil {
			return err
		}
	}
	return nil
}

func (t *Table) writeChunk(ctx context.Context, chunk []types.WriteRequest) error {
	const maxAttempts = 10
	pending := chunk
	for attempt := 0; ; attempt++ {
		out, err := t.Client.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{
			RequestItems: map[string][]types.WriteRequest{t.Name: pending},
		})
		if err != nil {
			return fmt.Errorf("batch write of %d items to table %s: %w", len(pending), t.Name, err)
		}
		pending = out.UnprocessedItems[t.Name]
		if len(pending) == 0 {
			return nil
		}
		if attempt+1 >= maxAttempts {
			return &ThrottledError{Table: t.Name, Unprocessed: len(pending), Attempts: maxAttempts}
		}
		if err := sleep(ctx, backoff(attempt)); err != nil {
			return err
		}
	}
}

// backoff returns a full-jitter delay for the given attempt, capped at 5 s.
func backoff(attempt int) time.Duration {
	ceiling := min(50*time.Millisecond<<attempt, 5*time.Second)
	return time.Duration(rand.Int64N(int64(ceiling)) + 1)
}

func sleep(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

// QueryAll runs a query and calls fn for every page of items until the
// results end or fn returns an error.
func (t *Table) QueryAll(ctx context.Context, in *dynamodb.QueryInput, fn func([]Item) error) error {
	in.TableName = aws.String(t.Name)
	paginator := dynamodb.NewQueryPaginator(t.Client, in)
	for paginator.HasMorePages() {
		page, err := paginator.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("query table %s: %w", t.Name, err)
		}
		if err := fn(page.Items); err != nil {
			return err
		}
	}
	return nil
}

// IsConditionFailed reports whether err is a failed condition expression.
func IsConditionFailed(err error) bool {
	var ccf *types.ConditionalCheckFailedException
	return errors.As(err, &ccf)
}

// ThrottledError means DynamoDB kept returning unprocessed items: the table
// or a partition is throttled. Retrying later is safe, because batch puts
// and deletes are idempotent.
type ThrottledError struct {
	Table       string
	Unprocessed int
	Attempts    int
}

func (e *ThrottledError) Error() string {
	return fmt.Sprintf("batch write to table %s: %d items still unprocessed after %d attempts; the table is throttled, retry later",
		e.Table, e.Unprocessed, e.Attempts)
}
