// Package schedule keeps one Amazon EventBridge Scheduler schedule per
// connection whose schedule is not manual. Each schedule invokes the
// on-demand function with a startSync request for its connection; see
// docs/scheduling.md for why there is one schedule per connection rather
// than one dispatcher.
package schedule

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"regexp"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"
	"github.com/aws/aws-sdk-go-v2/service/scheduler/types"

	"github.com/idgov/atlassian-cloud-connector/shared/connection"
)

// MaxNameLength is Scheduler's limit on a schedule name.
const MaxNameLength = 64

// Retry policy of every schedule's target. Scheduler retries only when the
// invocation itself fails (throttling, a function error), and a repeated
// startSync joins the run the first one started, so retrying is safe.
const (
	maxEventAge      = time.Hour
	maxRetryAttempts = 3
)

// groupNamePattern is Scheduler's rule for schedule group names.
var groupNamePattern = regexp.MustCompile(`^[0-9a-zA-Z-_.]{1,64}$`)

// Actions that Apply reports.
const (
	ActionCreated = "created"
	ActionUpdated = "updated"
	ActionDeleted = "deleted"
	ActionNone    = "none" // manual or removed, and no schedule existed
)

// Config is where schedules go and what they invoke.
type Config struct {
	// GroupName is the schedule group, which must exist.
	GroupName string
	// RoleARN is the IAM role Scheduler assumes to invoke the target.
	RoleARN string
	// TargetARN is the on-demand function's ARN. Empty means the ARN the
	// current Lambda invocation was called with.
	TargetARN string
	// FlexibleWindow spreads each start over a window of this length;
	// zero starts at the scheduled time.
	FlexibleWindow time.Duration
}

// ConfigFromEnv reads SCHEDULE_GROUP_NAME, SCHEDULER_ROLE_ARN and, when set,
// ONDEMAND_FUNCTION_ARN and SCHEDULE_FLEXIBLE_WINDOW_MINUTES.
func ConfigFromEnv() (Config, error) {
	cfg := Config{
		GroupName: os.Getenv("SCHEDULE_GROUP_NAME"),
		RoleARN:   os.Getenv("SCHEDULER_ROLE_ARN"),
		TargetARN: os.Getenv("ONDEMAND_FUNCTION_ARN"),
	}
	if cfg.GroupName == "" {
		return cfg, errors.New("SCHEDULE_GROUP_NAME is not set: set it to the EventBridge Scheduler group that holds the connections' schedules")
	}
	if !groupNamePattern.MatchString(cfg.GroupName) {
		return cfg, fmt.Errorf("SCHEDULE_GROUP_NAME=%q is invalid: use 1 to 64 characters of 0-9, a-z, A-Z, '-', '_' and '.'", cfg.GroupName)
	}
	if cfg.RoleARN == "" {
		return cfg, errors.New("SCHEDULER_ROLE_ARN is not set: set it to the IAM role that EventBridge Scheduler assumes to invoke the on-demand function")
	}
	if v := os.Getenv("SCHEDULE_FLEXIBLE_WINDOW_MINUTES"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 1440 {
			return cfg, fmt.Errorf("SCHEDULE_FLEXIBLE_WINDOW_MINUTES=%q is invalid: set a whole number of minutes from 0 (off) to 1440", v)
		}
		cfg.FlexibleWindow = time.Duration(n) * time.Minute
	}
	return cfg, nil
}

// Manager creates, updates and deletes the schedules of connections.
type Manager struct {
	Client *scheduler.Client
	Config Config
	// Logger nil means slog.Default().
	Logger *slog.Logger
}

// Change is what Apply or Delete did to a connection's schedule.
type Change struct {
	Name       string `json:"name"`
	Action     string `json:"action"`
	Expression string `json:"expression,omitempty"`
	TimeZone   string `json:"timeZone,omitempty"`
}

// Name returns the schedule name of a connection: "<tenant>.<id>" when that
// fits Scheduler's 64 characters. Longer keys keep the first 51 characters
// and add "_" and 12 hex digits of the key's SHA-256. Tenants and
// identifiers contain neither '.' nor '_', so two keys never share a short
// name, and a short name never equals a hashed one.
func Name(key connection.Key) string {
	name := key.Tenant + "." + key.ID
	if len(name) <= MaxNameLength {
		return name
	}
	sum := sha256.Sum256([]byte(key.Tenant + "/" + key.ID))
	suffix := "_" + hex.EncodeToString(sum[:6])
	return name[:MaxNameLength-len(suffix)] + suffix
}

