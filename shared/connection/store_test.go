package connection

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/idgov/atlassian-cloud-connector/shared/localaws"
	"github.com/idgov/atlassian-cloud-connector/shared/store"
)

func newStore(t *testing.T) *Store {
	t.Helper()
	client := localaws.DynamoDBForTest(t)
	table, err := store.CreateTable(context.Background(), client, localaws.TableNameForTest(t))
	if err != nil {
		t.Fatalf("create table: %v", err)
	}
	return &Store{Table: table}
}

func newConnection(t *testing.T, key Key) Connection {
	t.Helper()
	cfg := validConfig()
	cfg.Key = key
	conn, err := NewConnection(cfg, time.Now())
	if err != nil {
		t.Fatalf("NewConnection: %v", err)
	}
	return conn
}

func TestStoreCreateAndGet(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	key := Key{Tenant: "acme", ID: DefaultID}
	conn := newConnection(t, key)
	if err := s.Create(ctx, conn); err != nil {
		t.Fatalf("Create: %v", err)
	}
	got, err := s.Get(ctx, key)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if got.Key != key {
		t.Errorf("Key = %v, want %v", got.Key, key)
	}
	if got.SiteURL != conn.SiteURL {
		t.Errorf("SiteURL = %q, want %q", got.SiteURL, conn.SiteURL)
	}
	if got.Schedule != conn.Schedule {
		t.Errorf("Schedule = %+v, want %+v", got.Schedule, conn.Schedule)
	}
	if len(got.Scopes) != len(conn.Scopes) {
		t.Errorf("Scopes = %v, want %v", got.Scopes, conn.Scopes)
	}
	if !got.CreatedAt.Equal(conn.CreatedAt) {
		t.Errorf("CreatedAt = %v, want %v", got.CreatedAt, conn.CreatedAt)
	}
	if !got.ConsentedAt.IsZero() {
		t.Errorf("ConsentedAt = %v, want zero before consent", got.ConsentedAt)
	}
}

func TestStoreGetNotFound(t *testing.T) {
	s := newStore(t)
	key := Key{Tenant: "acme", ID: "missing"}
	_, err := s.Get(context.Background(), key)
	var notFound *NotFoundError
	if !errors.As(err, &notFound) {
		t.Fatalf("Get error = %v, want *NotFoundError", err)
	}
	if notFound.Key != key {
		t.Errorf("NotFoundError.Key = %v, want %v", notFound.Key, key)
	}
}

func TestStoreIdentifierNeverReused(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	key := Key{Tenant: "acme", ID: DefaultID}
	if err := s.Create(ctx, newConnection(t, key)); err != nil {
		t.Fatalf("Create: %v", err)
	}
	var taken *IDTakenError
	if err := s.Create(ctx, newConnection(t, key)); !errors.As(err, &taken) {
		t.Errorf("second Create error = %v, want *IDTakenError", err)
	}
	if _, err := s.SetStatus(ctx, key, StatusRemoved, "disconnected by the customer"); err != nil {
		t.Fatalf("SetStatus removed: %v", err)
	}
	// Even with the connection item gone, the reservation keeps the id.
	_, err := s.Table.Client.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName: aws.String(s.Table.Name),
		Key:       store.Key(key.PK(), SKConnection),
	})
	if err != nil {
		t.Fatalf("delete connection item: %v", err)
	}
	if err := s.Create(ctx, newConnection(t, key)); !errors.As(err, &taken) {
		t.Errorf("Create after removal error = %v, want *IDTakenError", err)
	}
	next, err := s.NextIdentifier(ctx, "acme")
	if err != nil {
		t.Fatalf("NextIdentifier: %v", err)
	}
	if next != "atlassian-cloud-2" {
		t.Errorf("NextIdentifier = %q, want atlassian-cloud-2", next)
	}
}

func TestStoreTenantsAreSeparate(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	acme := Key{Tenant: "acme", ID: DefaultID}
	globex := Key{Tenant: "globex", ID: DefaultID}
	if err := s.Create(ctx, newConnection(t, acme)); err != nil {
		t.Fatalf("Create acme: %v", err)
	}
	next, err := s.NextIdentifier(ctx, "globex")
	if err != nil {
		t.Fatalf("NextIdentifier: %v", err)
	}
	if next != DefaultID {
		t.Errorf("NextIdentifier(globex) = %q, want %q", next, DefaultID)
	}
	var notFound *NotFoundError
	if _, err := s.Get(ctx, globex); !errors.As(err, &notFound) {
		t.Errorf("Get(globex) error = %v, want *NotFoundError", err)
	}
	if err := s.Create(ctx, newConnection(t, globex)); err != nil {
		t.Errorf("Create globex with the same identifier: %v", err)
	}
}

func TestStoreNextIdentifierSequence(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	want := []string{"atlassian-cloud", "atlassian-cloud-2", "atlassian-cloud-3"}
	for _, id := range want {
		next, err := s.NextIdentifier(ctx, "acme")
		if err != nil {
			t.Fatalf("NextIdentifier: %v", err)
		}
		if next != id {
			t.Errorf("NextIdentifier = %q, want %q", next, id)
		}
		if err := s.Create(ctx, newConnection(t, Key{Tenant: "acme", ID: next})); err != nil {
			t.Fatalf("Create %s: %v", next, err)
		}
	}
}

