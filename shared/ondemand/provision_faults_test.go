package ondemand_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/idgov/atlassian-cloud-connector/shared/jirasim"
	"github.com/idgov/atlassian-cloud-connector/shared/ondemand"
	"github.com/idgov/atlassian-cloud-connector/shared/provision"
)

func TestRateLimitedWriteIsRetried(t *testing.T) {
	t.Parallel()
	e := newSyncedEnv(t)
	admins := e.groupNamed(t, adminsGroupName)
	user := e.activeNonMember(t, admins)
	e.sim.InjectFault(jirasim.Fault{Method: "POST", Path: "/group/user", Kind: jirasim.FaultStatus, Status: 429, RetryAfter: "0", Count: 2})

	r := e.provisioned(t, ondemand.OpAddGroupMember, map[string]any{"groupId": admins.GroupID, "accountId": user.AccountID})
	wantResult(t, r, true, provision.OutcomeAdded, provision.DecidedByResponse)
	limited := 0
	for _, req := range e.sim.Requests() {
		if req.Method == "POST" && strings.HasSuffix(req.Path, "/group/user") && req.Status == 429 {
			limited++
		}
	}
	if limited != 2 {
		t.Errorf("429 responses to POST /group/user = %d, want 2", limited)
	}
	if !e.isMember(admins.GroupID, user.AccountID) {
		t.Error("Jira: the user is not a member after the retried write")
	}
}

// TestLostResponseIsReadBack covers a timeout after the write reached Jira:
// the write took effect, the response never came, and the read-back
// decides without writing again.
func TestLostResponseIsReadBack(t *testing.T) {
	t.Parallel()
	e := newSyncedEnv(t)
	admins := e.groupNamed(t, adminsGroupName)
	joiner := e.activeNonMember(t, admins)
	leaver := e.userWhere(t, "member of "+adminsGroupName, func(u jirasim.User) bool { return slices.Contains(admins.Members, u.AccountID) })
	project := e.sim.Dataset().Projects[3]
	victim := e.userWhere(t, "user to remove", func(u jirasim.User) bool {
		return u.AccountID != joiner.AccountID && u.AccountID != leaver.AccountID
	})
	tests := []struct {
		name      string
		operation string
		fields    map[string]any
		fault     jirasim.Fault
		path      string
		outcome   string
		decidedBy string
	}{
		{"add member", ondemand.OpAddGroupMember, map[string]any{"groupId": admins.GroupID, "accountId": joiner.AccountID},
			jirasim.Fault{Method: "POST", Path: "/group/user", Kind: jirasim.FaultWriteThenDrop, Count: 1},
			"/group/user", provision.OutcomeAdded, provision.DecidedByReadBack},
		{"remove member", ondemand.OpRemoveGroupMember, map[string]any{"groupId": admins.GroupID, "accountId": leaver.AccountID},
			jirasim.Fault{Method: "DELETE", Path: "/group/user", Kind: jirasim.FaultWriteThenDrop, Count: 1},
			"/group/user", provision.OutcomeRemoved, provision.DecidedByReadBack},
		{"add role actor after 500", ondemand.OpAddProjectRoleActor, map[string]any{"projectIdOrKey": project.Key, "roleId": jirasim.RoleViewer, "accountId": joiner.AccountID},
			jirasim.Fault{Method: "POST", Path: "/project/*/role/*", Kind: jirasim.FaultWriteThenFail, Status: 500, Count: 1},
			"/role/10101", provision.OutcomeAdded, provision.DecidedByReadBack},
		{"remove role actor", ondemand.OpRemoveProjectRoleActor, map[string]any{"projectIdOrKey": project.Key, "roleId": jirasim.RoleViewer, "accountId": joiner.AccountID},
			jirasim.Fault{Method: "DELETE", Path: "/project/*/role/*", Kind: jirasim.FaultWriteThenDrop, Count: 1},
			"/role/10101", provision.OutcomeRemoved, provision.DecidedByReadBack},
		{"create group", ondemand.OpCreateGroup, map[string]any{"groupName": "lost-response-group"},
			jirasim.Fault{Method: "POST", Path: "/group", Kind: jirasim.FaultWriteThenDrop, Count: 1},
			"/group", provision.OutcomeCreated, provision.DecidedByReadBack},
		{"remove user", ondemand.OpRemoveUser, map[string]any{"accountId": victim.AccountID},
			jirasim.Fault{Method: "DELETE", Path: "/user", Kind: jirasim.FaultWriteThenDrop, Count: 1},
			"/user", provision.OutcomeRemoved, provision.DecidedByReadBack},
		// POST /user returns the account an email already has, so createUser
		// sends once more instead of reading back.
		{"create user", ondemand.OpCreateUser, map[string]any{"emailAddress": "lost.response@example.com", "products": []string{}},
			jirasim.Fault{Method: "POST", Path: "/user", Kind: jirasim.FaultWriteThenDrop, Count: 1},
			"/user", provision.OutcomeCreated, provision.DecidedByRetry},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.sim.ClearFaults()
			e.sim.InjectFault(tt.fault)
			writes := e.countRequests(tt.fault.Method, tt.path)
			r := e.provisioned(t, tt.operation, tt.fields)
			wantResult(t, r, true, tt.outcome, tt.decidedBy)
			wantWrites := 1
			if tt.decidedBy == provision.DecidedByRetry {
				wantWrites = 2
			}
			if got := e.countRequests(tt.fault.Method, tt.path) - writes; got != wantWrites {
				t.Errorf("%s %s calls = %d, want %d", tt.fault.Method, tt.path, got, wantWrites)
			}
		})
	}
	e.sim.ClearFaults()

	if !e.isMember(admins.GroupID, joiner.AccountID) || e.isMember(admins.GroupID, leaver.AccountID) {
		t.Error("Jira memberships differ from the requested ones")
	}
	created := 0
	for _, u := range e.sim.Dataset().Users {
		if u.Email != nil && *u.Email == "lost.response@example.com" {
			created++
		}
	}
	if created != 1 {
		t.Errorf("Jira has %d users with the email createUser sent twice, want 1", created)
	}
	groups := 0
	for _, g := range e.sim.Dataset().Groups {
		if g.Name == "lost-response-group" {
			groups++
		}
	}
	if groups != 1 {
		t.Errorf("Jira has %d groups named lost-response-group, want 1", groups)
	}
}

