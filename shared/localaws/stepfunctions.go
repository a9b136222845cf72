package localaws

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sfn"
)

// StepFunctions is a Step Functions endpoint on 127.0.0.1 speaking the JSON
// 1.0 protocol (X-Amz-Target: AWSStepFunctions.<Operation>) for
// CreateStateMachine, DescribeStateMachine, ListStateMachines,
// DeleteStateMachine, StartExecution, DescribeExecution, ListExecutions,
// StopExecution and GetExecutionHistory. Each execution runs the real
// definition in aws-local-stepfunctions, in its own Node process, and its Task
// states invoke the Lambda endpoint given to StartStepFunctions. Only
// STANDARD state machines are supported.
type StepFunctions struct {
	server    *http.Server
	listener  net.Listener
	url       string
	lambdaURL string

	mu         sync.Mutex
	machines   map[string]*stateMachine // by ARN
	executions map[string]*execution    // by ARN
	closed     bool
}

type stateMachine struct {
	arn, name, definition, roleARN string
	created                        time.Time
}

// StartStepFunctions starts a Step Functions endpoint on a free port of
// 127.0.0.1 whose executions invoke Lambda functions at lambdaEndpointURL.
func StartStepFunctions(lambdaEndpointURL string) (*StepFunctions, error) {
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("start Step Functions endpoint: listen on 127.0.0.1: %w", err)
	}
	s := &StepFunctions{
		listener:   listener,
		url:        "http://" + listener.Addr().String(),
		lambdaURL:  lambdaEndpointURL,
		machines:   make(map[string]*stateMachine),
		executions: make(map[string]*execution),
	}
	s.server = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := s.server.Serve(listener); err != nil && !errors.Is(err, http.ErrServerClosed) {
			slog.Error("Step Functions endpoint stopped", "url", s.url, "error", err)
		}
	}()
	return s, nil
}

// URL returns the endpoint's base URL, for AWS_ENDPOINT_URL_SFN or the
// client's BaseEndpoint option.
func (s *StepFunctions) URL() string {
	return s.url
}

// Client returns an SDK client for this endpoint with the dummy credentials.
func (s *StepFunctions) Client() *sfn.Client {
	return sfn.NewFromConfig(LocalConfig(), func(o *sfn.Options) {
		o.BaseEndpoint = &s.url
	})
}

// Close stops the server and aborts every running execution.
func (s *StepFunctions) Close() error {
	s.mu.Lock()
	s.closed = true
	var running []*execution
	for _, e := range s.executions {
		running = append(running, e)
	}
	s.mu.Unlock()
	err := s.server.Close()
	for _, e := range running {
		e.abort("", "")
	}
	return err
}

// StateMachineARN returns the ARN of a state machine created on this endpoint.
func StateMachineARN(name string) string {
	return fmt.Sprintf("arn:aws:states:%s:%s:stateMachine:%s", Region, AccountID, name)
}

// RegisterStateMachine creates a state machine, or replaces the definition of
// the one with that name, without validating the definition, and returns its
// ARN. An invalid definition makes each execution fail with States.Runtime.
func (s *StepFunctions) RegisterStateMachine(name, definition string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	arn := StateMachineARN(name)
	s.machines[arn] = &stateMachine{arn: arn, name: name, definition: definition, roleARN: defaultRoleARN, created: time.Now()}
	return arn
}

// WaitExecution waits until the execution is no longer RUNNING and returns
// its result.
func (s *StepFunctions) WaitExecution(ctx context.Context, executionARN string) (Result, error) {
	s.mu.Lock()
	e, ok := s.executions[executionARN]
	s.mu.Unlock()
	if !ok {
		return Result{}, fmt.Errorf("execution %s not found", executionARN)
	}
	select {
	case <-e.done:
		return e.snapshot(), nil
	case <-ctx.Done():
		return Result{}, fmt.Errorf("wait for execution %s: %w", executionARN, ctx.Err())
	}
}

// sfnError is an error response of the JSON 1.0 protocol.
type sfnError struct {
	code    string
	message string
}

func (e *sfnError) Error() string {
	return e.code + ": " + e.message
}

func newSFNError(code, format string, args ...any) *sfnError {
	return &sfnError{code: code, message: fmt.Sprintf(format, args...)}
}

// ServeHTTP decodes one JSON 1.0 request and dispatches it by X-Amz-Target.
func (s *StepFunctions) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	const contentType = "application/x-amz-json-1.0"
	target := r.Header.Get("X-Amz-Target")
	operation, ok := strings.CutPrefix(target, "AWSStepFunctions.")
	handler, known := stepFunctionsOperations[operation]
	if r.Method != http.MethodPost || !ok || !known {
		writeSFNError(w, newSFNError("UnknownOperationException",
			"%s %s with X-Amz-Target %q is not implemented by the local Step Functions endpoint", r.Method, r.URL.Path, target))
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 2<<20))
	if err != nil {
		writeSFNError(w, newSFNError("SerializationException", "read request body: %v", err))
		return
	}
	if len(body) == 0 {
		body = []byte("{}")
	}
	response, err := handler(s, r.Context(), body)
	if err != nil {
		var apiErr *sfnError
		if !errors.As(err, &apiErr) {
			apiErr = newSFNError("InternalServerError", "%v", err)
		}
		slog.Debug("Step Functions request failed", "operation", operation, "code", apiErr.code, "message", apiErr.message)
		writeSFNError(w, apiErr)
		return
	}
	writeJSON(w, contentType, http.StatusOK, response)
}

func writeSFNError(w http.ResponseWriter, e *sfnError) {
	w.Header().Set("X-Amzn-ErrorType", e.code)
	writeJSON(w, "application/x-amz-json-1.0", http.StatusBadRequest, map[string]string{"__type": e.code, "message": e.message})
}

// decodeSFNRequest unmarshals a request body, mapping failures to the
// SerializationException AWS returns.
func decodeSFNRequest(body []byte, request any) error {
	if err := json.Unmarshal(body, request); err != nil {
		return newSFNError("SerializationException", "invalid request body: %v", err)
	}
	return nil
}
