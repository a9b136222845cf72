package ondemand_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/idgov/atlassian-cloud-connector/shared/bundle"
	"github.com/idgov/atlassian-cloud-connector/shared/connection"
	"github.com/idgov/atlassian-cloud-connector/shared/jirasim"
	"github.com/idgov/atlassian-cloud-connector/shared/localaws"
	"github.com/idgov/atlassian-cloud-connector/shared/oauth"
	"github.com/idgov/atlassian-cloud-connector/shared/ondemand"
	"github.com/idgov/atlassian-cloud-connector/shared/schedule"
	"github.com/idgov/atlassian-cloud-connector/shared/schedule/schedulertest"
	"github.com/idgov/atlassian-cloud-connector/shared/store/storetest"
	"github.com/idgov/atlassian-cloud-connector/shared/syncrun"
)

const (
	testTenant       = "acme"
	testClientID     = "ondemand-test-client"
	testClientSecret = "ondemand-test-client-secret-value"
	testPageKey      = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
	scheduleGroup    = "connector-syncs"
	schedulerRole    = "arn:aws:iam::123456789012:role/scheduler-invoke"
)

// env is the whole local stack behind the on-demand function: the Jira
// simulator, DynamoDB Local, the Secrets Manager endpoint, the Lambda and
// Step Functions endpoints running the real state machine, and the fake
// Scheduler.
type env struct {
	sim       *jirasim.Server
	dataset   *jirasim.Dataset
	secrets   *localaws.SecretsManager
	lambda    *localaws.Lambda
	scheduler *schedulertest.Server
	bundle    *bundle.Bundle
	service   *ondemand.Service
	handler   lambda.Handler
	logs      *lockedBuffer

	mu      sync.Mutex
	outputs [][]byte // every response, for the leak check
}

type envOptions struct {
	accessTokenTTL time.Duration
}

func newEnv(t *testing.T, opts envOptions) *env {
	t.Helper()
	ds, err := jirasim.Generate(jirasim.SizeSmall, 11)
	if err != nil {
		t.Fatalf("generate dataset: %v", err)
	}
	sim, err := jirasim.Start(ds.Clone(), jirasim.Options{
		ClientID: testClientID, ClientSecret: testClientSecret, Consent: jirasim.ConsentAuto,
		AccessTokenTTL: opts.accessTokenTTL,
	})
	if err != nil {
		t.Fatalf("start simulator: %v", err)
	}
	t.Cleanup(sim.Close)
	table := storetest.NewTable(t)
	sm := localaws.StartSecretsManagerForTest(t)
	logs := &lockedBuffer{}
	logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))

	lambdaEndpoint := localaws.StartLambdaForTest(t, nil)
	sfnEndpoint := localaws.StartStepFunctionsForTest(t, lambdaEndpoint.URL())
	machineARN := sfnEndpoint.RegisterStateMachine("sync", stateMachineDefinition(t))

	b := bundle.New(bundle.Options{
		AWS: localaws.LocalConfig(), DynamoDB: table.Client, SecretsManager: sm.Client(), SFN: sfnEndpoint.Client(),
		TableName: table.Name, StateMachineARN: machineARN, APIURL: sim.URL(), AuthURL: sim.URL(),
		Sync:              syncrun.Config{Lanes: 2, WorkerBudget: 5 * time.Second, IdlePoll: 50 * time.Millisecond},
		JiraRatePerSecond: 2000, Logger: logger,
	})
	lambdaEndpoint.Register("orchestrator", lambda.NewHandler(b.Engine.Orchestrate))
	lambdaEndpoint.Register("worker", lambda.NewHandler(b.Engine.Worker))

	fakeScheduler := schedulertest.StartForTest(t, scheduleGroup)
	manager := &schedule.Manager{
		Client: fakeScheduler.Client(), Logger: logger,
		Config: schedule.Config{GroupName: scheduleGroup, RoleARN: schedulerRole, TargetARN: localaws.FunctionARN("ondemand")},
	}
	service := ondemand.New(b, manager, &ondemand.PageTokenKeys{Hex: testPageKey})
	lambdaEndpoint.Register("ondemand", service)
	return &env{
		sim: sim, dataset: ds, secrets: sm, lambda: lambdaEndpoint, scheduler: fakeScheduler,
		bundle: b, service: service, handler: lambda.NewHandler(service), logs: logs,
	}
}

// stateMachineDefinition returns infra/statemachine.asl.json with the
// function ARNs of the local Lambda endpoint.
func stateMachineDefinition(t *testing.T) string {
	t.Helper()
	root, err := localaws.RepoRoot()
	if err != nil {
		t.Fatalf("find the repository root: %v", err)
	}
	raw, err := os.ReadFile(filepath.Join(root, "infra", "statemachine.asl.json"))
	if err != nil {
		t.Fatalf("read the state machine definition: %v", err)
	}
	return strings.NewReplacer(
		"${OrchestratorFunctionArn}", localaws.FunctionARN("orchestrator"),
		"${WorkerFunctionArn}", localaws.FunctionARN("worker"),
	).Replace(string(raw))
}

// invoke sends a request through the Lambda handler and decodes the response.
func (e *env) invoke(t *testing.T, request map[string]any) response {
	t.Helper()
	payload, err := json.Marshal(request)
	if err != nil {
		t.Fatalf("encode request: %v", err)
	}
	return e.invokeRaw(t, payload)
}

