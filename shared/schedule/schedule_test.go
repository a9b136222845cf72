package schedule_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/idgov/atlassian-cloud-connector/shared/connection"
	"github.com/idgov/atlassian-cloud-connector/shared/schedule"
	"github.com/idgov/atlassian-cloud-connector/shared/schedule/schedulertest"
)

const (
	group     = "connector-syncs"
	roleARN   = "arn:aws:iam::123456789012:role/scheduler-invoke"
	targetARN = "arn:aws:lambda:us-east-1:123456789012:function:ondemand"
)

var schedulerName = regexp.MustCompile(`^[0-9a-zA-Z-_.]{1,64}$`)

func newManager(t *testing.T) (*schedule.Manager, *schedulertest.Server) {
	t.Helper()
	server := schedulertest.StartForTest(t, group)
	return &schedule.Manager{
		Client: server.Client(),
		Config: schedule.Config{GroupName: group, RoleARN: roleARN, TargetARN: targetARN},
		Logger: slog.New(slog.DiscardHandler),
	}, server
}

func conn(tenant, id, expr, zone string) connection.Connection {
	return connection.Connection{
		Key:      connection.Key{Tenant: tenant, ID: id},
		Schedule: connection.Schedule{Expression: expr, TimeZone: zone},
		Status:   connection.StatusConnected,
	}
}

func TestNameFitsScheduler(t *testing.T) {
	long := strings.Repeat("t", 64)
	tests := []struct {
		name string
		key  connection.Key
		want string
	}{
		{"short", connection.Key{Tenant: "acme", ID: "atlassian-cloud"}, "acme.atlassian-cloud"},
		{"exactly 64", connection.Key{Tenant: strings.Repeat("a", 31), ID: strings.Repeat("b", 32)}, strings.Repeat("a", 31) + "." + strings.Repeat("b", 32)},
		{"long tenant", connection.Key{Tenant: long, ID: "atlassian-cloud"}, ""},
		{"long both", connection.Key{Tenant: long, ID: strings.Repeat("i", 64)}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := schedule.Name(tt.key)
			if !schedulerName.MatchString(got) {
				t.Errorf("Name(%v) = %q, which Scheduler rejects", tt.key, got)
			}
			if tt.want != "" && got != tt.want {
				t.Errorf("Name(%v) = %q, want %q", tt.key, got, tt.want)
			}
		})
	}
}

func TestNameDistinguishesLongKeys(t *testing.T) {
	tenant := strings.Repeat("t", 60)
	a := schedule.Name(connection.Key{Tenant: tenant, ID: "atlassian-cloud"})
	b := schedule.Name(connection.Key{Tenant: tenant, ID: "atlassian-cloud-2"})
	if a == b {
		t.Errorf("two long keys share the schedule name %q", a)
	}
}

func TestTargetInputIsStartSync(t *testing.T) {
	var in map[string]any
	if err := json.Unmarshal([]byte(schedule.TargetInput(connection.Key{Tenant: "acme", ID: "atlassian-cloud"})), &in); err != nil {
		t.Fatalf("target input is not JSON: %v", err)
	}
	want := map[string]any{"version": 1.0, "operation": "startSync", "tenant": "acme", "connectionId": "atlassian-cloud", "trigger": "schedule"}
	for k, v := range want {
		if in[k] != v {
			t.Errorf("input[%q] = %v, want %v", k, in[k], v)
		}
	}
	if len(in) != len(want) {
		t.Errorf("input has %d fields, want %d: %v", len(in), len(want), in)
	}
}

func TestApplyCreatesCronSchedule(t *testing.T) {
	m, server := newManager(t)
	c := conn("acme", "atlassian-cloud", "cron(0 3 * * ? *)", "Europe/Berlin")
	change, err := m.Apply(context.Background(), c)
	if err != nil {
		t.Fatalf("apply: %v", err)
	}
	if change.Action != schedule.ActionCreated {
		t.Errorf("action = %q, want %q", change.Action, schedule.ActionCreated)
	}
	got, ok := server.Schedule(group, "acme.atlassian-cloud")
	if !ok {
		t.Fatal("no schedule stored")
	}
	checks := []struct{ field, got, want string }{
		{"expression", got.ScheduleExpression, "cron(0 3 * * ? *)"},
		{"time zone", got.ScheduleExpressionTimezone, "Europe/Berlin"},
		{"state", got.State, "ENABLED"},
		{"target", got.Target.Arn, targetARN},
		{"role", got.Target.RoleArn, roleARN},
		{"input", got.Target.Input, schedule.TargetInput(c.Key)},
		{"window", got.FlexibleTimeWindow.Mode, "OFF"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.field, c.got, c.want)
		}
	}
	if got.Target.RetryPolicy == nil || got.Target.RetryPolicy.MaximumEventAgeInSeconds != 3600 {
		t.Errorf("retry policy = %+v, want a maximum event age of 3600 s", got.Target.RetryPolicy)
	}
}

