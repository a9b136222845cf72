package localaws

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

func waitStatus(t *testing.T, client *sfn.Client, executionARN string) *sfn.DescribeExecutionOutput {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		out, err := client.DescribeExecution(context.Background(), &sfn.DescribeExecutionInput{ExecutionArn: aws.String(executionARN)})
		if err != nil {
			t.Fatalf("DescribeExecution: %v", err)
		}
		if out.Status != types.ExecutionStatusRunning {
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("execution %s still RUNNING after 60 s", executionARN)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func historyTypes(t *testing.T, client *sfn.Client, executionARN string) []string {
	t.Helper()
	var types []string
	paginator := sfn.NewGetExecutionHistoryPaginator(client, &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(executionARN), MaxResults: 5})
	for paginator.HasMorePages() {
		page, err := paginator.NextPage(context.Background())
		if err != nil {
			t.Fatalf("GetExecutionHistory: %v", err)
		}
		for _, event := range page.Events {
			types = append(types, string(event.Type))
		}
	}
	return types
}

func TestStepFunctionsExecutionThroughSDK(t *testing.T) {
	var flakyCalls atomic.Int32
	l := StartLambdaForTest(t, retryCatchHandlers(&flakyCalls))
	s := StartStepFunctionsForTest(t, l.URL())
	client := s.Client()
	ctx := context.Background()

	created, err := client.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{
		Name:       aws.String("sync"),
		Definition: aws.String(retryCatchDefinition),
		RoleArn:    aws.String("arn:aws:iam::123456789012:role/sync"),
	})
	if err != nil {
		t.Fatalf("CreateStateMachine: %v", err)
	}
	started, err := client.StartExecution(ctx, &sfn.StartExecutionInput{
		StateMachineArn: created.StateMachineArn,
		Name:            aws.String("run-1"),
		Input:           aws.String(`{"n": 4}`),
	})
	if err != nil {
		t.Fatalf("StartExecution: %v", err)
	}
	if got, want := aws.ToString(started.ExecutionArn), "arn:aws:states:us-east-1:123456789012:execution:sync:run-1"; got != want {
		t.Errorf("ExecutionArn = %q, want %q", got, want)
	}

	described := waitStatus(t, client, aws.ToString(started.ExecutionArn))
	if described.Status != types.ExecutionStatusSucceeded {
		t.Fatalf("Status = %s (%s: %s), want SUCCEEDED", described.Status, aws.ToString(described.Error), aws.ToString(described.Cause))
	}
	if !strings.Contains(aws.ToString(described.Output), `"doubled":8`) {
		t.Errorf("Output = %s, want invoked.doubled 8", aws.ToString(described.Output))
	}
	if described.StopDate == nil {
		t.Errorf("StopDate = nil for a finished execution")
	}

	types := historyTypes(t, client, aws.ToString(started.ExecutionArn))
	if len(types) != 22 {
		t.Errorf("history has %d events, want 22: %v", len(types), types)
	}
	if len(types) > 0 && (types[0] != "ExecutionStarted" || types[len(types)-1] != "ExecutionSucceeded") {
		t.Errorf("history runs from %s to %s, want ExecutionStarted to ExecutionSucceeded", types[0], types[len(types)-1])
	}
	result, err := s.WaitExecution(ctx, aws.ToString(started.ExecutionArn))
	if err != nil {
		t.Fatalf("WaitExecution: %v", err)
	}
	if result.HistoryEventCount != len(types) {
		t.Errorf("HistoryEventCount = %d, want %d as GetExecutionHistory returns", result.HistoryEventCount, len(types))
	}
}

func TestStepFunctionsCreateStateMachineErrors(t *testing.T) {
	s := StartStepFunctionsForTest(t, "http://127.0.0.1:1")
	client := s.Client()
	ctx := context.Background()
	valid := `{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}`

	_, err := client.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{
		Name: aws.String("broken"), RoleArn: aws.String("arn:aws:iam::123456789012:role/r"),
		Definition: aws.String(`{"StartAt": "B", "States": {"A": {"Type": "Pass", "End": true}}}`),
	})
	var invalid *types.InvalidDefinition
	if !errors.As(err, &invalid) {
		t.Errorf("CreateStateMachine with a missing StartAt target: error = %v, want InvalidDefinition", err)
	}

	first := &sfn.CreateStateMachineInput{Name: aws.String("machine"), RoleArn: aws.String("arn:aws:iam::123456789012:role/r"), Definition: aws.String(valid)}
	if _, err := client.CreateStateMachine(ctx, first); err != nil {
		t.Fatalf("CreateStateMachine: %v", err)
	}
	if _, err := client.CreateStateMachine(ctx, first); err != nil {
		t.Errorf("identical CreateStateMachine: error = %v, want the existing state machine", err)
	}
	_, err = client.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{
		Name: aws.String("machine"), RoleArn: aws.String("arn:aws:iam::123456789012:role/other"), Definition: aws.String(valid),
	})
	var exists *types.StateMachineAlreadyExists
	if !errors.As(err, &exists) {
		t.Errorf("CreateStateMachine with another role: error = %v, want StateMachineAlreadyExists", err)
	}

	_, err = client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(ExecutionARN("machine", "never"))})
	var missing *types.ExecutionDoesNotExist
	if !errors.As(err, &missing) {
		t.Errorf("DescribeExecution of an unknown execution: error = %v, want ExecutionDoesNotExist", err)
	}
}

