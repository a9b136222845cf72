package ondemand_test

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/idgov/atlassian-cloud-connector/shared/connection"
	"github.com/idgov/atlassian-cloud-connector/shared/jirasim"
	"github.com/idgov/atlassian-cloud-connector/shared/localaws"
	"github.com/idgov/atlassian-cloud-connector/shared/ondemand"
	"github.com/idgov/atlassian-cloud-connector/shared/schedule"
	"github.com/idgov/atlassian-cloud-connector/shared/snapshot"
	"github.com/idgov/atlassian-cloud-connector/shared/syncrun"
)

func TestConfigureConnectionCreates(t *testing.T) {
	e := newEnv(t, envOptions{})
	got := e.configure(t, "atlassian-cloud", map[string]any{
		"schedule": map[string]any{"expression": "cron(0 3 * * ? *)", "timeZone": "Europe/Berlin"},
	})
	if !got.Created {
		t.Error("created = false, want true")
	}
	if got.Connection.Status != connection.StatusPending {
		t.Errorf("status = %q, want pending", got.Connection.Status)
	}
	authorize, err := url.Parse(got.AuthorizeURL)
	if err != nil {
		t.Fatalf("authorize URL %q: %v", got.AuthorizeURL, err)
	}
	if authorize.Query().Get("client_id") != testClientID {
		t.Errorf("authorize URL client_id = %q, want %q", authorize.Query().Get("client_id"), testClientID)
	}
	if authorize.Query().Get("state") == "" {
		t.Error("authorize URL has no state")
	}
	if got.Schedule.Action != schedule.ActionCreated {
		t.Errorf("schedule action = %q, want created", got.Schedule.Action)
	}
	stored, ok := e.scheduler.Schedule(scheduleGroup, "acme.atlassian-cloud")
	if !ok {
		t.Fatal("no schedule stored in Scheduler")
	}
	if stored.ScheduleExpressionTimezone != "Europe/Berlin" {
		t.Errorf("schedule time zone = %q, want Europe/Berlin", stored.ScheduleExpressionTimezone)
	}
	secret, err := e.bundle.Secrets.ClientSecret(context.Background(), connection.Key{Tenant: testTenant, ID: "atlassian-cloud"})
	if err != nil {
		t.Fatalf("read client secret: %v", err)
	}
	if secret != testClientSecret {
		t.Error("stored client secret differs from the one configured")
	}
	e.checkNoLeaks(t)
}

func TestConfigureConnectionAssignsIdentifier(t *testing.T) {
	e := newEnv(t, envOptions{})
	first := e.configure(t, "", map[string]any{"redirectUrl": "https://connect.example.com/application/oauthProcessCode/x"})
	second := e.configure(t, "", map[string]any{"redirectUrl": "https://connect.example.com/application/oauthProcessCode/y"})
	if first.Connection.ConnectionID != connection.DefaultID {
		t.Errorf("first identifier = %q, want %q", first.Connection.ConnectionID, connection.DefaultID)
	}
	if second.Connection.ConnectionID != connection.DefaultID+"-2" {
		t.Errorf("second identifier = %q, want %q", second.Connection.ConnectionID, connection.DefaultID+"-2")
	}
}