func TestDroppedWriteIsRetriedOnce(t *testing.T) {
	t.Parallel()
	e := newSyncedEnv(t)
	admins := e.groupNamed(t, adminsGroupName)
	user := e.activeNonMember(t, admins)
	e.sim.InjectFault(jirasim.Fault{Method: "POST", Path: "/group/user", Kind: jirasim.FaultDrop, Count: 1})
	writes := e.countRequests("POST", "/group/user")

	r := e.provisioned(t, ondemand.OpAddGroupMember, map[string]any{"groupId": admins.GroupID, "accountId": user.AccountID})
	wantResult(t, r, true, provision.OutcomeAdded, provision.DecidedByRetry)
	if got := e.countRequests("POST", "/group/user") - writes; got != 2 {
		t.Errorf("POST /group/user calls = %d, want 2 (the dropped one and one retry)", got)
	}
	if !e.isMember(admins.GroupID, user.AccountID) {
		t.Error("Jira: the user is not a member after the retry")
	}
}

func TestTwiceDroppedWriteReleasesRequestID(t *testing.T) {
	t.Parallel()
	e := newSyncedEnv(t)
	admins := e.groupNamed(t, adminsGroupName)
	user := e.activeNonMember(t, admins)
	fields := map[string]any{"requestId": "dropped-twice", "groupId": admins.GroupID, "accountId": user.AccountID}
	e.sim.InjectFault(jirasim.Fault{Method: "POST", Path: "/group/user", Kind: jirasim.FaultDrop, Count: 2})

	wantError(t, e.provision(t, ondemand.OpAddGroupMember, fields), ondemand.CodeOutcomeUnknown, "")
	if e.isMember(admins.GroupID, user.AccountID) {
		t.Fatal("Jira: the user is a member although both writes were dropped")
	}
	if got := e.grantsOf(t, user.AccountID); slices.Contains(got, "group:"+admins.GroupID+" via direct") {
		t.Error("snapshot has the membership although the request failed")
	}

	again := e.provisioned(t, ondemand.OpAddGroupMember, fields)
	wantResult(t, again, true, provision.OutcomeAdded, provision.DecidedByResponse)
	if again.Replayed {
		t.Error("replayed = true, want a new attempt after the failure released the request ID")
	}
}

func TestRequestInProgress(t *testing.T) {
	t.Parallel()
	e := newSyncedEnv(t)
	admins := e.groupNamed(t, adminsGroupName)
	user := e.activeNonMember(t, admins)
	fields := map[string]any{"requestId": "slow-1", "groupId": admins.GroupID, "accountId": user.AccountID}
	e.sim.InjectFault(jirasim.Fault{Method: "POST", Path: "/group/user", Kind: jirasim.FaultDelay, Delay: 3 * time.Second, Count: 1})

	payload, err := json.Marshal(request(ondemand.OpAddGroupMember, provisionConnection, merge(fields, map[string]any{"actor": testActor})))
	if err != nil {
		t.Fatalf("encode request: %v", err)
	}
	var (
		wg        sync.WaitGroup
		firstOut  []byte
		invokeErr error
	)
	wg.Add(1)
	go func() { // t.Fatal must not run here, so the handler is called directly
		defer wg.Done()
		firstOut, invokeErr = e.handler.Invoke(context.Background(), payload)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for e.countRequests("POST", "/group/user") == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	wantError(t, e.provision(t, ondemand.OpAddGroupMember, fields), ondemand.CodeRequestInProgress, "requestId")
	wg.Wait()
	if invokeErr != nil {
		t.Fatalf("first request: handler error %v", invokeErr)
	}
	wantResult(t, must[provision.Result](t, decodeResponse(t, firstOut)), true, provision.OutcomeAdded, provision.DecidedByResponse)

	replay := e.provisioned(t, ondemand.OpAddGroupMember, fields)
	if !replay.Replayed {
		t.Error("replayed = false after the first request finished")
	}
}