func TestStepFunctionsNameIdempotencyAndStop(t *testing.T) {
	release := make(chan struct{})
	l := StartLambdaForTest(t, map[string]lambda.Handler{
		"blocked": lambda.NewHandler(func(ctx context.Context) (string, error) {
			select {
			case <-release:
			case <-ctx.Done():
			}
			return "released", nil
		}),
	})
	t.Cleanup(func() { close(release) })
	s := StartStepFunctionsForTest(t, l.URL())
	client := s.Client()
	ctx := context.Background()
	machineARN := s.RegisterStateMachine("blocking", `{"StartAt": "Wait", "States": {"Wait": {"Type": "Task",
		"Resource": "arn:aws:lambda:us-east-1:123456789012:function:blocked", "End": true}}}`)

	start := func(input string) (*sfn.StartExecutionOutput, error) {
		return client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(machineARN), Name: aws.String("only"), Input: aws.String(input)})
	}
	first, err := start(`{"a": 1}`)
	if err != nil {
		t.Fatalf("StartExecution: %v", err)
	}
	again, err := start(`{"a": 1}`)
	if err != nil {
		t.Errorf("StartExecution with the same name and input while running: %v", err)
	} else if aws.ToString(again.ExecutionArn) != aws.ToString(first.ExecutionArn) {
		t.Errorf("repeated StartExecution ARN = %q, want %q", aws.ToString(again.ExecutionArn), aws.ToString(first.ExecutionArn))
	}
	_, err = start(`{"a": 2}`)
	var exists *types.ExecutionAlreadyExists
	if !errors.As(err, &exists) {
		t.Errorf("StartExecution with the same name and other input: error = %v, want ExecutionAlreadyExists", err)
	}

	listed, err := client.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(machineARN), StatusFilter: types.ExecutionStatusRunning})
	if err != nil {
		t.Fatalf("ListExecutions: %v", err)
	}
	if len(listed.Executions) != 1 {
		t.Errorf("ListExecutions RUNNING returned %d executions, want 1", len(listed.Executions))
	}

	// Stop while the Task runs, so that the runner aborts the interpreter.
	for deadline := time.Now().Add(30 * time.Second); l.Invocations("blocked") == 0; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the Task did not invoke blocked within 30 s")
		}
	}
	if _, err := client.StopExecution(ctx, &sfn.StopExecutionInput{ExecutionArn: first.ExecutionArn, Error: aws.String("Operator.Stop"), Cause: aws.String("test")}); err != nil {
		t.Fatalf("StopExecution: %v", err)
	}
	described := waitStatus(t, client, aws.ToString(first.ExecutionArn))
	if described.Status != types.ExecutionStatusAborted {
		t.Errorf("Status after StopExecution = %s, want ABORTED", described.Status)
	}
	if aws.ToString(described.Error) != "Operator.Stop" {
		t.Errorf("Error after StopExecution = %q, want Operator.Stop", aws.ToString(described.Error))
	}
	history := historyTypes(t, client, aws.ToString(first.ExecutionArn))
	wantHistory := []string{"ExecutionStarted", "TaskStateEntered", "LambdaFunctionScheduled", "LambdaFunctionStarted", "ExecutionAborted"}
	if !slices.Equal(history, wantHistory) {
		t.Errorf("history = %v, want %v", history, wantHistory)
	}
	newest, err := client.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: first.ExecutionArn, ReverseOrder: true, MaxResults: 1})
	if err != nil {
		t.Fatalf("GetExecutionHistory: %v", err)
	}
	if details := newest.Events[0].ExecutionAbortedEventDetails; details == nil || aws.ToString(details.Error) != "Operator.Stop" {
		t.Errorf("ExecutionAborted details = %+v, want error Operator.Stop", details)
	}

	_, err = start(`{"a": 1}`)
	if !errors.As(err, &exists) {
		t.Errorf("StartExecution with the name of a closed execution: error = %v, want ExecutionAlreadyExists", err)
	}
}

func TestStepFunctionsHistoryEventShape(t *testing.T) {
	var flakyCalls atomic.Int32
	l := StartLambdaForTest(t, retryCatchHandlers(&flakyCalls))
	s := StartStepFunctionsForTest(t, l.URL())
	client := s.Client()
	ctx := context.Background()
	machineARN := s.RegisterStateMachine("shape", retryCatchDefinition)
	started, err := client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(machineARN), Input: aws.String(`{"n": 1}`)})
	if err != nil {
		t.Fatalf("StartExecution: %v", err)
	}
	waitStatus(t, client, aws.ToString(started.ExecutionArn))

	history, err := client.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: started.ExecutionArn, ReverseOrder: true})
	if err != nil {
		t.Fatalf("GetExecutionHistory: %v", err)
	}
	if len(history.Events) == 0 {
		t.Fatalf("GetExecutionHistory returned no events")
	}
	last := history.Events[0]
	if last.Type != types.HistoryEventTypeExecutionSucceeded || last.ExecutionSucceededEventDetails == nil {
		t.Fatalf("newest event = %s with details %v, want ExecutionSucceeded with details", last.Type, last.ExecutionSucceededEventDetails)
	}
	if !json.Valid([]byte(aws.ToString(last.ExecutionSucceededEventDetails.Output))) {
		t.Errorf("ExecutionSucceeded output %q is not JSON", aws.ToString(last.ExecutionSucceededEventDetails.Output))
	}
	ids := make([]int64, 0, len(history.Events))
	for _, event := range history.Events {
		ids = append(ids, event.Id)
		if event.Timestamp == nil {
			t.Errorf("event %d has no timestamp", event.Id)
		}
	}
	slices.Reverse(ids)
	for i, id := range ids {
		if id != int64(i+1) {
			t.Errorf("event ids = %v, want 1..%d in order", ids, len(ids))
			break
		}
	}
	for _, event := range history.Events {
		if event.Type == types.HistoryEventTypeLambdaFunctionFailed && event.LambdaFunctionFailedEventDetails == nil {
			t.Errorf("LambdaFunctionFailed event %d has no details", event.Id)
		}
	}
}