func TestApplyUpdatesExistingSchedule(t *testing.T) {
	m, server := newManager(t)
	ctx := context.Background()
	if _, err := m.Apply(ctx, conn("acme", "atlassian-cloud", "cron(0 3 * * ? *)", "UTC")); err != nil {
		t.Fatalf("first apply: %v", err)
	}
	change, err := m.Apply(ctx, conn("acme", "atlassian-cloud", "rate(6 hours)", ""))
	if err != nil {
		t.Fatalf("second apply: %v", err)
	}
	if change.Action != schedule.ActionUpdated {
		t.Errorf("action = %q, want %q", change.Action, schedule.ActionUpdated)
	}
	got, _ := server.Schedule(group, "acme.atlassian-cloud")
	if got.ScheduleExpression != "rate(6 hours)" {
		t.Errorf("expression = %q, want rate(6 hours)", got.ScheduleExpression)
	}
	if got.ScheduleExpressionTimezone != "" {
		t.Errorf("time zone = %q, want none for a rate", got.ScheduleExpressionTimezone)
	}
	if n := len(server.Schedules()); n != 1 {
		t.Errorf("%d schedules stored, want 1", n)
	}
}

func TestApplyDeletesWhenNotScheduled(t *testing.T) {
	tests := []struct {
		name   string
		status connection.Status
		expr   string
	}{
		{"manual", connection.StatusConnected, connection.ScheduleManual},
		{"removed", connection.StatusRemoved, "rate(1 day)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, server := newManager(t)
			ctx := context.Background()
			if _, err := m.Apply(ctx, conn("acme", "atlassian-cloud", "rate(1 hour)", "")); err != nil {
				t.Fatalf("create: %v", err)
			}
			c := conn("acme", "atlassian-cloud", tt.expr, "")
			c.Status = tt.status
			change, err := m.Apply(ctx, c)
			if err != nil {
				t.Fatalf("apply: %v", err)
			}
			if change.Action != schedule.ActionDeleted {
				t.Errorf("action = %q, want %q", change.Action, schedule.ActionDeleted)
			}
			if n := len(server.Schedules()); n != 0 {
				t.Errorf("%d schedules left, want 0", n)
			}
		})
	}
}

func TestApplyManualWithoutScheduleDoesNothing(t *testing.T) {
	m, server := newManager(t)
	change, err := m.Apply(context.Background(), conn("acme", "atlassian-cloud", connection.ScheduleManual, ""))
	if err != nil {
		t.Fatalf("apply: %v", err)
	}
	if change.Action != schedule.ActionNone {
		t.Errorf("action = %q, want %q", change.Action, schedule.ActionNone)
	}
	if n := server.Calls("CreateSchedule"); n != 0 {
		t.Errorf("CreateSchedule called %d times, want 0", n)
	}
}

func TestApplyFlexibleWindow(t *testing.T) {
	m, server := newManager(t)
	m.Config.FlexibleWindow = 15 * time.Minute
	if _, err := m.Apply(context.Background(), conn("acme", "atlassian-cloud", "rate(1 day)", "")); err != nil {
		t.Fatalf("apply: %v", err)
	}
	got, _ := server.Schedule(group, "acme.atlassian-cloud")
	if got.FlexibleTimeWindow.Mode != "FLEXIBLE" {
		t.Errorf("window mode = %q, want FLEXIBLE", got.FlexibleTimeWindow.Mode)
	}
	if got.FlexibleTimeWindow.MaximumWindowInMinutes != 15 {
		t.Errorf("window = %d minutes, want 15", got.FlexibleTimeWindow.MaximumWindowInMinutes)
	}
}

func TestApplyTargetFromLambdaContext(t *testing.T) {
	m, server := newManager(t)
	m.Config.TargetARN = ""
	invoked := "arn:aws:lambda:us-east-1:123456789012:function:ondemand:live"
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{InvokedFunctionArn: invoked})
	if _, err := m.Apply(ctx, conn("acme", "atlassian-cloud", "rate(1 day)", "")); err != nil {
		t.Fatalf("apply: %v", err)
	}
	got, _ := server.Schedule(group, "acme.atlassian-cloud")
	if got.Target.Arn != invoked {
		t.Errorf("target = %q, want %q", got.Target.Arn, invoked)
	}
}

