// Package storetest gives tests a fresh table of the bundle's schema in a
// real DynamoDB implementation (DynamoDB Local).
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"testing"
	"time"

	"github.com/idgov/atlassian-cloud-connector/shared/localaws"
	"github.com/idgov/atlassian-cloud-connector/shared/store"
)

// NewTable creates a uniquely named table for one test in the shared
// DynamoDB Local instance.
func NewTable(t testing.TB) *store.Table {
	t.Helper()
	client := localaws.DynamoDBForTest(t)
	var b [6]byte
	_, _ = rand.Read(b[:])
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	table, err := store.CreateTable(ctx, client, "test-"+hex.EncodeToString(b[:]))
	if err != nil {
		t.Fatalf("create test table: %v", err)
	}
	return table
}
