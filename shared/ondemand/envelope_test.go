package ondemand_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/idgov/atlassian-cloud-connector/shared/localaws"
	"github.com/idgov/atlassian-cloud-connector/shared/ondemand"
	"github.com/idgov/atlassian-cloud-connector/shared/syncrun"
)

func TestDecodeEnvelopeErrors(t *testing.T) {
	long := strings.Repeat("x", 5000)
	tests := []struct {
		name      string
		payload   string
		wantCode  string
		wantField string
	}{
		{"not JSON", `{"version":`, ondemand.CodeInvalidRequest, ""},
		{"array", `[1,2]`, ondemand.CodeInvalidRequest, ""},
		{"null", `null`, ondemand.CodeInvalidRequest, ""},
		{"string", `"startSync"`, ondemand.CodeInvalidRequest, ""},
		{"empty", ``, ondemand.CodeInvalidRequest, ""},
		{"missing version", `{"operation":"startSync","tenant":"acme","connectionId":"a"}`, ondemand.CodeMissingField, "version"},
		{"version as string", `{"version":"1","operation":"startSync","tenant":"acme","connectionId":"a"}`, ondemand.CodeInvalidField, "version"},
		{"version 2", `{"version":2,"operation":"startSync","tenant":"acme","connectionId":"a"}`, ondemand.CodeUnsupportedVersion, "version"},
		{"version 1.5", `{"version":1.5,"operation":"startSync","tenant":"acme","connectionId":"a"}`, ondemand.CodeUnsupportedVersion, "version"},
		{"missing operation", `{"version":1,"tenant":"acme","connectionId":"a"}`, ondemand.CodeMissingField, "operation"},
		{"operation not a string", `{"version":1,"operation":7,"tenant":"acme"}`, ondemand.CodeInvalidField, "operation"},
		{"unknown operation", `{"version":1,"operation":"deleteEverything","tenant":"acme","connectionId":"a"}`, ondemand.CodeUnknownOperation, "operation"},
		{"missing tenant", `{"version":1,"operation":"startSync","connectionId":"a"}`, ondemand.CodeMissingField, "tenant"},
		{"invalid tenant", `{"version":1,"operation":"startSync","tenant":"ACME#1","connectionId":"a"}`, ondemand.CodeInvalidField, "tenant"},
		{"missing connection", `{"version":1,"operation":"startSync","tenant":"acme"}`, ondemand.CodeMissingField, "connectionId"},
		{"invalid connection", `{"version":1,"operation":"startSync","tenant":"acme","connectionId":"a/b"}`, ondemand.CodeInvalidField, "connectionId"},
		{"tenant wrong type", `{"version":1,"operation":"startSync","tenant":5,"connectionId":"a"}`, ondemand.CodeInvalidField, "tenant"},
		{"unknown field", `{"version":1,"operation":"startSync","tenant":"acme","connectionId":"a","force":true}`, ondemand.CodeInvalidField, "force"},
		{"field of another operation", `{"version":1,"operation":"startSync","tenant":"acme","connectionId":"a","pageSize":5}`, ondemand.CodeInvalidField, "pageSize"},
		{"trailing data", `{"version":1,"operation":"startSync","tenant":"acme","connectionId":"a"} {}`, ondemand.CodeInvalidRequest, ""},
		{"invalid trigger", `{"version":1,"operation":"startSync","tenant":"acme","connectionId":"a","trigger":"cron"}`, ondemand.CodeInvalidField, "trigger"},
		{"page size zero", `{"version":1,"operation":"listGrants","tenant":"acme","connectionId":"a","pageSize":0}`, ondemand.CodeInvalidField, "pageSize"},
		{"page size too large", `{"version":1,"operation":"listGrants","tenant":"acme","connectionId":"a","pageSize":1001}`, ondemand.CodeInvalidField, "pageSize"},
		{"page size fraction", `{"version":1,"operation":"listGrants","tenant":"acme","connectionId":"a","pageSize":2.5}`, ondemand.CodeInvalidField, "pageSize"},
		{"invalid run id", `{"version":1,"operation":"getChanges","tenant":"acme","connectionId":"a","runId":"RUN#x"}`, ondemand.CodeInvalidField, "runId"},
		{"oversized page token", `{"version":1,"operation":"listGrants","tenant":"acme","connectionId":"a","pageToken":"` + long + `"}`, ondemand.CodeInvalidPageToken, "pageToken"},
		{"recovery too short", `{"version":1,"operation":"disconnect","tenant":"acme","connectionId":"a","recoveryDays":3}`, ondemand.CodeInvalidField, "recoveryDays"},
		{"schedule wrong type", `{"version":1,"operation":"configureConnection","tenant":"acme","schedule":"daily"}`, ondemand.CodeInvalidField, "schedule"},
		{"operation in other case", `{"version":1,"operation":"addGroupMember","Operation":"removeGroupMember","tenant":"acme","connectionId":"a","requestId":"r1","actor":"x","groupId":"g","accountId":"u"}`, ondemand.CodeInvalidField, "Operation"},
		{"tenant in other case", `{"version":1,"operation":"getSyncStatus","tenant":"acme","TENANT":"other","connectionId":"a"}`, ondemand.CodeInvalidField, "TENANT"},
		{"only tenant in other case", `{"version":1,"operation":"getSyncStatus","Tenant":"acme","connectionId":"a"}`, ondemand.CodeInvalidField, "Tenant"},
		{"tenant twice", `{"version":1,"operation":"getSyncStatus","tenant":"acme","tenant":"other","connectionId":"a"}`, ondemand.CodeInvalidField, "tenant"},
		{"operation twice", `{"version":1,"operation":"listGrants","operation":"startSync","tenant":"acme","connectionId":"a"}`, ondemand.CodeInvalidField, "operation"},
		{"nested field in other case", `{"version":1,"operation":"configureConnection","tenant":"acme","userSettings":{"IncludeAppAccounts":true}}`, ondemand.CodeInvalidField, "userSettings.IncludeAppAccounts"},
		{"nested field twice", `{"version":1,"operation":"configureConnection","tenant":"acme","schedule":{"expression":"manual","expression":"rate(1 hour)"}}`, ondemand.CodeInvalidField, "schedule.expression"},
		{"nested wrong type", `{"version":1,"operation":"configureConnection","tenant":"acme","userSettings":{"includeAppAccounts":"yes"}}`, ondemand.CodeInvalidField, "userSettings.includeAppAccounts"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := ondemand.DecodeEnvelope([]byte(tt.payload))
			if req != nil {
				t.Fatalf("request = %+v, want an error", req)
			}
			if err.Code != tt.wantCode {
				t.Errorf("code = %q, want %q (message: %s)", err.Code, tt.wantCode, err.Message)
			}
			if err.Field != tt.wantField {
				t.Errorf("field = %q, want %q (message: %s)", err.Field, tt.wantField, err.Message)
			}
			if len(err.Message) > 1000 {
				t.Errorf("message is %d bytes long, want a short one", len(err.Message))
			}
		})
	}
}

