package provision

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"golang.org/x/oauth2"

	"github.com/idgov/atlassian-cloud-connector/shared/atlassian"
	"github.com/idgov/atlassian-cloud-connector/shared/connection"
	"github.com/idgov/atlassian-cloud-connector/shared/oauth"
	"github.com/idgov/atlassian-cloud-connector/shared/snapshot"
	"github.com/idgov/atlassian-cloud-connector/shared/store"
	"github.com/idgov/atlassian-cloud-connector/shared/syncrun"
)

// Defaults of the Service's settings.
const (
	// DefaultRetention matches the sync's default snapshot retention.
	DefaultRetention = 400 * 24 * time.Hour
	// DefaultLease is longer than the on-demand function's 120-second
	// timeout, so a running request is never taken over.
	DefaultLease       = 5 * time.Minute
	DefaultHTTPTimeout = 30 * time.Second
)

// DeleteGroupScope is the OAuth scope that DELETE /rest/api/3/group needs.
const DeleteGroupScope = "delete:group:jira"

// Outcomes of a successful request.
const (
	OutcomeAdded          = "added"
	OutcomeRemoved        = "removed"
	OutcomeCreated        = "created"
	OutcomeAlreadyPresent = "alreadyPresent"
	OutcomeAlreadyAbsent  = "alreadyAbsent"
	OutcomeAlreadyExists  = "alreadyExists"
)

// How an outcome was decided.
const (
	DecidedByResponse   = "response"   // Jira's status code
	DecidedByReadBefore = "readBefore" // a read before writing showed nothing to do
	DecidedByReadBack   = "readBack"   // a read after a 400 or a lost response
	DecidedByRetry      = "retry"      // the one retry after a lost response
)

// Service carries out provisioning requests.
type Service struct {
	Table  *store.Table
	Engine *syncrun.Engine
	Tokens *oauth.TokenProvider
	// APIURL is the base URL of the Jira REST API, such as
	// atlassian.DefaultAPIURL.
	APIURL string
	// RatePerSecond paces this service's Jira calls; 0 means the client's
	// default of 20.
	RatePerSecond float64
	// HTTPTimeout bounds each Jira request attempt; 0 means DefaultHTTPTimeout.
	HTTPTimeout time.Duration
	// Retention is how long request IDs and action log entries are kept;
	// 0 means DefaultRetention.
	Retention time.Duration
	// Lease is how long a running request holds its request ID; 0 means
	// DefaultLease.
	Lease  time.Duration
	Logger *slog.Logger
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

// Result is the result of a successful request.
type Result struct {
	RequestID string `json:"requestId"`
	Operation string `json:"operation"`
	// Changed is false when Jira already had the requested state.
	Changed   bool   `json:"changed"`
	Outcome   string `json:"outcome"`
	DecidedBy string `json:"decidedBy"`
	// User is the user createUser created or found.
	User *snapshot.ServiceUser `json:"user,omitempty"`
	// Group is the group createGroup created or found.
	Group    *atlassian.Group `json:"group,omitempty"`
	Note     string           `json:"note,omitempty"`
	Snapshot SnapshotEdit     `json:"snapshot"`
	// StartedAt is when the first attempt of this request started.
	StartedAt time.Time `json:"startedAt"`
	// Replayed is true when this is the stored result of an earlier request
	// with the same request ID.
	Replayed bool `json:"replayed"`
}

// SnapshotEdit is the record of a request's edits to the current snapshot.
type SnapshotEdit struct {
	// RunID is the run whose snapshot was edited; empty before the first
	// completed sync, when there is no snapshot to edit.
	RunID   string `json:"runId,omitempty"`
	Written int    `json:"written"`
	Deleted int    `json:"deleted"`
	Note    string `json:"note,omitempty"`
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Service) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.Default()
}

func (s *Service) ledger() *ledger {
	l := &ledger{table: s.Table, retention: s.Retention, lease: s.Lease}
	if l.retention <= 0 {
		l.retention = DefaultRetention
	}
	if l.lease <= 0 {
		l.lease = DefaultLease
	}
	return l
}