func TestConfigureConnectionUpdatesSchedule(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.connected(t, "atlassian-cloud")
	steps := []struct {
		name       string
		fields     map[string]any
		wantAction string
		wantExpr   string
	}{
		{"to cron", map[string]any{"schedule": map[string]any{"expression": "cron(15 1 ? * MON-FRI *)", "timeZone": "Asia/Tokyo"}}, schedule.ActionUpdated, "cron(15 1 ? * MON-FRI *)"},
		{"to manual", map[string]any{"schedule": map[string]any{"expression": "manual"}}, schedule.ActionDeleted, ""},
		{"still manual", map[string]any{"userSettings": map[string]any{"includeInactiveUsers": false, "includeAppAccounts": true, "includeCustomerAccounts": true}}, schedule.ActionNone, ""},
		{"back to rate", map[string]any{"schedule": map[string]any{"expression": "rate(1 day)"}}, schedule.ActionCreated, "rate(1 day)"},
	}
	for _, step := range steps {
		r := e.invoke(t, request(ondemand.OpConfigureConnection, "atlassian-cloud", step.fields))
		got := must[ondemand.ConfigureResult](t, r)
		if got.Schedule.Action != step.wantAction {
			t.Errorf("%s: schedule action = %q, want %q", step.name, got.Schedule.Action, step.wantAction)
		}
		if got.Connection.Status != connection.StatusConnected {
			t.Errorf("%s: status = %q, want connected", step.name, got.Connection.Status)
		}
		stored, ok := e.scheduler.Schedule(scheduleGroup, "acme.atlassian-cloud")
		if ok != (step.wantExpr != "") || stored.ScheduleExpression != step.wantExpr {
			t.Errorf("%s: stored schedule = %q (exists %v), want %q", step.name, stored.ScheduleExpression, ok, step.wantExpr)
		}
	}
	conn, err := e.bundle.Connections.Get(context.Background(), connection.Key{Tenant: testTenant, ID: "atlassian-cloud"})
	if err != nil {
		t.Fatalf("read connection: %v", err)
	}
	if conn.UserSettings.IncludeInactive {
		t.Error("includeInactiveUsers = true after it was set to false")
	}
}

func TestConfigureConnectionErrors(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.connected(t, "atlassian-cloud")
	e.configure(t, "removed-one", nil)
	must[ondemand.DisconnectResult](t, e.invoke(t, request(ondemand.OpDisconnect, "removed-one", nil)))
	pending := e.configure(t, "pending-one", nil)
	tests := []struct {
		name      string
		id        string
		fields    map[string]any
		wantCode  string
		wantField string
	}{
		{"invalid site", "new-one", map[string]any{"siteUrl": "http://acme.example.com", "clientId": testClientID, "clientSecret": "x", "redirectUrl": "https://c.example.com/cb"}, ondemand.CodeInvalidField, "siteUrl"},
		{"missing client secret", "new-one", map[string]any{"siteUrl": e.dataset.Sites[0].URL, "clientId": testClientID, "redirectUrl": "https://c.example.com/cb"}, ondemand.CodeMissingField, "clientSecret"},
		{"missing client id", "new-one", map[string]any{"siteUrl": e.dataset.Sites[0].URL, "clientSecret": "x", "redirectUrl": "https://c.example.com/cb"}, ondemand.CodeMissingField, "clientId"},
		{"invalid schedule", "new-one", map[string]any{"siteUrl": e.dataset.Sites[0].URL, "clientId": testClientID, "clientSecret": "x", "redirectUrl": "https://c.example.com/cb", "schedule": map[string]any{"expression": "every day"}}, ondemand.CodeInvalidField, "schedule.expression"},
		{"invalid time zone", "atlassian-cloud", map[string]any{"schedule": map[string]any{"expression": "cron(0 3 * * ? *)", "timeZone": "Mars/Olympus"}}, ondemand.CodeInvalidField, "schedule.timeZone"},
		{"site change after consent", "atlassian-cloud", map[string]any{"siteUrl": "https://other.atlassian.net"}, ondemand.CodeInvalidField, "siteUrl"},
		{"client change after consent", "atlassian-cloud", map[string]any{"clientId": "another-client"}, ondemand.CodeInvalidField, "clientId"},
		{"site change while pending", "pending-one", map[string]any{"siteUrl": "https://other.atlassian.net", "clientSecret": "x"}, ondemand.CodeInvalidField, "siteUrl"},
		{"client change while pending", "pending-one", map[string]any{"clientId": "another-client", "clientSecret": "x"}, ondemand.CodeInvalidField, "clientId"},
		{"redirect change while pending", "pending-one", map[string]any{"redirectUrl": pending.Connection.RedirectURL + "-other", "clientSecret": "x"}, ondemand.CodeInvalidField, "redirectUrl"},
		{"removed connection", "removed-one", map[string]any{"schedule": map[string]any{"expression": "manual"}}, ondemand.CodeConnectionRemoved, "connectionId"},
		{"schedule wrong type", "atlassian-cloud", map[string]any{"schedule": "daily"}, ondemand.CodeInvalidField, "schedule"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantError(t, e.invoke(t, request(ondemand.OpConfigureConnection, tt.id, tt.fields)), tt.wantCode, tt.wantField)
		})
	}
	e.checkNoLeaks(t)
}

