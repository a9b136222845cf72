package snapshot_test

import (
	"context"
	"slices"
	"testing"

	"github.com/idgov/atlassian-cloud-connector/shared/snapshot"
	"github.com/idgov/atlassian-cloud-connector/shared/store/storetest"
)

func TestGetFindsRecordBySortKey(t *testing.T) {
	table := storetest.NewTable(t)
	ctx := context.Background()
	if _, err := snapshot.Write(ctx, table, "run1", 0, sampleRecords(3)); err != nil {
		t.Fatalf("Write: %v", err)
	}
	tests := []struct {
		name     string
		runID    string
		sortKey  string
		wantType string
	}{
		{"user", "run1", snapshot.ServiceUser{AccountID: "557058:0001"}.SortKey(), snapshot.TypeServiceUser},
		{"entitlement", "run1", snapshot.Entitlement{ID: snapshot.GroupEntitlementID("g1")}.SortKey(), snapshot.TypeEntitlement},
		{"grant", "run1", snapshot.Grant{AccountID: "557058:0002", EntitlementID: "group:g1", Via: snapshot.ViaDirect}.SortKey(), snapshot.TypeGrant},
		{"absent user", "run1", snapshot.ServiceUser{AccountID: "557058:9999"}.SortKey(), ""},
		{"other run", "run2", snapshot.ServiceUser{AccountID: "557058:0001"}.SortKey(), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, found, err := snapshot.Get(ctx, table, tt.runID, tt.sortKey)
			if err != nil {
				t.Fatalf("Get: %v", err)
			}
			if found != (tt.wantType != "") {
				t.Fatalf("found = %v, want %v", found, tt.wantType != "")
			}
			if found && r.Type() != tt.wantType {
				t.Errorf("type = %q, want %q", r.Type(), tt.wantType)
			}
			if found && r.SortKey() != tt.sortKey {
				t.Errorf("sort key = %q, want %q", r.SortKey(), tt.sortKey)
			}
		})
	}
}

func TestUserGrantsReadsEveryShard(t *testing.T) {
	table := storetest.NewTable(t)
	ctx := context.Background()
	const account = "557058:abc"
	var records []snapshot.Record
	var want []string
	// Forty entitlements spread the user's grants over many shards.
	for i := range 40 {
		g := snapshot.Grant{AccountID: account, EntitlementID: snapshot.GroupEntitlementID(string(rune('a'+i%26)) + string(rune('a'+i/26))), Via: snapshot.ViaDirect}
		records = append(records, snapshot.Record{Grant: &g})
		want = append(want, g.SortKey())
	}

	// A user whose id extends the first one's must not match its prefix.
	records = append(records,
		snapshot.Record{Grant: &snapshot.Grant{AccountID: account + "x", EntitlementID: "group:zz", Via: snapshot.ViaDirect}},
		snapshot.Record{User: &snapshot.ServiceUser{AccountID: account, DisplayName: "A", Active: true, AccountType: "atlassian"}},
	)
	if _, err := snapshot.Write(ctx, table, "run1", 0, records); err != nil {
		t.Fatalf("Write: %v", err)
	}

	shards := map[int]bool{}
	for _, sk := range want {
		shards[snapshot.ShardOf(sk)] = true
	}
	if len(shards) < 8 {
		t.Fatalf("the test grants cover only %d shards; pick other ids", len(shards))
	}
	grants, err := snapshot.UserGrants(ctx, table, "run1", account)
	if err != nil {
		t.Fatalf("UserGrants: %v", err)
	}
	var got []string
	for _, g := range grants {
		got = append(got, g.SortKey())
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("grants = %v, want %v", got, want)
	}
}

func TestDeleteRemovesRecordsOnly(t *testing.T) {
	table := storetest.NewTable(t)
	ctx := context.Background()
	if _, err := snapshot.Write(ctx, table, "run1", 0, sampleRecords(4)); err != nil {
		t.Fatalf("Write: %v", err)
	}
	deleted := snapshot.ServiceUser{AccountID: "557058:0001"}.SortKey()
	grant := snapshot.Grant{AccountID: "557058:0001", EntitlementID: "group:g1", Via: snapshot.ViaDirect}.SortKey()
	absent := snapshot.ServiceUser{AccountID: "557058:9999"}.SortKey()
	n, err := snapshot.Delete(ctx, table, "run1", []string{deleted, grant, grant, absent})
	if err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if n != 3 {
		t.Errorf("keys sent = %d, want 3 (duplicates dropped)", n)
	}
	for _, sk := range []string{deleted, grant} {
		if _, found, err := snapshot.Get(ctx, table, "run1", sk); err != nil || found {
			t.Errorf("%s: found = %v, err = %v after Delete, want gone", sk, found, err)
		}
	}
	remaining := snapshot.ServiceUser{AccountID: "557058:0002"}.SortKey()
	if _, found, err := snapshot.Get(ctx, table, "run1", remaining); err != nil || !found {
		t.Errorf("%s: found = %v, err = %v, want kept", remaining, found, err)
	}
}
