package provision

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/idgov/atlassian-cloud-connector/shared/connection"
	"github.com/idgov/atlassian-cloud-connector/shared/store/storetest"
)

func testLedger(t *testing.T) *ledger {
	t.Helper()
	return &ledger{table: storetest.NewTable(t), retention: time.Hour, lease: time.Minute}
}

func testRequest(id, groupID string) Request {
	return Request{
		Key: connection.Key{Tenant: "acme", ID: "atlassian-cloud"}, RequestID: id, Actor: "tester",
		Action: Action{Operation: OpAddGroupMember, GroupID: groupID, AccountID: "557058:a"},
	}
}

func TestLedgerReplaysCompletedRequest(t *testing.T) {
	l := testLedger(t)
	ctx := context.Background()
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	req := testRequest("r1", "g1")
	c, replay, err := l.claim(ctx, req, start)
	if err != nil || replay != nil {
		t.Fatalf("first claim = %v, %v, want a claim", replay, err)
	}
	result := &Result{RequestID: "r1", Changed: true, Outcome: OutcomeAdded, DecidedBy: DecidedByResponse, StartedAt: start}
	if err := l.complete(ctx, c, result, start.Add(time.Second)); err != nil {
		t.Fatalf("complete: %v", err)
	}

	_, replay, err = l.claim(ctx, req, start.Add(2*time.Hour))
	if err != nil {
		t.Fatalf("repeat claim: %v", err)
	}
	if replay == nil || !replay.Replayed || replay.Outcome != OutcomeAdded || !replay.StartedAt.Equal(start) {
		t.Errorf("repeat = %+v, want the first result, replayed", replay)
	}
}

func TestLedgerRejectsReusedIDAndRunningRequest(t *testing.T) {
	l := testLedger(t)
	ctx := context.Background()
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	if _, _, err := l.claim(ctx, testRequest("r1", "g1"), start); err != nil {
		t.Fatalf("first claim: %v", err)
	}
	tests := []struct {
		name string
		req  Request
		code string
	}{
		{"same payload while running", testRequest("r1", "g1"), CodeInProgress},
		{"other payload", testRequest("r1", "g2"), CodeConflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, replay, err := l.claim(ctx, tt.req, start.Add(10*time.Second))
			if replay != nil {
				t.Fatalf("claim replayed %+v, want error %s", replay, tt.code)
			}
			var own *Error
			if !errors.As(err, &own) || own.Code != tt.code {
				t.Errorf("claim error = %v, want code %s", err, tt.code)
			}
		})
	}
}

func TestLedgerTakesOverExpiredLease(t *testing.T) {
	l := testLedger(t)
	ctx := context.Background()
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	req := testRequest("r1", "g1")
	if _, _, err := l.claim(ctx, req, start); err != nil {
		t.Fatalf("first claim: %v", err)
	}
	later := start.Add(l.lease + time.Second)
	c, replay, err := l.claim(ctx, req, later)
	if err != nil || replay != nil {
		t.Fatalf("claim after the lease = %v, %v, want a new claim", replay, err)
	}
	if !c.startedAt.Equal(later) {
		t.Errorf("new claim started at %v, want %v", c.startedAt, later)
	}
	records, _, err := l.list(ctx, req.Key, "", 10)
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	if len(records) != 2 {
		t.Fatalf("action log has %d entries, want 2", len(records))
	}
	if records[0].Status != StatusInProgress {
		t.Errorf("newest entry status = %q, want %q", records[0].Status, StatusInProgress)
	}
	if records[1].Status != StatusAbandoned {
		t.Errorf("first attempt status = %q, want %q", records[1].Status, StatusAbandoned)
	}
}

func TestLedgerFailReleasesID(t *testing.T) {
	l := testLedger(t)
	ctx := context.Background()
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	c, _, err := l.claim(ctx, testRequest("r1", "g1"), start)
	if err != nil {
		t.Fatalf("claim: %v", err)
	}
	if err := l.fail(ctx, c, ErrorEntry{Code: CodeNotFound, Field: "groupId", Message: "group g1 does not exist"}, start.Add(time.Second)); err != nil {
		t.Fatalf("fail: %v", err)
	}
	if _, replay, err := l.claim(ctx, testRequest("r1", "g2"), start.Add(2*time.Second)); err != nil || replay != nil {
		t.Errorf("claim with another payload after a failure = %v, %v, want a new claim", replay, err)
	}
	records, _, err := l.list(ctx, c.key, "", 10)
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	if len(records) != 2 || records[1].Status != StatusFailed || records[1].Error == nil || records[1].Error.Code != CodeNotFound {
		t.Errorf("action log = %+v, want the failed attempt with its error after the new one", records)
	}
}
