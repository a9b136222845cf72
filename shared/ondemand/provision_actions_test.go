package ondemand_test

import (
	"encoding/json"
	"testing"

	"github.com/idgov/atlassian-cloud-connector/shared/ondemand"
	"github.com/idgov/atlassian-cloud-connector/shared/provision"
)

type actionsPage struct {
	Items         []provision.ActionRecord `json:"items"`
	NextPageToken string                   `json:"nextPageToken"`
}

func TestListActionsPagesNewestFirst(t *testing.T) {
	t.Parallel()
	e := newSyncedEnv(t)
	admins := e.groupNamed(t, adminsGroupName)
	user := e.activeNonMember(t, admins)
	membership := map[string]any{"groupId": admins.GroupID, "accountId": user.AccountID}
	e.provisioned(t, ondemand.OpAddGroupMember, merge(membership, map[string]any{"requestId": "log-1", "actor": "alice"}))
	e.provisioned(t, ondemand.OpAddGroupMember, merge(membership, map[string]any{"requestId": "log-2", "actor": "bob"}))
	wantError(t, e.provision(t, ondemand.OpAddGroupMember, map[string]any{
		"requestId": "log-3", "actor": "carol", "groupId": "00000000-0000-4000-8000-000000000000", "accountId": user.AccountID,
	}), ondemand.CodeNotFound, "groupId")
	e.provisioned(t, ondemand.OpRemoveGroupMember, merge(membership, map[string]any{"requestId": "log-4", "actor": "dave"}))
	// A replay acts on nothing, so it adds no entry.
	e.provisioned(t, ondemand.OpAddGroupMember, merge(membership, map[string]any{"requestId": "log-1", "actor": "alice"}))

	var entries []provision.ActionRecord
	token := ""
	pages := 0
	for ; pages < 10; pages++ {
		fields := map[string]any{"pageSize": 2}
		if token != "" {
			fields["pageToken"] = token
		}
		page := must[actionsPage](t, e.invoke(t, request(ondemand.OpListActions, provisionConnection, fields)))
		if len(page.Items) > 2 {
			t.Fatalf("page has %d entries, want at most 2", len(page.Items))
		}
		entries = append(entries, page.Items...)
		if page.NextPageToken == "" {
			break
		}
		token = page.NextPageToken
	}
	if len(entries) != 4 {
		t.Fatalf("action log has %d entries, want 4: %+v", len(entries), entries)
	}
	if pages+1 != 3 {
		t.Errorf("read %d pages, want 3: two full ones and an empty last one", pages+1)
	}
	wantOrder := []string{"log-4", "log-3", "log-2", "log-1"}
	for i, entry := range entries {
		if entry.RequestID != wantOrder[i] {
			t.Errorf("entry %d is %s, want %s (newest first)", i, entry.RequestID, wantOrder[i])
		}
		if entry.EndedAt == nil {
			t.Errorf("entry %s has no endedAt", entry.RequestID)
		}
	}
	checks := []struct {
		index     int
		actor     string
		status    string
		changed   bool
		outcome   string
		errorCode string
	}{
		{0, "dave", provision.StatusSucceeded, true, provision.OutcomeRemoved, ""},
		{1, "carol", provision.StatusFailed, false, "", ondemand.CodeNotFound},
		{2, "bob", provision.StatusSucceeded, false, provision.OutcomeAlreadyPresent, ""},
		{3, "alice", provision.StatusSucceeded, true, provision.OutcomeAdded, ""},
	}
	for _, c := range checks {
		entry := entries[c.index]
		if entry.Actor != c.actor {
			t.Errorf("%s: actor = %q, want %q", entry.RequestID, entry.Actor, c.actor)
		}
		if entry.Status != c.status {
			t.Errorf("%s: status = %q, want %q", entry.RequestID, entry.Status, c.status)
		}
		if entry.Changed != c.changed {
			t.Errorf("%s: changed = %v, want %v", entry.RequestID, entry.Changed, c.changed)
		}
		if entry.Outcome != c.outcome {
			t.Errorf("%s: outcome = %q, want %q", entry.RequestID, entry.Outcome, c.outcome)
		}
		if code := errorCodeOf(entry); code != c.errorCode {
			t.Errorf("%s: error code = %q, want %q", entry.RequestID, code, c.errorCode)
		}
		if entry.Parameters.AccountID != user.AccountID {
			t.Errorf("%s: parameters = %+v, want accountId %s", entry.RequestID, entry.Parameters, user.AccountID)
		}
	}
}

func TestListActionsRejectsForeignToken(t *testing.T) {
	t.Parallel()
	e := newSyncedEnv(t)
	grants := must[rawPage](t, e.invoke(t, request(ondemand.OpListGrants, provisionConnection, map[string]any{"pageSize": 1})))
	if grants.NextPageToken == "" {
		t.Fatal("listGrants returned no page token")
	}
	r := e.invoke(t, request(ondemand.OpListActions, provisionConnection, map[string]any{"pageToken": grants.NextPageToken}))
	wantError(t, r, ondemand.CodeInvalidPageToken, "pageToken")

	forged := ondemand.SignPageTokenForTest([]byte("another-key-another-key-another-k"), ondemand.OpListActions, testTenant, provisionConnection, "")
	wantError(t, e.invoke(t, request(ondemand.OpListActions, provisionConnection, map[string]any{"pageToken": forged})),
		ondemand.CodeInvalidPageToken, "pageToken")

	empty := must[actionsPage](t, e.invoke(t, request(ondemand.OpListActions, provisionConnection, nil)))
	if len(empty.Items) != 0 || empty.NextPageToken != "" {
		t.Errorf("action log of a connection without requests = %+v, want empty", empty)
	}
	raw := e.invoke(t, request(ondemand.OpListActions, provisionConnection, nil))
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw.Result, &fields); err != nil || string(fields["items"]) != "[]" {
		t.Errorf("empty page items = %s, want []", fields["items"])
	}
}

func merge(base, extra map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range base {
		out[k] = v
	}
	for k, v := range extra {
		out[k] = v
	}
	return out
}

func errorCodeOf(entry provision.ActionRecord) string {
	if entry.Error == nil {
		return ""
	}
	return entry.Error.Code
}