func TestValidateConnection(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.connected(t, "atlassian-cloud")
	got := must[ondemand.ValidateResult](t, e.invoke(t, request(ondemand.OpValidateConnection, "atlassian-cloud", nil)))
	if !got.Valid {
		t.Fatalf("valid = false, checks: %+v", got.Checks)
	}
	names := []string{}
	for _, c := range got.Checks {
		names = append(names, c.Name)
		if !c.OK {
			t.Errorf("check %s failed: %s", c.Name, c.Message)
		}
	}
	if strings.Join(names, ",") != "token,siteAccess,read" {
		t.Errorf("checks = %v, want token, siteAccess, read", names)
	}
	if got.TokenDaysLeft < 364 {
		t.Errorf("tokenDaysLeft = %d, want 364 or 365 right after consent", got.TokenDaysLeft)
	}
	p := got.Preview
	if p == nil {
		t.Fatal("no preview")
	}
	if len(p.Groups) != len(e.dataset.Groups) {
		t.Errorf("preview lists %d groups, want all %d of the small site", len(p.Groups), len(e.dataset.Groups))
	}
	if len(p.ApplicationRoles) != len(e.dataset.AppRoles) {
		t.Errorf("preview lists %d application roles, want %d", len(p.ApplicationRoles), len(e.dataset.AppRoles))
	}
	if p.ProjectCount == nil || *p.ProjectCount != len(e.dataset.Projects) {
		t.Errorf("project count = %v, want %d", p.ProjectCount, len(e.dataset.Projects))
	}
	if len(p.ProjectRoles) != len(e.dataset.Roles) {
		t.Errorf("preview lists %d project roles, want %d", len(p.ProjectRoles), len(e.dataset.Roles))
	}
	e.checkNoLeaks(t)
}

func TestValidateConnectionSiteNotGranted(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.connected(t, "atlassian-cloud")
	e.sim.Mutate(func(d *jirasim.Dataset) { d.Sites[0].URL = "https://moved.atlassian.net" })
	got := must[ondemand.ValidateResult](t, e.invoke(t, request(ondemand.OpValidateConnection, "atlassian-cloud", nil)))
	if got.Valid {
		t.Error("valid = true for a grant that no longer reaches the site")
	}
	last := got.Checks[len(got.Checks)-1]
	if last.Name != ondemand.CheckSiteAccess || last.OK {
		t.Errorf("last check = %+v, want a failed siteAccess", last)
	}
	if got.Preview != nil {
		t.Error("preview given although the site check failed")
	}
}

func TestReconsentRequired(t *testing.T) {
	e := newEnv(t, envOptions{accessTokenTTL: 2 * time.Second})
	e.connected(t, "atlassian-cloud")
	e.sim.RevokeGrant()
	time.Sleep(2100 * time.Millisecond) // let the access token expire, so a refresh is needed
	wantError(t, e.invoke(t, request(ondemand.OpValidateConnection, "atlassian-cloud", nil)), ondemand.CodeReconsentRequired, "")
	wantError(t, e.invoke(t, request(ondemand.OpStartSync, "atlassian-cloud", nil)), ondemand.CodeReconsentRequired, "")
	status := must[ondemand.StatusResult](t, e.invoke(t, request(ondemand.OpGetSyncStatus, "atlassian-cloud", nil)))
	if status.Connection.Status != connection.StatusReconsentRequired {
		t.Errorf("status = %q, want reconsent_required", status.Connection.Status)
	}
	e.checkNoLeaks(t)
}