func TestDecodeEnvelopeDefaults(t *testing.T) {
	req, err := ondemand.DecodeEnvelope([]byte(`{"version":1,"operation":"startSync","tenant":"acme","connectionId":"a"}`))
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	if got := req.(*ondemand.StartSyncRequest).Trigger; got != "on-demand" {
		t.Errorf("trigger = %q, want on-demand", got)
	}
	req, err = ondemand.DecodeEnvelope([]byte(`{"version":1,"operation":"listGrants","tenant":"acme","connectionId":"a"}`))
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	if got := req.(*ondemand.PageRequest).Size(); got != ondemand.DefaultPageSize {
		t.Errorf("page size = %d, want %d", got, ondemand.DefaultPageSize)
	}
	if _, err := ondemand.DecodeEnvelope([]byte(`{"version":1.0,"operation":"startSync","tenant":"acme","connectionId":"a"}`)); err != nil {
		t.Errorf("version 1.0 rejected: %v", err)
	}
}

// TestEventsDecode decodes every sample event in events/ with the input
// type of the handler it is for, rejecting unknown fields.
func TestEventsDecode(t *testing.T) {
	root, err := localaws.RepoRoot()
	if err != nil {
		t.Fatalf("repository root: %v", err)
	}
	files, err := filepath.Glob(filepath.Join(root, "events", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no sample events found: %v", err)
	}
	seen := map[string]bool{}
	for _, file := range files {
		name := filepath.Base(file)
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("read: %v", err)
			}
			switch {
			case strings.HasPrefix(name, "ondemand-"), strings.HasPrefix(name, "schedule-"):
				req, apiErr := ondemand.DecodeEnvelope(raw)
				if apiErr != nil {
					t.Fatalf("decode: %v", apiErr)
				}
				var header struct{ Operation string }
				_ = json.Unmarshal(raw, &header)
				if op := strings.TrimSuffix(strings.TrimPrefix(name, "ondemand-"), ".json"); strings.HasPrefix(name, "ondemand-") && op != header.Operation {
					t.Errorf("file is named for %q but holds operation %q", op, header.Operation)
				}
				seen[header.Operation] = true
				if strings.HasPrefix(name, "schedule-") && req.(*ondemand.StartSyncRequest).Trigger != "schedule" {
					t.Error("the scheduled event's trigger is not schedule")
				}
			case strings.HasPrefix(name, "worker-"):
				var lane syncrun.LaneState
				decodeStrict(t, raw, &lane)
				if lane.RunID == "" || !lane.More {
					t.Errorf("lane state %+v lacks a run id or more=true", lane)
				}
			case strings.HasPrefix(name, "orchestrator-"):
				var state syncrun.RunState
				decodeStrict(t, raw, &state)
				if state.Action == "" || state.RunID == "" {
					t.Errorf("run state %+v lacks an action or run id", state)
				}
			case strings.HasPrefix(name, "callback-"):
				var req events.APIGatewayV2HTTPRequest
				decodeStrict(t, raw, &req)
				if req.RawPath == "" {
					t.Error("callback event has no rawPath")
				}
			default:
				t.Errorf("no handler is known for sample event %s: name it ondemand-, schedule-, worker-, orchestrator- or callback-", name)
			}
		})
	}
	for _, op := range ondemand.Operations {
		if !seen[op] {
			t.Errorf("events/ has no sample of operation %s (events/ondemand-%s.json)", op, op)
		}
	}
}