// Input is the payload a schedule sends to the on-demand function.
type Input struct {
	Version      int    `json:"version"`
	Operation    string `json:"operation"`
	Tenant       string `json:"tenant"`
	ConnectionID string `json:"connectionId"`
	Trigger      string `json:"trigger"`
}

// TargetInput returns the JSON payload of a connection's schedule: a
// version 1 startSync request with trigger "schedule".
func TargetInput(key connection.Key) string {
	b, err := json.Marshal(Input{Version: 1, Operation: "startSync", Tenant: key.Tenant, ConnectionID: key.ID, Trigger: "schedule"})
	if err != nil {
		panic(fmt.Sprintf("encode schedule input: %v", err)) // strings and an int always encode
	}
	return string(b)
}

func (m *Manager) logger() *slog.Logger {
	if m.Logger != nil {
		return m.Logger
	}
	return slog.Default()
}

// Apply makes the connection's schedule match its settings: it creates or
// updates the schedule of a rate or cron expression, and deletes it when the
// connection is manual or removed.
func (m *Manager) Apply(ctx context.Context, conn connection.Connection) (Change, error) {
	expr := conn.Schedule.Expression
	if conn.Status == connection.StatusRemoved || expr == connection.ScheduleManual || expr == "" {
		return m.Delete(ctx, conn.Key)
	}
	schedule, err := conn.Schedule.Normalize()
	if err != nil {
		return Change{}, err
	}
	target, err := m.targetARN(ctx)
	if err != nil {
		return Change{}, err
	}
	name := Name(conn.Key)
	change := Change{Name: name, Expression: schedule.Expression, TimeZone: schedule.TimeZone}
	create := m.createInput(conn.Key, name, schedule, target)
	_, err = m.Client.CreateSchedule(ctx, create)
	var conflict *types.ConflictException
	switch {
	case err == nil:
		change.Action = ActionCreated
	case errors.As(err, &conflict):
		if err := m.update(ctx, create); err != nil {
			return Change{}, err
		}
		change.Action = ActionUpdated
	default:
		return Change{}, fmt.Errorf("create schedule %s in group %s for %s: %w", name, m.Config.GroupName, conn.Key, err)
	}
	m.logger().InfoContext(ctx, "schedule applied", "tenant", conn.Tenant, "connectionId", conn.ID,
		"schedule", name, "action", change.Action, "expression", change.Expression, "timeZone", change.TimeZone)
	return change, nil
}

// update replaces an existing schedule. If it was deleted after the create
// failed with a conflict, it is created again.
func (m *Manager) update(ctx context.Context, in *scheduler.CreateScheduleInput) error {
	_, err := m.Client.UpdateSchedule(ctx, &scheduler.UpdateScheduleInput{
		Name: in.Name, GroupName: in.GroupName, Description: in.Description,
		ScheduleExpression: in.ScheduleExpression, ScheduleExpressionTimezone: in.ScheduleExpressionTimezone,
		FlexibleTimeWindow: in.FlexibleTimeWindow, State: in.State, Target: in.Target,
		ActionAfterCompletion: in.ActionAfterCompletion,
	})
	var notFound *types.ResourceNotFoundException
	if errors.As(err, &notFound) {
		_, err = m.Client.CreateSchedule(ctx, in)
	}
	if err != nil {
		return fmt.Errorf("update schedule %s in group %s: %w", aws.ToString(in.Name), m.Config.GroupName, err)
	}
	return nil
}

