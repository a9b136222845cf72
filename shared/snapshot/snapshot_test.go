package snapshot_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/idgov/atlassian-cloud-connector/shared/snapshot"
	"github.com/idgov/atlassian-cloud-connector/shared/store"
	"github.com/idgov/atlassian-cloud-connector/shared/store/storetest"
)

func email(s string) *string { return &s }

func sampleRecords(users int) []snapshot.Record {
	var rs []snapshot.Record
	for i := range users {
		id := fmt.Sprintf("557058:%04d", i)
		rs = append(rs,
			snapshot.Record{User: &snapshot.ServiceUser{AccountID: id, DisplayName: "User " + id, Active: true, AccountType: "atlassian"}},
			snapshot.Record{Grant: &snapshot.Grant{AccountID: id, EntitlementID: snapshot.GroupEntitlementID("g1"), Via: snapshot.ViaDirect}},
		)
	}
	rs = append(rs, snapshot.Record{Entitlement: &snapshot.Entitlement{
		ID: snapshot.GroupEntitlementID("g1"), Kind: snapshot.KindGroup, Name: "jira-users", GroupID: "g1"}})
	return rs
}

func TestReadPageReturnsEveryRecordOnce(t *testing.T) {
	table := storetest.NewTable(t)
	ctx := context.Background()
	records := sampleRecords(137)
	if _, err := snapshot.Write(ctx, table, "run1", 0, records); err != nil {
		t.Fatalf("Write: %v", err)
	}
	for _, limit := range []int{1, 7, 50, 1000} {
		t.Run(fmt.Sprint("limit", limit), func(t *testing.T) {
			seen := map[string]int{}
			cursor := snapshot.Cursor{}
			for pages := 0; ; pages++ {
				if pages > 1000 {
					t.Fatal("paging did not end")
				}
				page, next, err := snapshot.ReadPage(ctx, table, "run1", snapshot.TypeServiceUser, cursor, limit)
				if err != nil {
					t.Fatalf("ReadPage: %v", err)
				}
				if len(page) > limit {
					t.Fatalf("page of %d records exceeds limit %d", len(page), limit)
				}
				for _, r := range page {
					if r.User == nil {
						t.Fatalf("record %s is not a user", r.SortKey())
					}
					seen[r.User.AccountID]++
				}
				if next == nil {
					break
				}
				cursor = *next
			}
			if len(seen) != 137 {
				t.Errorf("users read = %d, want 137", len(seen))
			}
			for id, n := range seen {
				if n != 1 {
					t.Errorf("user %s read %d times", id, n)
				}
			}
		})
	}
}

func TestReadPageRejectsBadCursor(t *testing.T) {
	table := storetest.NewTable(t)
	_, _, err := snapshot.ReadPage(context.Background(), table, "run1", snapshot.TypeGrant, snapshot.Cursor{Shard: 99}, 10)
	if err == nil || !strings.Contains(err.Error(), "shard 99") {
		t.Errorf("error = %v, want one naming shard 99", err)
	}
	_, _, err = snapshot.ReadPage(context.Background(), table, "run1", "widgets", snapshot.Cursor{}, 10)
	if err == nil || !strings.Contains(err.Error(), "widgets") {
		t.Errorf("error = %v, want one naming the type", err)
	}
}