func decodeStrict(t *testing.T, raw []byte, v any) {
	t.Helper()
	decoder := json.NewDecoder(strings.NewReader(string(raw)))
	decoder.DisallowUnknownFields()
	if err := decoder.Decode(v); err != nil {
		t.Fatalf("decode as %T: %v", v, err)
	}
}

// TestPanicBecomesInternalError sends a valid request to a service without
// its stores, so the operation panics on a nil pointer.
func TestPanicBecomesInternalError(t *testing.T) {
	service := &ondemand.Service{}
	out, err := lambda.NewHandler(service).Invoke(context.Background(),
		[]byte(`{"version":1,"operation":"getSyncStatus","tenant":"acme","connectionId":"a"}`))
	if err != nil {
		t.Fatalf("handler error: %v", err)
	}
	r := decodeResponse(t, out)
	wantError(t, r, ondemand.CodeInternal, "")
	if strings.Contains(string(out), "goroutine") || strings.Contains(string(out), "nil pointer") {
		t.Errorf("response exposes the panic: %s", out)
	}
}

func FuzzDecodeEnvelope(f *testing.F) {
	root, err := localaws.RepoRoot()
	if err != nil {
		f.Fatalf("repository root: %v", err)
	}
	files, _ := filepath.Glob(filepath.Join(root, "events", "ondemand-*.json"))
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			f.Fatalf("read %s: %v", file, err)
		}
		f.Add(raw)
	}
	for _, seed := range []string{
		``, `null`, `[]`, `{}`, `{"version":1}`, `{"version":1e400}`, `{"version":-0}`,
		`{"version":1,"operation":"startSync","tenant":"acme","connectionId":"a","trigger":"schedule"}`,
		`{"version":1,"operation":"listGrants","tenant":"acme","connectionId":"a","pageSize":-1}`,
		`{"version":1,"operation":"configureConnection","tenant":"acme","schedule":{"expression":null}}`,
		`{"version":1,"operation":"getChanges","tenant":"acme","connectionId":"a","pageToken":"v1.e30.AAAA"}`,
		"{\"version\":1,\"operation\":\"startSync\",\"tenant\":\"\xff\"}",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		req, apiErr := ondemand.DecodeEnvelope(payload)
		if (req == nil) == (apiErr == nil) {
			t.Fatalf("DecodeEnvelope(%q) = %v, %v: want exactly one result", payload, req, apiErr)
		}
		if apiErr != nil && (apiErr.Code == "" || apiErr.Message == "") {
			t.Fatalf("DecodeEnvelope(%q) error has no code or message: %+v", payload, apiErr)
		}
		if apiErr != nil {
			if _, err := json.Marshal(ondemand.Response{Error: apiErr}); err != nil {
				t.Fatalf("error of %q does not encode: %v", payload, err)
			}
		}
	})
}