func TestNotReadyConnectionErrors(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.configure(t, "pending-one", nil)
	tests := []struct {
		name      string
		operation string
		id        string
		wantCode  string
		wantField string
	}{
		{"start pending", ondemand.OpStartSync, "pending-one", ondemand.CodeConnectionNotConnected, "connectionId"},
		{"validate pending", ondemand.OpValidateConnection, "pending-one", ondemand.CodeConnectionNotConnected, "connectionId"},
		{"list pending", ondemand.OpListServiceUsers, "pending-one", ondemand.CodeSnapshotUnavailable, ""},
		{"changes pending", ondemand.OpGetChanges, "pending-one", ondemand.CodeSnapshotUnavailable, ""},
		{"start unknown", ondemand.OpStartSync, "no-such", ondemand.CodeConnectionNotFound, "connectionId"},
		{"status unknown", ondemand.OpGetSyncStatus, "no-such", ondemand.CodeConnectionNotFound, "connectionId"},
		{"list unknown", ondemand.OpListGrants, "no-such", ondemand.CodeConnectionNotFound, "connectionId"},
		{"disconnect unknown", ondemand.OpDisconnect, "no-such", ondemand.CodeConnectionNotFound, "connectionId"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantError(t, e.invoke(t, request(tt.operation, tt.id, nil)), tt.wantCode, tt.wantField)
		})
	}
	status := must[ondemand.StatusResult](t, e.invoke(t, request(ondemand.OpGetSyncStatus, "pending-one", nil)))
	if status.Run != nil || status.LastSuccess != nil || status.LastError != nil {
		t.Errorf("status of a pending connection lists runs: %+v", status)
	}
}

// TestSyncAndRead runs two real syncs through Step Functions and reads the
// snapshots and the change set back through the handler.
func TestSyncAndRead(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.connected(t, "atlassian-cloud")
	first := e.syncNow(t, "atlassian-cloud")
	if first.Run.Status != syncrun.StatusSucceeded {
		t.Fatalf("first run %s: %s; logs:\n%s", first.Run.Status, first.Run.Reason, e.logs.String())
	}
	checkStatus(t, first)

	users := readAll[snapshot.ServiceUser](t, e, ondemand.OpListServiceUsers, "", 37)
	entitlements := readAll[snapshot.Entitlement](t, e, ondemand.OpListEntitlements, "", 0)
	grants := readAll[snapshot.Grant](t, e, ondemand.OpListGrants, "", 500)
	if len(users) != first.Run.Counts.Users {
		t.Errorf("listServiceUsers returned %d users, the run counted %d", len(users), first.Run.Counts.Users)
	}
	if len(users) != len(e.dataset.Users) {
		t.Errorf("listServiceUsers returned %d users, the site has %d", len(users), len(e.dataset.Users))
	}
	if len(entitlements) != first.Run.Counts.Entitlements {
		t.Errorf("listEntitlements returned %d, the run counted %d", len(entitlements), first.Run.Counts.Entitlements)
	}
	if len(grants) != first.Run.Counts.Grants {
		t.Errorf("listGrants returned %d, the run counted %d", len(grants), first.Run.Counts.Grants)
	}
	seen := map[string]bool{}
	for _, u := range users {
		if seen[u.AccountID] {
			t.Errorf("user %s listed twice", u.AccountID)
		}
		seen[u.AccountID] = true
	}
	firstChanges := readAll[snapshot.Change](t, e, ondemand.OpGetChanges, "", 0)
	if len(firstChanges) != 0 {
		t.Errorf("first run has %d changes, want none: a first snapshot has nothing to compare with", len(firstChanges))
	}

	added := jirasim.NewUser("Added Later", "added.later@example.com")
	e.sim.Mutate(func(d *jirasim.Dataset) {
		if err := d.AddUser(added); err != nil {
			t.Errorf("add user: %v", err)
		}
	})
	second := e.syncNow(t, "atlassian-cloud")
	if second.Run.Status != syncrun.StatusSucceeded {
		t.Fatalf("second run %s: %s", second.Run.Status, second.Run.Reason)
	}
	if second.LastSuccess == nil || second.LastSuccess.RunID != second.Run.RunID {
		t.Errorf("lastSuccess = %+v, want run %s", second.LastSuccess, second.Run.RunID)
	}
	changes := readAll[snapshot.Change](t, e, ondemand.OpGetChanges, "", 0)
	if len(changes) != 1 || changes[0].Op != snapshot.OpAdded || !strings.Contains(changes[0].Key, added.AccountID) {
		t.Errorf("changes of the second run = %+v, want the added user %s", changes, added.AccountID)
	}
	older := readAll[snapshot.ServiceUser](t, e, ondemand.OpListServiceUsers, first.Run.RunID, 100)
	if len(older) != len(users) {
		t.Errorf("the first run's snapshot lists %d users, want %d", len(older), len(users))
	}
	wantError(t, e.invoke(t, request(ondemand.OpListServiceUsers, "atlassian-cloud", map[string]any{"runId": "20200101T000000Z-000000000000"})),
		ondemand.CodeRunNotFound, "runId")
	e.checkNoLeaks(t)
}