// Do carries out one request on a connected connection: it claims the
// request ID, changes Jira, edits the current snapshot and records the
// outcome. A failed request releases its request ID, so the caller can send
// it again, corrected or not, with the same ID.
func (s *Service) Do(ctx context.Context, conn connection.Connection, req Request) (*Result, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	if req.Action.Operation == OpDeleteGroup {
		return nil, newError(CodeScopeMissing, "operation",
			"deleteGroup needs the OAuth scope %s, which the connector's app does not request, so connection %s cannot delete group %s: delete the group in Jira's user management",
			DeleteGroupScope, conn.Key, req.Action.GroupID)
	}

	attrs := []any{"tenant", conn.Tenant, "connectionId", conn.ID, "requestId", req.RequestID, "operation", req.Action.Operation}
	c, replay, err := s.ledger().claim(ctx, req, s.now())
	if err != nil {
		return nil, err
	}
	if replay != nil {
		s.logger().InfoContext(ctx, "provisioning request replayed", attrs...)
		return replay, nil
	}

	result, err := s.execute(ctx, conn, req)
	// The outcome is recorded even when the invocation's context has ended.
	recordCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err != nil {
		if failErr := s.ledger().fail(recordCtx, c, errorEntry(err), s.now()); failErr != nil {
			s.logger().ErrorContext(ctx, "provisioning failure not recorded", append(attrs, "error", failErr.Error())...)
		}
		s.logger().WarnContext(ctx, "provisioning request failed", append(attrs, "error", err.Error())...)
		return nil, err
	}

	result.RequestID, result.Operation, result.StartedAt = req.RequestID, req.Action.Operation, c.startedAt
	if err := s.ledger().complete(recordCtx, c, result, s.now()); err != nil {
		return nil, fmt.Errorf("%s of %s reached Jira and the snapshot, but its result was not recorded: send it again with the same requestId after %s: %w",
			req.Action.Operation, conn.Key, s.ledger().lease, err)
	}
	s.logger().InfoContext(ctx, "provisioning request done", append(attrs,
		"changed", result.Changed, "outcome", result.Outcome, "decidedBy", result.DecidedBy, "snapshotRunId", result.Snapshot.RunID)...)
	return result, nil
}

// errorEntry converts an error into its action log form. Errors of the
// connector's packages contain no tokens or secrets.
func errorEntry(err error) ErrorEntry {
	var (
		own         *Error
		limited     *atlassian.RateLimitedError
		unavailable *atlassian.UnavailableError
	)
	switch {
	case errors.As(err, &own):
		return ErrorEntry{Code: own.Code, Field: own.Field, Message: own.Message}
	case errors.As(err, &limited), errors.As(err, &unavailable), errors.Is(err, context.DeadlineExceeded):
		return ErrorEntry{Code: "upstream_unavailable", Message: err.Error()}
	}
	// Internal causes (AWS error text, for instance) stay in the logs; the
	// action log, which the backend reads, says only what happened.
	return ErrorEntry{Code: "internal_error",
		Message: "an internal error stopped the action; the function's logs have the cause under this request id"}
}

// operation is one request being carried out.
type operation struct {
	svc    *Service
	conn   connection.Connection
	action Action
	jira   *atlassian.Client
	target *target
}

func (s *Service) execute(ctx context.Context, conn connection.Connection, req Request) (*Result, error) {
	jira, err := s.jiraClient(ctx, conn)
	if err != nil {
		return nil, err
	}
	o := &operation{svc: s, conn: conn, action: req.Action, jira: jira}
	switch req.Action.Operation {
	case OpAddGroupMember:
		return o.addGroupMember(ctx)
	case OpRemoveGroupMember:
		return o.removeGroupMember(ctx)
	case OpAddProjectRoleActor:
		return o.addProjectRoleActor(ctx)
	case OpRemoveProjectRoleActor:
		return o.removeProjectRoleActor(ctx)
	case OpCreateUser:
		return o.createUser(ctx)
	case OpRemoveUser:
		return o.removeUser(ctx)
	case OpCreateGroup:
		return o.createGroup(ctx)
	}
	return nil, fmt.Errorf("operation %q has no handler", req.Action.Operation)
}

// jiraClient returns a client for the connection's site. It gets a token
// first, so a lost grant fails as oauth.ReconsentRequiredError rather than
// as a rejected Jira call.
func (s *Service) jiraClient(ctx context.Context, conn connection.Connection) (*atlassian.Client, error) {
	if _, err := s.Tokens.Token(ctx, conn.Key); err != nil {
		return nil, err
	}
	httpClient := oauth2.NewClient(context.WithoutCancel(ctx), s.Tokens.TokenSource(conn.Key))
	httpClient.Timeout = s.HTTPTimeout
	if httpClient.Timeout <= 0 {
		httpClient.Timeout = DefaultHTTPTimeout
	}
	return atlassian.New(atlassian.Config{
		APIURL: s.APIURL, CloudID: conn.CloudID, HTTPClient: httpClient,
		RatePerSecond: s.RatePerSecond, Logger: s.logger(),
	})
}

// ListActions returns up to limit entries of a connection's action log,
// newest first, after the entry whose sort key is after ("" for the first
// page), and the sort key to continue after ("" after the last page). An
// entry may be in progress, so a page read during a request shows it
// without an outcome.
func (s *Service) ListActions(ctx context.Context, key connection.Key, after string, limit int) ([]ActionRecord, string, error) {
	if limit <= 0 {
		return nil, "", fmt.Errorf("action log page size %d must be positive", limit)
	}
	return s.ledger().list(ctx, key, after, limit)
}
