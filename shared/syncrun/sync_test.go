package syncrun_test

import (
	"fmt"
	"testing"

	"github.com/idgov/atlassian-cloud-connector/shared/connection"
	"github.com/idgov/atlassian-cloud-connector/shared/jirasim"
	"github.com/idgov/atlassian-cloud-connector/shared/snapshot/snapshottest"
	"github.com/idgov/atlassian-cloud-connector/shared/syncrun"
)

func TestFullSyncMatchesGroundTruth(t *testing.T) {
	cases := []struct {
		name     string
		settings *connection.UserSettings
	}{
		{"all accounts", nil},
		{"active atlassian only", &connection.UserSettings{}},
		{"no customers", &connection.UserSettings{IncludeInactive: true, IncludeApp: true}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, jirasim.SizeSmall, tc.settings, syncrun.Config{Lanes: 4})
			summary, err := e.runSync(t, newRunID())
			if err != nil {
				t.Fatalf("sync failed: %v", err)
			}
			if summary.Status != syncrun.StatusSucceeded {
				t.Fatalf("status = %s (%s), want succeeded", summary.Status, summary.Reason)
			}
			settings := connection.DefaultUserSettings()
			if tc.settings != nil {
				settings = *tc.settings
			}
			want := snapshottest.Expected(e.sim.Dataset(), settings)
			got := e.exportRecords(t)
			if diffs := snapshottest.Diff(want, got, 10); len(diffs) > 0 {
				t.Errorf("snapshot differs from the simulator's data:\n%v", diffs)
			}
			t.Logf("summary: %+v", summary)
			total := summary.Counts.Users + summary.Counts.Entitlements + summary.Counts.Grants
			if total != len(want) {
				t.Errorf("summary counts %+v total %d, want %d records", summary.Counts, total, len(want))
			}
		})
	}
}

func TestFullSyncMediumMatchesGroundTruth(t *testing.T) {
	if testing.Short() {
		t.Skip("medium site sync takes about a minute")
	}
	for _, settings := range []connection.UserSettings{connection.DefaultUserSettings(), {}} {
		t.Run(fmt.Sprintf("inactive=%v", settings.IncludeInactive), func(t *testing.T) {
			e := newEnv(t, jirasim.SizeMedium, &settings, syncrun.Config{Lanes: 8})
			summary, err := e.runSync(t, newRunID())
			if err != nil {
				t.Fatalf("sync failed: %v", err)
			}
			t.Logf("summary: %+v", summary)
			want := snapshottest.Expected(e.sim.Dataset(), settings)
			if diffs := snapshottest.Diff(want, e.exportRecords(t), 10); len(diffs) > 0 {
				t.Errorf("snapshot differs from the simulator's data:\n%v", diffs)
			}
		})
	}
}