func checkStatus(t *testing.T, s ondemand.StatusResult) {
	t.Helper()
	checks := []struct {
		name string
		ok   bool
	}{
		{"trigger is on-demand", s.Run.Trigger == syncrun.TriggerOnDemand},
		{"phase is done", s.Run.Phase == syncrun.PhaseDone},
		{"tasks were done", s.Run.Progress.TasksDone > 0},
		{"API calls were counted", s.Run.Progress.APICalls > 0},
		{"users were counted", s.Run.Counts.Users > 0},
		{"ended", !s.Run.EndedAt.IsZero()},
		{"last success is this run", s.LastSuccess != nil && s.LastSuccess.RunID == s.Run.RunID},
		{"no error", s.LastError == nil},
		{"not running", s.Running == ""},
		{"token days left", s.Connection.TokenDaysLeft >= 364},
		{"schedule listed", s.Schedule != nil && s.Schedule.Expression == "rate(6 hours)"},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("status: %s is false: %+v", c.name, s)
		}
	}
}

// readAll pages through an operation with the given page size (0 for the
// default) and returns every item.
func readAll[T any](t *testing.T, e *env, operation, runID string, pageSize int) []T {
	t.Helper()
	var items []T
	token := ""
	for pages := 0; ; pages++ {
		fields := map[string]any{}
		if runID != "" {
			fields["runId"] = runID
		}
		if pageSize > 0 {
			fields["pageSize"] = pageSize
		}
		if token != "" {
			fields["pageToken"] = token
		}
		page := must[struct {
			Items         []T    `json:"items"`
			NextPageToken string `json:"nextPageToken"`
		}](t, e.invoke(t, request(operation, "atlassian-cloud", fields)))
		if pageSize > 0 && len(page.Items) > pageSize {
			t.Fatalf("%s returned %d items, more than the page size %d", operation, len(page.Items), pageSize)
		}
		items = append(items, page.Items...)
		if page.NextPageToken == "" {
			return items
		}
		if pages > 10000 {
			t.Fatalf("%s did not end after 10,000 pages", operation)
		}
		token = page.NextPageToken
	}
}

func TestPageTokenRejected(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.connected(t, "atlassian-cloud")
	e.connected(t, "other")
	for _, id := range []string{"atlassian-cloud", "other"} {
		if s := e.syncNow(t, id); s.Run.Status != syncrun.StatusSucceeded {
			t.Fatalf("sync of %s: %s", id, s.Run.Reason)
		}
	}
	page := must[ondemand.PageResult](t, e.invoke(t, request(ondemand.OpListServiceUsers, "atlassian-cloud", map[string]any{"pageSize": 10})))
	token := page.NextPageToken
	if token == "" {
		t.Fatal("first page of 10 users has no next page token")
	}
	flipped := []byte(token)
	i := len(flipped) / 2
	flipped[i] = map[bool]byte{true: 'A', false: 'B'}[flipped[i] != 'A']
	tests := []struct {
		name      string
		operation string
		id        string
		fields    map[string]any
	}{
		{"altered", ondemand.OpListServiceUsers, "atlassian-cloud", map[string]any{"pageToken": string(flipped)}},
		{"other operation", ondemand.OpListGrants, "atlassian-cloud", map[string]any{"pageToken": token}},
		{"other connection", ondemand.OpListServiceUsers, "other", map[string]any{"pageToken": token}},
		{"other run", ondemand.OpListServiceUsers, "atlassian-cloud", map[string]any{"pageToken": token, "runId": "20200101T000000Z-000000000000"}},
		{"not a token", ondemand.OpListServiceUsers, "atlassian-cloud", map[string]any{"pageToken": "garbage"}},
		{"signed with another key", ondemand.OpListServiceUsers, "atlassian-cloud", map[string]any{"pageToken": ondemand.SignPageTokenForTest(
			make([]byte, 32), ondemand.OpListServiceUsers, testTenant, "atlassian-cloud", page.RunID)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantError(t, e.invoke(t, request(tt.operation, tt.id, tt.fields)), ondemand.CodeInvalidPageToken, "pageToken")
		})
	}
	next := must[ondemand.PageResult](t, e.invoke(t, request(ondemand.OpListServiceUsers, "atlassian-cloud", map[string]any{"pageSize": 10, "pageToken": token})))
	if len(next.Items) != 10 {
		t.Errorf("second page has %d items, want 10", len(next.Items))
	}
}

