// Package ondemand is the connector's interface to the platform's backend:
// one Lambda function that the backend invokes directly, and that
// EventBridge Scheduler invokes for scheduled syncs, with a versioned JSON
// envelope such as
//
//	{"version": 1, "operation": "startSync", "tenant": "acme", "connectionId": "atlassian-cloud"}
//
// Every response is {"ok": true, "result": {...}} or {"ok": false, "error":
// {"code", "message", "field"}}; the function never returns a Lambda
// error, so a scheduled invocation is not retried for a request that
// cannot succeed. No response or log record contains a token, secret or
// authorization code.
package ondemand

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/scheduler"

	"github.com/idgov/atlassian-cloud-connector/shared/bundle"
	"github.com/idgov/atlassian-cloud-connector/shared/connection"
	"github.com/idgov/atlassian-cloud-connector/shared/oauth"
	"github.com/idgov/atlassian-cloud-connector/shared/schedule"
	"github.com/idgov/atlassian-cloud-connector/shared/secrets"
	"github.com/idgov/atlassian-cloud-connector/shared/store"
	"github.com/idgov/atlassian-cloud-connector/shared/syncrun"
)

// DefaultRecoveryDays is how long a disconnected connection's secrets can
// be restored when the request does not set recoveryDays.
const DefaultRecoveryDays = secrets.MaxRecoveryDays

// Service handles on-demand requests. It implements lambda.Handler.
type Service struct {
	Table       *store.Table
	Connections *connection.Store
	Secrets     *secrets.Store
	Flow        *oauth.Flow
	Tokens      *oauth.TokenProvider
	Engine      *syncrun.Engine
	// Starter is nil when STATE_MACHINE_ARN is not set; startSync then fails.
	Starter    *syncrun.Starter
	Schedules  *schedule.Manager
	PageTokens *PageTokenKeys
	// APIURL is the base URL of accessible-resources and the Jira REST API.
	APIURL string
	// HTTPClient sends validateConnection's requests; nil means a client
	// with a 30-second timeout.
	HTTPClient *http.Client
	Logger     *slog.Logger
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

// Response is the body returned for every request.
type Response struct {
	OK     bool   `json:"ok"`
	Result any    `json:"result,omitempty"`
	Error  *Error `json:"error,omitempty"`
}

// New builds a Service from a bundle and the schedule manager.
func New(b *bundle.Bundle, schedules *schedule.Manager, keys *PageTokenKeys) *Service {
	return &Service{
		Table: b.Table, Connections: b.Connections, Secrets: b.Secrets,
		Flow: &oauth.Flow{
			Connections: b.Connections, States: b.States, Secrets: b.Secrets,
			AuthURL: b.AuthURL, APIURL: b.APIURL, Logger: b.Logger,
		},
		Tokens: b.Tokens, Engine: b.Engine, Starter: b.Starter, Schedules: schedules, PageTokens: keys,
		APIURL: b.APIURL, Logger: b.Logger,
	}
}

// FromEnv builds a Service from the environment: the bundle's variables
// (bundle.FromEnv), the schedule's (schedule.ConfigFromEnv) and the page
// token key's (PageTokenKeysFromEnv).
func FromEnv(ctx context.Context, logger *slog.Logger) (*Service, error) {
	b, err := bundle.FromEnv(ctx, logger)
	if err != nil {
		return nil, err
	}
	if b.Starter == nil {
		return nil, fmt.Errorf("STATE_MACHINE_ARN is not set: set it to the sync state machine's ARN")
	}
	scheduleCfg, err := schedule.ConfigFromEnv()
	if err != nil {
		return nil, err
	}
	keys, err := PageTokenKeysFromEnv(b.Secrets.Client)
	if err != nil {
		return nil, err
	}
	manager := &schedule.Manager{Client: scheduler.NewFromConfig(b.AWS), Config: scheduleCfg, Logger: logger}
	return New(b, manager, keys), nil
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

// Invoke handles one request. It always returns a Response document and a
// nil error; a panic becomes an internal_error response.
func (s *Service) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	return marshalResponse(s.Handle(ctx, payload)), nil
}

// Handle decodes a request, runs its operation and returns the Response.
func (s *Service) Handle(ctx context.Context, payload []byte) (resp Response) {
	started := time.Now()
	var header *Header
	defer func() {
		if p := recover(); p != nil {
			s.logger().ErrorContext(ctx, "on-demand request panicked", append(headerAttrs(header), "panic", fmt.Sprint(p))...)
			resp = Response{Error: internal(ctx)}
		}
		s.logOutcome(ctx, header, resp, time.Since(started))
	}()
	req, decodeErr := DecodeEnvelope(payload)
	if decodeErr != nil {
		return Response{Error: decodeErr}
	}
	header = req.header()
	result, err := s.dispatch(ctx, req)
	if err != nil {
		apiErr, unexpected := toError(ctx, err)
		if unexpected {
			s.logger().ErrorContext(ctx, "on-demand request failed", append(headerAttrs(header), "error", err.Error())...)
		}
		return Response{Error: apiErr}
	}
	return Response{OK: true, Result: result}
}

func (s *Service) dispatch(ctx context.Context, req Request) (any, error) {
	switch r := req.(type) {
	case *ConfigureRequest:
		return s.configure(ctx, r)
	case *ConnectionRequest:
		return s.validateConnection(ctx, r)
	case *StartSyncRequest:
		return s.startSync(ctx, r)
	case *StatusRequest:
		return s.syncStatus(ctx, r)
	case *PageRequest:
		if r.Operation == OpGetChanges {
			return s.changes(ctx, r)
		}
		return s.records(ctx, r)
	case *DisconnectRequest:
		return s.disconnect(ctx, r)
	case *ProvisionRequest:
		return s.provision(ctx, r)
	case *ActionsRequest:
		return s.listActions(ctx, r)
	}
	return nil, fmt.Errorf("request type %T has no handler", req)
}

func headerAttrs(h *Header) []any {
	if h == nil {
		return nil
	}
	return []any{"operation", h.Operation, "tenant", h.Tenant, "connectionId", h.ConnectionID}
}

// logOutcome writes one record per request: the operation, the
// connection, the outcome and the duration, never the payload.
func (s *Service) logOutcome(ctx context.Context, h *Header, resp Response, elapsed time.Duration) {
	attrs := append(headerAttrs(h), "ok", resp.OK, "durationMs", elapsed.Milliseconds())
	if resp.Error != nil {
		attrs = append(attrs, "code", resp.Error.Code, "field", resp.Error.Field)
	}
	s.logger().InfoContext(ctx, "on-demand request handled", attrs...)
}

func marshalResponse(resp Response) []byte {
	b, err := json.Marshal(resp)
	if err != nil {
		// Results are plain structs; this is a programming error.
		b, _ = json.Marshal(Response{Error: newError(CodeInternal, "", "the result could not be encoded: %v", err)})
	}
	return b
}