func (m *Manager) createInput(key connection.Key, name string, schedule connection.Schedule, target string) *scheduler.CreateScheduleInput {
	window := &types.FlexibleTimeWindow{Mode: types.FlexibleTimeWindowModeOff}
	if m.Config.FlexibleWindow > 0 {
		window = &types.FlexibleTimeWindow{
			Mode:                   types.FlexibleTimeWindowModeFlexible,
			MaximumWindowInMinutes: aws.Int32(int32(m.Config.FlexibleWindow / time.Minute)),
		}
	}
	in := &scheduler.CreateScheduleInput{
		Name:                  aws.String(name),
		GroupName:             aws.String(m.Config.GroupName),
		Description:           aws.String("Jira Cloud sync of connection " + key.String()),
		ScheduleExpression:    aws.String(schedule.Expression),
		FlexibleTimeWindow:    window,
		State:                 types.ScheduleStateEnabled,
		ActionAfterCompletion: types.ActionAfterCompletionNone,
		Target: &types.Target{
			Arn:     aws.String(target),
			RoleArn: aws.String(m.Config.RoleARN),
			Input:   aws.String(TargetInput(key)),
			RetryPolicy: &types.RetryPolicy{
				MaximumEventAgeInSeconds: aws.Int32(int32(maxEventAge / time.Second)),
				MaximumRetryAttempts:     aws.Int32(maxRetryAttempts),
			},
		},
	}
	if schedule.TimeZone != "" {
		in.ScheduleExpressionTimezone = aws.String(schedule.TimeZone)
	}
	return in
}

// targetARN returns the configured function ARN, or the ARN of the running
// invocation.
func (m *Manager) targetARN(ctx context.Context) (string, error) {
	if m.Config.TargetARN != "" {
		return m.Config.TargetARN, nil
	}
	if lc, ok := lambdacontext.FromContext(ctx); ok && lc.InvokedFunctionArn != "" {
		return lc.InvokedFunctionArn, nil
	}
	return "", errors.New("the on-demand function's ARN is unknown outside Lambda: set ONDEMAND_FUNCTION_ARN")
}

// Delete removes the connection's schedule. A schedule that does not exist
// is not an error; the change's action is then ActionNone.
func (m *Manager) Delete(ctx context.Context, key connection.Key) (Change, error) {
	name := Name(key)
	_, err := m.Client.DeleteSchedule(ctx, &scheduler.DeleteScheduleInput{
		Name: aws.String(name), GroupName: aws.String(m.Config.GroupName),
	})
	var notFound *types.ResourceNotFoundException
	if errors.As(err, &notFound) {
		return Change{Name: name, Action: ActionNone}, nil
	}
	if err != nil {
		return Change{}, fmt.Errorf("delete schedule %s in group %s for %s: %w", name, m.Config.GroupName, key, err)
	}
	m.logger().InfoContext(ctx, "schedule deleted", "tenant", key.Tenant, "connectionId", key.ID, "schedule", name)
	return Change{Name: name, Action: ActionDeleted}, nil
}

// Info is the stored state of a connection's schedule.
type Info struct {
	Name       string `json:"name"`
	State      string `json:"state"`
	Expression string `json:"expression"`
	TimeZone   string `json:"timeZone,omitempty"`
}

// Get returns the connection's schedule, or nil when it has none.
func (m *Manager) Get(ctx context.Context, key connection.Key) (*Info, error) {
	name := Name(key)
	out, err := m.Client.GetSchedule(ctx, &scheduler.GetScheduleInput{
		Name: aws.String(name), GroupName: aws.String(m.Config.GroupName),
	})
	var notFound *types.ResourceNotFoundException
	if errors.As(err, &notFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read schedule %s in group %s for %s: %w", name, m.Config.GroupName, key, err)
	}
	return &Info{
		Name: name, State: string(out.State), Expression: aws.ToString(out.ScheduleExpression),
		TimeZone: aws.ToString(out.ScheduleExpressionTimezone),
	}, nil
}

// List returns the names of the group's schedules that start with prefix,
// such as a tenant's "<tenant>.".
func (m *Manager) List(ctx context.Context, prefix string) ([]string, error) {
	var names []string
	in := &scheduler.ListSchedulesInput{GroupName: aws.String(m.Config.GroupName)}
	if prefix != "" {
		in.NamePrefix = aws.String(prefix)
	}
	pages := scheduler.NewListSchedulesPaginator(m.Client, in)
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list schedules in group %s: %w", m.Config.GroupName, err)
		}
		for _, s := range page.Schedules {
			names = append(names, aws.ToString(s.Name))
		}
	}
	return names, nil
}