func TestStartSyncJoinsRunningRun(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.connected(t, "atlassian-cloud")
	// Slow the begin step after it takes the lock, so the run is still
	// running when the second request arrives.
	e.sim.InjectFault(jirasim.Fault{Path: "/role", Kind: jirasim.FaultDelay, Delay: 3 * time.Second, Count: 1})
	first := must[ondemand.StartSyncResult](t, e.invoke(t, request(ondemand.OpStartSync, "atlassian-cloud", nil)))
	if first.Joined {
		t.Error("first start joined a run, want a new one")
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		s := must[ondemand.StatusResult](t, e.invoke(t, request(ondemand.OpGetSyncStatus, "atlassian-cloud", nil)))
		if s.Running == first.RunID {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("run %s never held the lock; status %+v", first.RunID, s)
		}
		time.Sleep(50 * time.Millisecond)
	}
	second := must[ondemand.StartSyncResult](t, e.invoke(t, request(ondemand.OpStartSync, "atlassian-cloud", map[string]any{"trigger": "schedule"})))
	if !second.Joined {
		t.Error("second start did not join the running run")
	}
	if second.RunID != first.RunID {
		t.Errorf("second start returned run %s, want the running %s", second.RunID, first.RunID)
	}
	if second.Run == nil || second.Run.Status != syncrun.StatusRunning {
		t.Errorf("joined run = %+v, want its running record", second.Run)
	}
	if s := e.waitRun(t, "atlassian-cloud", first.RunID); s.Run.Status != syncrun.StatusSucceeded {
		t.Errorf("run ended %s: %s", s.Run.Status, s.Run.Reason)
	}
}

// TestScheduledInvocation invokes the on-demand function through the Lambda
// Invoke API with the exact input stored in the connection's schedule, as
// EventBridge Scheduler would.
func TestScheduledInvocation(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.connected(t, "atlassian-cloud")
	stored, ok := e.scheduler.Schedule(scheduleGroup, "acme.atlassian-cloud")
	if !ok {
		t.Fatal("no schedule stored")
	}
	client := awslambda.NewFromConfig(localaws.LocalConfig(), func(o *awslambda.Options) { o.BaseEndpoint = aws.String(e.lambda.URL()) })
	out, err := client.Invoke(context.Background(), &awslambda.InvokeInput{
		FunctionName: aws.String(stored.Target.Arn), Payload: []byte(stored.Target.Input),
	})
	if err != nil {
		t.Fatalf("invoke %s: %v", stored.Target.Arn, err)
	}
	if out.FunctionError != nil {
		t.Fatalf("function error %s: %s", aws.ToString(out.FunctionError), out.Payload)
	}
	started := must[ondemand.StartSyncResult](t, decodeResponse(t, out.Payload))
	if started.Trigger != syncrun.TriggerSchedule {
		t.Errorf("trigger = %q, want %q", started.Trigger, syncrun.TriggerSchedule)
	}
	s := e.waitRun(t, "atlassian-cloud", started.RunID)
	if s.Run.Trigger != syncrun.TriggerSchedule {
		t.Errorf("run trigger = %q, want %q", s.Run.Trigger, syncrun.TriggerSchedule)
	}
	if s.Run.Status != syncrun.StatusSucceeded {
		t.Errorf("scheduled run ended %s: %s", s.Run.Status, s.Run.Reason)
	}
}