// setEngineAttributes writes the attributes the sync engine owns, as it does.
func setEngineAttributes(t *testing.T, s *Store, key Key) {
	t.Helper()
	_, err := s.Table.Client.UpdateItem(context.Background(), &dynamodb.UpdateItemInput{
		TableName:        aws.String(s.Table.Name),
		Key:              store.Key(key.PK(), SKConnection),
		UpdateExpression: aws.String("SET currentRunId = :run, keptRunIds = :kept"),
		ExpressionAttributeValues: store.Item{
			":run":  store.S("run-2"),
			":kept": &types.AttributeValueMemberL{Value: []types.AttributeValue{store.S("run-2"), store.S("run-1")}},
		},
	})
	if err != nil {
		t.Fatalf("set engine attributes: %v", err)
	}
}

func TestStoreUpdatesKeepEngineAttributes(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	key := Key{Tenant: "acme", ID: DefaultID}
	if err := s.Create(ctx, newConnection(t, key)); err != nil {
		t.Fatalf("Create: %v", err)
	}
	setEngineAttributes(t, s, key)
	consented := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	if _, err := s.MarkConnected(ctx, key, "cloud-1", consented); err != nil {
		t.Fatalf("MarkConnected: %v", err)
	}
	users := UserSettings{IncludeInactive: false, IncludeApp: true, IncludeCustomers: false}
	_, err := s.UpdateSettings(ctx, key, Settings{
		Schedule:     Schedule{Expression: "cron(0 3 * * ? *)", TimeZone: "Europe/Berlin"},
		UserSettings: users,
		ReturnURL:    "https://app.example.com/connections",
	})
	if err != nil {
		t.Fatalf("UpdateSettings: %v", err)
	}
	if _, err := s.SetStatus(ctx, key, StatusReconsentRequired, "invalid_grant"); err != nil {
		t.Fatalf("SetStatus: %v", err)
	}
	got, err := s.Get(ctx, key)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if got.CurrentRunID != "run-2" {
		t.Errorf("CurrentRunID = %q, want run-2 kept", got.CurrentRunID)
	}
	if len(got.KeptRunIDs) != 2 {
		t.Errorf("KeptRunIDs = %v, want [run-2 run-1] kept", got.KeptRunIDs)
	}
	if got.CloudID != "cloud-1" {
		t.Errorf("CloudID = %q, want cloud-1", got.CloudID)
	}
	if !got.ConsentedAt.Equal(consented) {
		t.Errorf("ConsentedAt = %v, want %v", got.ConsentedAt, consented)
	}
	if got.UserSettings != users {
		t.Errorf("UserSettings = %+v, want %+v", got.UserSettings, users)
	}
	if got.Schedule.TimeZone != "Europe/Berlin" {
		t.Errorf("Schedule.TimeZone = %q, want Europe/Berlin", got.Schedule.TimeZone)
	}
	if got.ReturnURL != "https://app.example.com/connections" {
		t.Errorf("ReturnURL = %q, want the new one", got.ReturnURL)
	}
	if got.Status != StatusReconsentRequired {
		t.Errorf("Status = %q, want reconsent_required", got.Status)
	}
	if got.StatusReason != "invalid_grant" {
		t.Errorf("StatusReason = %q, want invalid_grant", got.StatusReason)
	}
}

func TestStoreUpdateErrors(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	missing := Key{Tenant: "acme", ID: "missing"}
	var notFound *NotFoundError
	if _, err := s.SetStatus(ctx, missing, StatusConnected, ""); !errors.As(err, &notFound) {
		t.Errorf("SetStatus on a missing connection error = %v, want *NotFoundError", err)
	}
	if _, err := s.MarkConnected(ctx, missing, "cloud", time.Now()); !errors.As(err, &notFound) {
		t.Errorf("MarkConnected on a missing connection error = %v, want *NotFoundError", err)
	}
	key := Key{Tenant: "acme", ID: DefaultID}
	if err := s.Create(ctx, newConnection(t, key)); err != nil {
		t.Fatalf("Create: %v", err)
	}
	if _, err := s.SetStatus(ctx, key, StatusRemoved, ""); err != nil {
		t.Fatalf("SetStatus removed: %v", err)
	}
	if _, err := s.SetStatus(ctx, key, StatusRemoved, "again"); err != nil {
		t.Errorf("removing twice error = %v, want nil", err)
	}
	var removed *RemovedError
	if _, err := s.MarkConnected(ctx, key, "cloud", time.Now()); !errors.As(err, &removed) {
		t.Errorf("MarkConnected on a removed connection error = %v, want *RemovedError", err)
	}
	if _, err := s.SetStatus(ctx, key, StatusConnected, ""); !errors.As(err, &removed) {
		t.Errorf("SetStatus connected on a removed connection error = %v, want *RemovedError", err)
	}
	var invalid *ValidationError
	if _, err := s.SetStatus(ctx, key, Status("paused"), ""); !errors.As(err, &invalid) {
		t.Errorf("SetStatus with an unknown status error = %v, want *ValidationError", err)
	}
	if _, err := s.UpdateSettings(ctx, key, Settings{Schedule: Schedule{Expression: "weekly"}}); !errors.As(err, &invalid) {
		t.Errorf("UpdateSettings with a bad schedule error = %v, want *ValidationError", err)
	}
}