func TestDiffShardFindsEveryKindOfChange(t *testing.T) {
	table := storetest.NewTable(t)
	ctx := context.Background()
	before := []snapshot.Record{
		{User: &snapshot.ServiceUser{AccountID: "a", DisplayName: "Ann", Email: email("ann@example.com"), Active: true, AccountType: "atlassian"}},
		{User: &snapshot.ServiceUser{AccountID: "b", DisplayName: "Bob", Active: true, AccountType: "atlassian"}},
		{Entitlement: &snapshot.Entitlement{ID: "group:g1", Kind: snapshot.KindGroup, Name: "old name", GroupID: "g1"}},
		{Grant: &snapshot.Grant{AccountID: "b", EntitlementID: "group:g1", Via: snapshot.ViaDirect}},
	}
	after := []snapshot.Record{
		{User: &snapshot.ServiceUser{AccountID: "a", DisplayName: "Ann", Email: nil, Active: false, AccountType: "atlassian"}},
		{User: &snapshot.ServiceUser{AccountID: "c", DisplayName: "Cat", Active: true, AccountType: "app"}},
		{Entitlement: &snapshot.Entitlement{ID: "group:g1", Kind: snapshot.KindGroup, Name: "new name", GroupID: "g1"}},
		{Grant: &snapshot.Grant{AccountID: "c", EntitlementID: "group:g1", Via: snapshot.ViaDirect}},
	}
	if _, err := snapshot.Write(ctx, table, "old", 0, before); err != nil {
		t.Fatal(err)
	}
	if _, err := snapshot.Write(ctx, table, "new", 0, after); err != nil {
		t.Fatal(err)
	}
	var total snapshot.ShardDiff
	for shard := range snapshot.Shards {
		d, err := snapshot.DiffShard(ctx, table, "old", "new", shard, 0)
		if err != nil {
			t.Fatalf("DiffShard(%d): %v", shard, err)
		}
		total.Counts.Add(d.Counts)
		total.Changes.Add(d.Changes)
	}
	if want := (snapshot.Counts{Users: 2, Entitlements: 1, Grants: 1}); total.Counts != want {
		t.Errorf("counts = %+v, want %+v", total.Counts, want)
	}
	if want := (snapshot.ChangeCounts{Added: 2, Removed: 2, Changed: 1, Renamed: 1}); total.Changes != want {
		t.Errorf("change counts = %+v, want %+v", total.Changes, want)
	}
	changes := readAllChanges(t, table, "new")
	got := map[string]string{}
	for _, c := range changes {
		got[c.Key] = c.Op + " " + strings.Join(c.Fields, ",")
	}
	want := map[string]string{
		"U#a":                 "changed emailAddress,active",
		"U#b":                 "removed ",
		"U#c":                 "added ",
		"E#group:g1":          "renamed name",
		"G#b#group:g1#direct": "removed ",
		"G#c#group:g1#direct": "added ",
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("change of %s = %q, want %q", k, got[k], w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("changes = %v, want exactly %v", got, want)
	}
}

func TestDiffShardWithoutPreviousRecordsNoChanges(t *testing.T) {
	table := storetest.NewTable(t)
	ctx := context.Background()
	if _, err := snapshot.Write(ctx, table, "first", 0, sampleRecords(20)); err != nil {
		t.Fatal(err)
	}
	var counts snapshot.Counts
	for shard := range snapshot.Shards {
		d, err := snapshot.DiffShard(ctx, table, "", "first", shard, 0)
		if err != nil {
			t.Fatal(err)
		}
		counts.Add(d.Counts)
		if d.Changes != (snapshot.ChangeCounts{}) {
			t.Errorf("shard %d changes = %+v, want none for a first snapshot", shard, d.Changes)
		}
	}
	if want := (snapshot.Counts{Users: 20, Entitlements: 1, Grants: 20}); counts != want {
		t.Errorf("counts = %+v, want %+v", counts, want)
	}
}

func readAllChanges(t *testing.T, tb *store.Table, runID string) []snapshot.Change {
	t.Helper()
	var all []snapshot.Change
	cursor := snapshot.Cursor{}
	for {
		page, next, err := snapshot.ReadChangesPage(context.Background(), tb, runID, cursor, 2)
		if err != nil {
			t.Fatalf("ReadChangesPage: %v", err)
		}
		all = append(all, page...)
		if next == nil {
			return all
		}
		cursor = *next
	}
}

func TestExportJSONLinesHasTypeAndFields(t *testing.T) {
	table := storetest.NewTable(t)
	ctx := context.Background()
	records := sampleRecords(3)
	if _, err := snapshot.Write(ctx, table, "run", 0, records); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	counts, err := snapshot.ExportJSONLines(ctx, table, "run", &buf)
	if err != nil {
		t.Fatalf("ExportJSONLines: %v", err)
	}
	if want := (snapshot.Counts{Users: 3, Entitlements: 1, Grants: 3}); counts != want {
		t.Errorf("counts = %+v, want %+v", counts, want)
	}
	var types []string
	for line := range strings.Lines(buf.String()) {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("line %q is not JSON: %v", line, err)
		}
		types = append(types, m["type"].(string))
		if m["type"] == snapshot.TypeServiceUser {
			if _, ok := m["emailAddress"]; !ok {
				t.Errorf("user line %q lacks emailAddress (null when hidden)", line)
			}
		}
	}
	slices.Sort(types)
	types = slices.Compact(types)
	if want := []string{"entitlement", "grant", "serviceUser"}; !slices.Equal(types, want) {
		t.Errorf("types = %v, want %v", types, want)
	}
}
