package localaws

import (
	"encoding/json"
	"log/slog"
	"slices"
	"sync"
	"time"
)

// execution is one execution on the StepFunctions endpoint.
type execution struct {
	arn, name, machineARN string
	input                 json.RawMessage
	started               time.Time
	// done is closed when the execution is no longer RUNNING.
	done   chan struct{}
	runner *runner

	mu      sync.Mutex
	status  string
	stopped time.Time
	result  Result
	// abortError and abortCause are the StopExecution error and cause, put
	// into the ExecutionAborted event.
	aborting               bool
	abortError, abortCause string
}

// ExecutionARN returns the ARN of an execution of a state machine created on
// this endpoint.
func ExecutionARN(stateMachineName, executionName string) string {
	return "arn:aws:states:" + Region + ":" + AccountID + ":execution:" + stateMachineName + ":" + executionName
}

// startExecution runs machine's definition in a new Node process. A process
// that cannot start makes the execution fail with States.Runtime.
func (s *StepFunctions) startExecution(machine *stateMachine, name string, input json.RawMessage) *execution {
	e := &execution{
		arn:        ExecutionARN(machine.name, name),
		name:       name,
		machineARN: machine.arn,
		input:      input,
		started:    time.Now(),
		done:       make(chan struct{}),
		status:     StatusRunning,
	}
	contextObject := map[string]any{
		"Execution":    map[string]any{"Id": e.arn, "Name": name, "RoleArn": machine.roleARN, "StartTime": e.started.UTC().Format(time.RFC3339Nano)},
		"StateMachine": map[string]any{"Id": machine.arn, "Name": machine.name},
	}
	run, err := startRunner(runnerRequest{
		Definition: json.RawMessage(machine.definition),
		Input:      input,
		Context:    contextObject,
		RoleARN:    machine.roleARN,
		Region:     Region,
	}, s.lambdaURL, e.appendEvent)
	if err != nil {
		slog.Error("start Step Functions execution", "execution", e.arn, "error", err)
		e.finish(Result{Status: StatusFailed, Error: "States.Runtime", Cause: err.Error()})
		return e
	}
	e.runner = run
	go func() {
		<-run.done
		result := run.result
		e.mu.Lock()
		aborting := e.aborting
		e.mu.Unlock()
		if run.err != nil && !aborting {
			slog.Error("Step Functions execution failed to run", "execution", e.arn, "error", run.err)
		}
		if run.err != nil {
			result = Result{Status: StatusFailed, Error: "States.Runtime", Cause: run.err.Error()}
		}
		e.finish(result)
	}()
	return e
}

// appendEvent stores one history event written by the runner.
func (e *execution) appendEvent(event json.RawMessage) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.aborting {
		event = withAbortDetails(event, e.abortError, e.abortCause)
	}
	e.result.Events = append(e.result.Events, event)
	e.result.HistoryEventCount = len(e.result.Events)
}

// finish records the final status, output, error and cause. It completes
// the history when the runner could not write it: a runner that never ran
// gets ExecutionStarted and ExecutionFailed, and an execution stopped before
// the runner handled SIGTERM gets ExecutionAborted.
func (e *execution) finish(result Result) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.result.Events) == 0 {
		e.appendLocked("ExecutionStarted", "executionStartedEventDetails", map[string]any{"input": string(e.input)})
	}
	e.status = result.Status
	e.stopped = time.Now()
	e.result.Output = result.Output
	e.result.Error = result.Error
	e.result.Cause = result.Cause
	switch {
	case e.aborting:
		e.status = StatusAborted
		e.result.Output = nil
		e.result.Error, e.result.Cause = e.abortError, e.abortCause
		if lastEventType(e.result.Events) != "ExecutionAborted" {
			e.appendLocked("ExecutionAborted", "executionAbortedEventDetails", map[string]any{"error": e.abortError, "cause": e.abortCause})
		}
	case lastEventType(e.result.Events) == "ExecutionStarted":
		e.appendLocked("ExecutionFailed", "executionFailedEventDetails", map[string]any{"error": result.Error, "cause": result.Cause})
	}
	e.result.Status = e.status
	close(e.done)
}

func (e *execution) appendLocked(eventType, detailsField string, details any) {
	e.result.Events = append(e.result.Events, historyEvent(len(e.result.Events)+1, eventType, detailsField, details))
	e.result.HistoryEventCount = len(e.result.Events)
}

func lastEventType(events []json.RawMessage) string {
	if len(events) == 0 {
		return ""
	}
	var event struct {
		Type string `json:"type"`
	}
	_ = json.Unmarshal(events[len(events)-1], &event)
	return event.Type
}

// abort stops a running execution with the StopExecution error and cause and
// waits until it has ended.
func (e *execution) abort(errorCode, cause string) {
	e.mu.Lock()
	if e.status != StatusRunning {
		e.mu.Unlock()
		return
	}
	e.aborting = true
	e.abortError, e.abortCause = errorCode, cause
	e.mu.Unlock()
	if e.runner != nil {
		e.runner.stop()
	}
	<-e.done
}

// snapshot returns a copy of the execution's current result.
func (e *execution) snapshot() Result {
	e.mu.Lock()
	defer e.mu.Unlock()
	result := e.result
	result.Status = e.status
	result.Events = slices.Clone(e.result.Events)
	return result
}

// withAbortDetails sets the error and cause of an ExecutionAborted event.
func withAbortDetails(raw json.RawMessage, errorCode, cause string) json.RawMessage {
	var event map[string]any
	if err := json.Unmarshal(raw, &event); err != nil || event["type"] != "ExecutionAborted" {
		return raw
	}
	details := map[string]any{}
	if errorCode != "" {
		details["error"] = errorCode
	}
	if cause != "" {
		details["cause"] = cause
	}
	event["executionAbortedEventDetails"] = details
	encoded, err := json.Marshal(event)
	if err != nil {
		return raw
	}
	return encoded
}

func historyEvent(id int, eventType, detailsField string, details any) json.RawMessage {
	encoded, _ := json.Marshal(map[string]any{
		"id":              id,
		"previousEventId": id - 1,
		"timestamp":       epochSeconds(time.Now()),
		"type":            eventType,
		detailsField:      details,
	})
	return encoded
}