func TestApplyErrors(t *testing.T) {
	tests := []struct {
		name    string
		prepare func(*schedule.Manager, *schedulertest.Server)
		want    string
	}{
		{"no target outside Lambda", func(m *schedule.Manager, _ *schedulertest.Server) { m.Config.TargetARN = "" }, "ONDEMAND_FUNCTION_ARN"},
		{"missing group", func(m *schedule.Manager, _ *schedulertest.Server) { m.Config.GroupName = "absent" }, "ResourceNotFoundException"},
		{"throttled on every attempt", func(_ *schedule.Manager, s *schedulertest.Server) {
			for range 3 { // the SDK's standard retryer makes 3 attempts
				s.Fail("CreateSchedule", http.StatusTooManyRequests, "ThrottlingException")
			}
		}, "ThrottlingException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, server := newManager(t)
			tt.prepare(m, server)
			_, err := m.Apply(context.Background(), conn("acme", "atlassian-cloud", "rate(1 day)", ""))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestApplyRetriesThrottling(t *testing.T) {
	m, server := newManager(t)
	server.Fail("CreateSchedule", http.StatusTooManyRequests, "ThrottlingException")
	if _, err := m.Apply(context.Background(), conn("acme", "atlassian-cloud", "rate(1 day)", "")); err != nil {
		t.Fatalf("apply after one throttled attempt: %v", err)
	}
	if n := server.Calls("CreateSchedule"); n != 2 {
		t.Errorf("CreateSchedule called %d times, want 2", n)
	}
}

func TestDeleteMissingSchedule(t *testing.T) {
	m, _ := newManager(t)
	change, err := m.Delete(context.Background(), connection.Key{Tenant: "acme", ID: "atlassian-cloud"})
	if err != nil {
		t.Fatalf("delete: %v", err)
	}
	if change.Action != schedule.ActionNone {
		t.Errorf("action = %q, want %q", change.Action, schedule.ActionNone)
	}
}

func TestGetAndList(t *testing.T) {
	m, _ := newManager(t)
	ctx := context.Background()
	for _, c := range []connection.Connection{
		conn("acme", "atlassian-cloud", "rate(1 day)", ""),
		conn("acme", "atlassian-cloud-2", "cron(30 2 ? * MON *)", "America/New_York"),
		conn("globex", "atlassian-cloud", "rate(12 hours)", ""),
	} {
		if _, err := m.Apply(ctx, c); err != nil {
			t.Fatalf("apply %v: %v", c.Key, err)
		}
	}
	info, err := m.Get(ctx, connection.Key{Tenant: "acme", ID: "atlassian-cloud-2"})
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	if info == nil || info.TimeZone != "America/New_York" {
		t.Errorf("schedule = %+v, want time zone America/New_York", info)
	}
	missing, err := m.Get(ctx, connection.Key{Tenant: "acme", ID: "atlassian-cloud-3"})
	if err != nil || missing != nil {
		t.Errorf("get of a missing schedule = %+v, %v; want nil, nil", missing, err)
	}
	names, err := m.List(ctx, "acme.")
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	if strings.Join(names, ",") != "acme.atlassian-cloud,acme.atlassian-cloud-2" {
		t.Errorf("names = %v, want acme's two schedules", names)
	}
}

func TestConfigFromEnv(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		wantErr string
	}{
		{"complete", map[string]string{"SCHEDULE_GROUP_NAME": group, "SCHEDULER_ROLE_ARN": roleARN}, ""},
		{"no group", map[string]string{"SCHEDULER_ROLE_ARN": roleARN}, "SCHEDULE_GROUP_NAME is not set"},
		{"bad group", map[string]string{"SCHEDULE_GROUP_NAME": "a/b", "SCHEDULER_ROLE_ARN": roleARN}, "SCHEDULE_GROUP_NAME=\"a/b\" is invalid"},
		{"no role", map[string]string{"SCHEDULE_GROUP_NAME": group}, "SCHEDULER_ROLE_ARN is not set"},
		{"bad window", map[string]string{"SCHEDULE_GROUP_NAME": group, "SCHEDULER_ROLE_ARN": roleARN, "SCHEDULE_FLEXIBLE_WINDOW_MINUTES": "2000"}, "SCHEDULE_FLEXIBLE_WINDOW_MINUTES"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, k := range []string{"SCHEDULE_GROUP_NAME", "SCHEDULER_ROLE_ARN", "ONDEMAND_FUNCTION_ARN", "SCHEDULE_FLEXIBLE_WINDOW_MINUTES"} {
				t.Setenv(k, tt.env[k])
			}
			_, err := schedule.ConfigFromEnv()
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("error = %v, want none", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}
