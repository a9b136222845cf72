package ondemand_test

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/idgov/atlassian-cloud-connector/shared/jirasim"
	"github.com/idgov/atlassian-cloud-connector/shared/ondemand"
	"github.com/idgov/atlassian-cloud-connector/shared/provision"
	"github.com/idgov/atlassian-cloud-connector/shared/snapshot"
	"github.com/idgov/atlassian-cloud-connector/shared/syncrun"
)

const (
	provisionConnection = "atlassian-cloud"
	testActor           = "platform-user:tester"
	adminsGroupName     = "jira-admins-acme" // grants jira-software and is every project's Administrators actor
)

// newSyncedEnv returns a stack with a connected connection and a current
// snapshot.
func newSyncedEnv(t *testing.T) *env {
	t.Helper()
	e := newEnv(t, envOptions{})
	e.connected(t, provisionConnection)
	status := e.syncNow(t, provisionConnection)
	if status.Run == nil || status.Run.Status != syncrun.StatusSucceeded {
		t.Fatalf("first sync did not succeed: %+v\nlogs:\n%s", status.Run, e.logs.String())
	}
	return e
}

func newRequestID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return "req-" + hex.EncodeToString(b[:])
}

// provision sends a provisioning request with a new request ID and the
// test actor, unless fields set them.
func (e *env) provision(t *testing.T, operation string, fields map[string]any) response {
	t.Helper()
	all := map[string]any{"requestId": newRequestID(), "actor": testActor}
	maps.Copy(all, fields)
	return e.invoke(t, request(operation, provisionConnection, all))
}

// provisioned sends a request that must succeed and returns its result.
func (e *env) provisioned(t *testing.T, operation string, fields map[string]any) provision.Result {
	t.Helper()
	return must[provision.Result](t, e.provision(t, operation, fields))
}

type rawPage struct {
	Items         []json.RawMessage `json:"items"`
	NextPageToken string            `json:"nextPageToken"`
}

// listAll pages through one list operation of the current snapshot and
// decodes every item as T.
func listAll[T any](t *testing.T, e *env, operation string) []T {
	t.Helper()
	var all []T
	token := ""
	for range 1000 {
		fields := map[string]any{"pageSize": ondemand.MaxPageSize}
		if token != "" {
			fields["pageToken"] = token
		}
		page := must[rawPage](t, e.invoke(t, request(operation, provisionConnection, fields)))
		for _, raw := range page.Items {
			var v T
			if err := json.Unmarshal(raw, &v); err != nil {
				t.Fatalf("decode %s item: %v: %s", operation, err, raw)
			}
			all = append(all, v)
		}
		if page.NextPageToken == "" {
			return all
		}
		token = page.NextPageToken
	}
	t.Fatalf("%s did not end after 1000 pages", operation)
	return nil
}

// grantsOf returns the grants of one account in the current snapshot, as
// "<entitlement id> via <via>".
func (e *env) grantsOf(t *testing.T, accountID string) []string {
	t.Helper()
	var out []string
	for _, g := range listAll[snapshot.Grant](t, e, ondemand.OpListGrants) {
		if g.AccountID == accountID {
			out = append(out, g.EntitlementID+" via "+g.Via)
		}
	}
	slices.Sort(out)
	return out
}

func (e *env) snapshotHasUser(t *testing.T, accountID string) bool {
	t.Helper()
	for _, u := range listAll[snapshot.ServiceUser](t, e, ondemand.OpListServiceUsers) {
		if u.AccountID == accountID {
			return true
		}
	}
	return false
}

func (e *env) snapshotEntitlement(t *testing.T, id string) (snapshot.Entitlement, bool) {
	t.Helper()
	for _, en := range listAll[snapshot.Entitlement](t, e, ondemand.OpListEntitlements) {
		if en.ID == id {
			return en, true
		}
	}
	return snapshot.Entitlement{}, false
}

// exportAll returns every record of the current snapshot as sorted JSON
// lines, to show that a failed request left it untouched.
func (e *env) exportAll(t *testing.T) []string {
	t.Helper()
	var lines []string
	for _, op := range []string{ondemand.OpListServiceUsers, ondemand.OpListEntitlements, ondemand.OpListGrants} {
		for _, raw := range listAll[json.RawMessage](t, e, op) {
			lines = append(lines, string(raw))
		}
	}
	slices.Sort(lines)
	return lines
}

// groupNamed returns the live group with this name.
func (e *env) groupNamed(t *testing.T, name string) jirasim.Group {
	t.Helper()
	for _, g := range e.sim.Dataset().Groups {
		if g.Name == name {
			return g
		}
	}
	t.Fatalf("the dataset has no group %q", name)
	return jirasim.Group{}
}

// userWhere returns the first live user for which keep is true.
func (e *env) userWhere(t *testing.T, what string, keep func(jirasim.User) bool) jirasim.User {
	t.Helper()
	for _, u := range e.sim.Dataset().Users {
		if !u.Erased && keep(u) {
			return u
		}
	}
	t.Fatalf("the dataset has no %s", what)
	return jirasim.User{}
}

// activeNonMember returns an active atlassian user outside the group.
func (e *env) activeNonMember(t *testing.T, g jirasim.Group) jirasim.User {
	t.Helper()
	return e.userWhere(t, "active user outside "+g.Name, func(u jirasim.User) bool {
		return u.Active && u.AccountType == "atlassian" && !slices.Contains(g.Members, u.AccountID)
	})
}

// groupGrants returns what a member holds through the group in the live
// dataset, as grantsOf spells it: the group itself, the application roles
// it grants and the project roles it is an actor of.
func (e *env) groupGrants(groupID string) []string {
	d := e.sim.Dataset()
	via := snapshot.ViaGroup(groupID)
	out := []string{snapshot.GroupEntitlementID(groupID) + " via " + snapshot.ViaDirect}
	for _, role := range d.AppRoles {
		if slices.Contains(role.GroupIDs, groupID) {
			out = append(out, snapshot.AppRoleEntitlementID(role.Key)+" via "+via)
		}
	}
	for pr, actors := range d.RoleActors {
		if slices.Contains(actors.GroupIDs, groupID) {
			out = append(out, snapshot.ProjectRoleEntitlementID(pr.ProjectID, pr.RoleID)+" via "+via)
		}
	}
	slices.Sort(out)
	return out
}

// without returns the items of list that are not in drop.
func without(list, drop []string) []string {
	var out []string
	for _, item := range list {
		if !slices.Contains(drop, item) {
			out = append(out, item)
		}
	}
	return out
}

// isMember reads the simulator's live data.
func (e *env) isMember(groupID, accountID string) bool {
	for _, g := range e.sim.Dataset().Groups {
		if g.GroupID == groupID {
			return slices.Contains(g.Members, accountID)
		}
	}
	return false
}

// countRequests counts the requests the simulator received with this
// method and a path that ends with suffix.
func (e *env) countRequests(method, suffix string) int {
	n := 0
	for _, r := range e.sim.Requests() {
		if r.Method == method && strings.HasSuffix(r.Path, suffix) {
			n++
		}
	}
	return n
}

// wantResult checks the decision fields of a result.
func wantResult(t *testing.T, r provision.Result, changed bool, outcome, decidedBy string) {
	t.Helper()
	if r.Changed != changed {
		t.Errorf("changed = %v, want %v", r.Changed, changed)
	}
	if r.Outcome != outcome {
		t.Errorf("outcome = %q, want %q", r.Outcome, outcome)
	}
	if r.DecidedBy != decidedBy {
		t.Errorf("decidedBy = %q, want %q", r.DecidedBy, decidedBy)
	}
}