func TestDisconnect(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.connected(t, "atlassian-cloud")
	ctx := context.Background()
	key := connection.Key{Tenant: testTenant, ID: "atlassian-cloud"}
	got := must[ondemand.DisconnectResult](t, e.invoke(t, request(ondemand.OpDisconnect, "atlassian-cloud", map[string]any{"recoveryDays": 7})))
	if got.Connection.Status != connection.StatusRemoved {
		t.Errorf("status = %q, want removed", got.Connection.Status)
	}
	if got.Schedule.Action != schedule.ActionDeleted {
		t.Errorf("schedule action = %q, want deleted", got.Schedule.Action)
	}
	if got.RecoveryDays != 7 {
		t.Errorf("recoveryDays = %d, want 7", got.RecoveryDays)
	}
	if n := len(e.scheduler.Schedules()); n != 0 {
		t.Errorf("%d schedules left, want 0", n)
	}
	for _, name := range []string{e.bundle.Secrets.ClientSecretName(key), e.bundle.Secrets.TokensName(key)} {
		out, err := e.secrets.Client().DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(name)})
		if err != nil {
			t.Errorf("describe %s: %v", name, err)
			continue
		}
		if out.DeletedDate == nil {
			t.Errorf("secret %s is not scheduled for deletion", name)
		} else if days := time.Until(*out.DeletedDate).Hours() / 24; days < 6.9 || days > 7.1 {
			t.Errorf("secret %s is deleted in %.1f days, want 7", name, days)
		}
	}
	again := must[ondemand.DisconnectResult](t, e.invoke(t, request(ondemand.OpDisconnect, "atlassian-cloud", nil)))
	if !again.AlreadyRemoved {
		t.Error("second disconnect: alreadyRemoved = false")
	}
	for _, op := range []string{ondemand.OpStartSync, ondemand.OpValidateConnection, ondemand.OpListServiceUsers, ondemand.OpGetSyncStatus} {
		wantError(t, e.invoke(t, request(op, "atlassian-cloud", nil)), ondemand.CodeConnectionRemoved, "connectionId")
	}
	next := e.configure(t, "", map[string]any{"redirectUrl": "https://connect.example.com/application/oauthProcessCode/next"})
	if next.Connection.ConnectionID == "atlassian-cloud" {
		t.Error("a removed connection's identifier was given out again")
	}
	e.checkNoLeaks(t)
}

func TestResponsesAreJSONForEveryOperation(t *testing.T) {
	e := newEnv(t, envOptions{})
	for _, op := range ondemand.Operations {
		out, err := e.handler.Invoke(context.Background(), []byte(`{"version":1,"operation":"`+op+`","tenant":"acme","connectionId":"absent"}`))
		if err != nil {
			t.Fatalf("%s: handler error %v", op, err)
		}
		var r map[string]json.RawMessage
		if err := json.Unmarshal(out, &r); err != nil {
			t.Errorf("%s: response is not a JSON object: %s", op, out)
		}
		if _, ok := r["ok"]; !ok {
			t.Errorf("%s: response has no ok field: %s", op, out)
		}
	}
}

func TestTokenRefreshFailed(t *testing.T) {
	e := newEnv(t, envOptions{accessTokenTTL: 2 * time.Second})
	e.connected(t, "atlassian-cloud")
	must[ondemand.ConfigureResult](t, e.invoke(t, request(ondemand.OpConfigureConnection, "atlassian-cloud",
		map[string]any{"clientSecret": "a-client-secret-atlassian-rejects"})))
	time.Sleep(2100 * time.Millisecond) // let the access token expire, so a refresh is needed
	wantError(t, e.invoke(t, request(ondemand.OpValidateConnection, "atlassian-cloud", nil)), ondemand.CodeTokenRefreshFailed, "")
	e.checkNoLeaks(t)
}
