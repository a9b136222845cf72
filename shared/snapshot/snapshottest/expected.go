// Package snapshottest computes the snapshot a correct sync must produce
// from a simulated site's data, and compares snapshots record by record.
package snapshottest

import (
	"fmt"
	"slices"
	"strings"

	"github.com/idgov/atlassian-cloud-connector/shared/connection"
	"github.com/idgov/atlassian-cloud-connector/shared/jirasim"
	"github.com/idgov/atlassian-cloud-connector/shared/snapshot"
)

// Expected returns the records a full sync of the dataset's site must
// publish under the given user settings, computed directly from the data
// the simulator serves: users filtered by the settings, every group,
// application role and project role as an entitlement, group memberships
// as direct grants, application roles via their groups, and project roles
// directly for user actors and via each group actor's members.
func Expected(d *jirasim.Dataset, settings connection.UserSettings) []snapshot.Record {
	var records []snapshot.Record
	kept := make(map[string]bool, len(d.Users))
	for _, u := range d.Users {
		if !keep(settings, u) {
			continue
		}
		kept[u.AccountID] = true
		records = append(records, snapshot.Record{User: &snapshot.ServiceUser{
			AccountID: u.AccountID, DisplayName: u.DisplayName, Email: u.Email, Active: u.Active,
			AccountType: u.AccountType, Locale: u.Locale, TimeZone: u.TimeZone,
		}})
	}
	members := make(map[string][]string, len(d.Groups))
	for _, g := range d.Groups {
		id := snapshot.GroupEntitlementID(g.GroupID)
		records = append(records, snapshot.Record{Entitlement: &snapshot.Entitlement{
			ID: id, Kind: snapshot.KindGroup, Name: g.Name, GroupID: g.GroupID,
		}})
		for _, m := range g.Members {
			if kept[m] {
				members[g.GroupID] = append(members[g.GroupID], m)
				records = append(records, grant(m, id, snapshot.ViaDirect))
			}
		}
	}
	for _, r := range d.AppRoles {
		id := snapshot.AppRoleEntitlementID(r.Key)
		records = append(records, snapshot.Record{Entitlement: &snapshot.Entitlement{
			ID: id, Kind: snapshot.KindApplicationRole, Name: r.Name, AppRoleKey: r.Key,
		}})
		for _, g := range r.GroupIDs {
			for _, m := range members[g] {
				records = append(records, grant(m, id, snapshot.ViaGroup(g)))
			}
		}
	}
	for _, p := range d.Projects {
		for _, role := range d.Roles {
			id := snapshot.ProjectRoleEntitlementID(p.ID, role.ID)
			records = append(records, snapshot.Record{Entitlement: &snapshot.Entitlement{
				ID: id, Kind: snapshot.KindProjectRole, Name: p.Key + " " + role.Name,
				ProjectID: p.ID, ProjectKey: p.Key, ProjectName: p.Name, RoleID: role.ID, RoleName: role.Name,
			}})
			actors := d.RoleActors[jirasim.ProjectRole{ProjectID: p.ID, RoleID: role.ID}]
			for _, a := range actors.AccountIDs {
				if kept[a] {
					records = append(records, grant(a, id, snapshot.ViaDirect))
				}
			}
			for _, g := range actors.GroupIDs {
				for _, m := range members[g] {
					records = append(records, grant(m, id, snapshot.ViaGroup(g)))
				}
			}
		}
	}
	return dedupe(records)
}

func keep(s connection.UserSettings, u jirasim.User) bool {
	switch {
	case !u.Active && !s.IncludeInactive:
		return false
	case u.AccountType == "app" && !s.IncludeApp:
		return false
	case u.AccountType == "customer" && !s.IncludeCustomers:
		return false
	}
	return true
}

func grant(accountID, entitlementID, via string) snapshot.Record {
	return snapshot.Record{Grant: &snapshot.Grant{AccountID: accountID, EntitlementID: entitlementID, Via: via}}
}

// dedupe sorts records by sort key and drops repeats, as storage keyed by
// sort key does.
func dedupe(records []snapshot.Record) []snapshot.Record {
	slices.SortFunc(records, func(a, b snapshot.Record) int { return strings.Compare(a.SortKey(), b.SortKey()) })
	return slices.CompactFunc(records, func(a, b snapshot.Record) bool { return a.SortKey() == b.SortKey() })
}

// Diff compares two record sets as JSON Lines and returns up to max
// differences, each naming the record and how it differs; none means equal.
func Diff(want, got []snapshot.Record, max int) []string {
	index := func(rs []snapshot.Record) map[string]string {
		m := make(map[string]string, len(rs))
		for _, r := range rs {
			m[r.SortKey()] = string(snapshot.MarshalLine(r))
		}
		return m
	}
	w, g := index(want), index(got)
	var diffs []string
	keys := make([]string, 0, len(w)+len(g))
	for k := range w {
		keys = append(keys, k)
	}
	for k := range g {
		if _, ok := w[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		if len(diffs) >= max {
			diffs = append(diffs, "…")
			break
		}
		switch wl, gl := w[k], g[k]; {
		case gl == "":
			diffs = append(diffs, fmt.Sprintf("missing %s", strings.TrimSpace(wl)))
		case wl == "":
			diffs = append(diffs, fmt.Sprintf("unexpected %s", strings.TrimSpace(gl)))
		case wl != gl:
			diffs = append(diffs, fmt.Sprintf("differs: want %s got %s", strings.TrimSpace(wl), strings.TrimSpace(gl)))
		}
	}
	return diffs
}