func (e *env) invokeRaw(t *testing.T, payload []byte) response {
	t.Helper()
	out, err := e.handler.Invoke(context.Background(), payload)
	if err != nil {
		t.Fatalf("handler returned an error instead of a result: %v", err)
	}
	e.mu.Lock()
	e.outputs = append(e.outputs, out)
	e.mu.Unlock()
	return decodeResponse(t, out)
}

// response is a decoded handler output. Result stays raw for the caller to decode.
type response struct {
	OK     bool            `json:"ok"`
	Result json.RawMessage `json:"result"`
	Error  *ondemand.Error `json:"error"`
	raw    []byte
}

func decodeResponse(t *testing.T, out []byte) response {
	t.Helper()
	var r response
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("response is not JSON: %v: %s", err, out)
	}
	r.raw = out
	return r
}

// must returns the result of a successful response decoded into T.
func must[T any](t *testing.T, r response) T {
	t.Helper()
	var v T
	if !r.OK {
		t.Fatalf("request failed: %s", r.raw)
	}
	if err := json.Unmarshal(r.Result, &v); err != nil {
		t.Fatalf("decode result: %v: %s", err, r.Result)
	}
	return v
}

// wantError checks that a response failed with the code and field.
func wantError(t *testing.T, r response, code, field string) {
	t.Helper()
	if r.OK || r.Error == nil {
		t.Fatalf("response = %s, want error %s", r.raw, code)
	}
	if r.Error.Code != code {
		t.Errorf("error code = %q, want %q (message: %s)", r.Error.Code, code, r.Error.Message)
	}
	if r.Error.Field != field {
		t.Errorf("error field = %q, want %q (message: %s)", r.Error.Field, field, r.Error.Message)
	}
	if r.Error.Message == "" {
		t.Error("error message is empty")
	}
}

func request(operation, connectionID string, fields map[string]any) map[string]any {
	r := map[string]any{"version": 1, "operation": operation, "tenant": testTenant}
	if connectionID != "" {
		r["connectionId"] = connectionID
	}
	for k, v := range fields {
		r[k] = v
	}
	return r
}

// configure creates a connection whose redirect URL is a free loopback
// port, where connect later serves the callback.
func (e *env) configure(t *testing.T, id string, fields map[string]any) ondemand.ConfigureResult {
	t.Helper()
	base := map[string]any{
		"siteUrl": e.dataset.Sites[0].URL, "clientId": testClientID, "clientSecret": testClientSecret,
		"redirectUrl": "http://" + freeLoopbackAddress(t) + oauth.CallbackPathPrefix + id,
		"schedule":    map[string]any{"expression": "rate(6 hours)"},
	}
	for k, v := range fields {
		base[k] = v
	}
	return must[ondemand.ConfigureResult](t, e.invoke(t, request(ondemand.OpConfigureConnection, id, base)))
}

// connect completes the consent of a configured connection against the
// simulator, without starting a sync.
func (e *env) connect(t *testing.T, id string) {
	t.Helper()
	_, err := oauth.ConnectLocally(context.Background(), oauth.LocalConnectOptions{
		Config:      connection.Config{Key: connection.Key{Tenant: testTenant, ID: id}},
		Reconnect:   true,
		Connections: e.bundle.Connections, States: e.bundle.States, Secrets: e.bundle.Secrets, Sync: noSync{},
		AuthURL: e.sim.URL(), APIURL: e.sim.URL(), Headless: true, Out: io.Discard, Logger: e.bundle.Logger,
	})
	if err != nil {
		t.Fatalf("connect %s: %v", id, err)
	}
}

// connected configures and connects a connection.
func (e *env) connected(t *testing.T, id string) {
	t.Helper()
	e.configure(t, id, nil)
	e.connect(t, id)
}

type noSync struct{}

func (noSync) StartSync(context.Context, connection.Key, string) (string, error) { return "", nil }

// freeLoopbackAddress returns a 127.0.0.1 address whose port was free a
// moment ago.
func freeLoopbackAddress(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find a free port: %v", err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return addr
}

// syncNow starts a sync through the handler and waits for its execution.
func (e *env) syncNow(t *testing.T, id string) ondemand.StatusResult {
	t.Helper()
	started := must[ondemand.StartSyncResult](t, e.invoke(t, request(ondemand.OpStartSync, id, nil)))
	return e.waitRun(t, id, started.RunID)
}

// waitRun polls getSyncStatus until the run is no longer running.
func (e *env) waitRun(t *testing.T, id, runID string) ondemand.StatusResult {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		r := e.invoke(t, request(ondemand.OpGetSyncStatus, id, map[string]any{"runId": runID}))
		if r.OK || r.Error.Code != ondemand.CodeRunNotFound {
			status := must[ondemand.StatusResult](t, r)
			if status.Run != nil && status.Run.Status != syncrun.StatusRunning {
				return status
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("run %s did not end within 2 minutes; logs:\n%s", runID, e.logs.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// checkNoLeaks fails if a token, code or secret appears in a response
// or a log record.
func (e *env) checkNoLeaks(t *testing.T) {
	t.Helper()
	e.mu.Lock()
	all := bytes.Join(e.outputs, []byte("\n"))
	e.mu.Unlock()
	all = append(all, e.logs.Bytes()...)
	values := append(e.sim.IssuedSecrets(), e.secrets.StoredSecretValues()...)
	for _, v := range values {
		if len(v) < 8 {
			continue
		}
		if bytes.Contains(all, []byte(v)) {
			t.Errorf("a secret value (%d bytes, starting %q) appears in a response or log", len(v), v[:4])
		}
	}
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.Clone(b.buf.Bytes())
}

func (b *lockedBuffer) String() string { return string(b.Bytes()) }
