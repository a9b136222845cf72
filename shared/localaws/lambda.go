package localaws

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambda/messages"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

const (
	// DefaultLambdaTimeout is the timeout of a function without SetTimeout,
	// the maximum AWS Lambda allows.
	DefaultLambdaTimeout = 15 * time.Minute
	// maxSyncPayloadBytes is the AWS Lambda limit on a synchronous request
	// and response payload (6 MB).
	maxSyncPayloadBytes = 6 * 1024 * 1024
)

// Lambda is a Lambda Invoke endpoint on 127.0.0.1 that calls Go handlers in
// this process: POST /2015-03-31/functions/{FunctionName}/invocations, where
// FunctionName is a plain name, a full or partial ARN, with an optional
// qualifier that is accepted and ignored.
//
// It returns results and errors as AWS Lambda does for a function on the Go
// runtime: a handler error is HTTP 200 with X-Amz-Function-Error: Unhandled
// and {"errorMessage", "errorType"}, where errorType is the error's Go type
// name, computed as aws-lambda-go v1.55.1 does.
type Lambda struct {
	server   *http.Server
	listener net.Listener
	url      string

	// baseCtx is the parent of every invocation context; Close cancels it.
	baseCtx    context.Context
	cancelBase context.CancelFunc
	async      sync.WaitGroup

	mu          sync.Mutex
	handlers    map[string]lambda.Handler
	timeouts    map[string]time.Duration
	invocations map[string]int
}

// StartLambda starts a Lambda Invoke endpoint on a free port of 127.0.0.1
// that serves handlers by function name.
func StartLambda(handlers map[string]lambda.Handler) (*Lambda, error) {
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("start Lambda endpoint: listen on 127.0.0.1: %w", err)
	}
	baseCtx, cancel := context.WithCancel(context.Background())
	l := &Lambda{
		listener:    listener,
		url:         "http://" + listener.Addr().String(),
		baseCtx:     baseCtx,
		cancelBase:  cancel,
		handlers:    maps.Clone(handlers),
		timeouts:    make(map[string]time.Duration),
		invocations: make(map[string]int),
	}
	if l.handlers == nil {
		l.handlers = make(map[string]lambda.Handler)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /2015-03-31/functions/{function}/invocations", l.invoke)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeLambdaError(w, http.StatusNotFound, "UnknownOperationException",
			fmt.Sprintf("%s %s is not implemented by the local Lambda endpoint; only Invoke is", r.Method, r.URL.Path))
	})
	l.server = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := l.server.Serve(listener); err != nil && !errors.Is(err, http.ErrServerClosed) {
			slog.Error("Lambda endpoint stopped", "url", l.url, "error", err)
		}
	}()
	return l, nil
}

// URL returns the endpoint's base URL, for AWS_ENDPOINT_URL_LAMBDA or the
// client's BaseEndpoint option.
func (l *Lambda) URL() string {
	return l.url
}

// Close stops the server, cancels the contexts of running invocations and
// waits for asynchronous invocations to return.
func (l *Lambda) Close() error {
	err := l.server.Close()
	l.cancelBase()
	l.async.Wait()
	return err
}

// Register adds or replaces the handler of a function.
func (l *Lambda) Register(name string, handler lambda.Handler) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.handlers[name] = handler
}

// SetTimeout sets the timeout of a function; without it a function has
// DefaultLambdaTimeout.
func (l *Lambda) SetTimeout(name string, timeout time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.timeouts[name] = timeout
}

// Invocations returns how many times the function was invoked, counting
// failed and asynchronous invocations.
func (l *Lambda) Invocations(name string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.invocations[name]
}

// InvocationCounts returns the invocation count of every function invoked
// at least once.
func (l *Lambda) InvocationCounts() map[string]int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return maps.Clone(l.invocations)
}

// FunctionARN returns the unqualified ARN of a function on this endpoint.
func FunctionARN(name string) string {
	return fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", Region, AccountID, name)
}

// parseFunctionName splits a FunctionName path parameter (my-function,
// my-function:alias, 123456789012:function:my-function, or a full ARN with
// or without a qualifier) into the name and qualifier.
func parseFunctionName(raw string) (name, qualifier string) {
	if _, after, ok := strings.Cut(raw, ":function:"); ok {
		raw = after
	}
	name, qualifier, _ = strings.Cut(raw, ":")
	return name, qualifier
}

func (l *Lambda) invoke(w http.ResponseWriter, r *http.Request) {
	name, qualifier := parseFunctionName(r.PathValue("function"))
	if q := r.URL.Query().Get("Qualifier"); q != "" {
		qualifier = q
	}
	invokedARN := FunctionARN(name)
	if qualifier != "" {
		invokedARN += ":" + qualifier
	}

	l.mu.Lock()
	handler, ok := l.handlers[name]
	timeout, hasTimeout := l.timeouts[name]
	if ok {
		l.invocations[name]++
	}
	l.mu.Unlock()
	if !ok {
		slog.Debug("Lambda invoke of unknown function", "function", name)
		writeLambdaError(w, http.StatusNotFound, "ResourceNotFoundException", "Function not found: "+invokedARN)
		return
	}
	if !hasTimeout {
		timeout = DefaultLambdaTimeout
	}

	payload, err := io.ReadAll(io.LimitReader(r.Body, maxSyncPayloadBytes+1))
	if err != nil {
		writeLambdaError(w, http.StatusBadRequest, "InvalidRequestContentException", "read request payload: "+err.Error())
		return
	}
	if len(payload) > maxSyncPayloadBytes {
		writeLambdaError(w, http.StatusRequestEntityTooLarge, "RequestTooLargeException",
			fmt.Sprintf("Request must be smaller than %d bytes for the InvokeFunction operation", maxSyncPayloadBytes))
		return
	}
	if len(payload) == 0 {
		// An Invoke without a payload delivers an empty JSON object.
		payload = []byte("{}")
	}
	call := invocation{
		function:  name,
		requestID: newUUID(),
		arn:       invokedARN,
		handler:   handler,
		timeout:   timeout,
		payload:   payload,
	}
	w.Header().Set("X-Amzn-RequestId", call.requestID)
	w.Header().Set("X-Amz-Executed-Version", "$LATEST")

	switch invocationType := r.Header.Get("X-Amz-Invocation-Type"); invocationType {
	case "", "RequestResponse":
		result := call.run(l.baseCtx)
		if result.err != nil {
			w.Header().Set("X-Amz-Function-Error", "Unhandled")
			writeJSON(w, "application/json", http.StatusOK, result.err)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(result.payload)
	case "Event":
		l.async.Add(1)
		go func() {
			defer l.async.Done()
			// NOTE: AWS retries a failed asynchronous invocation twice, with
			// delays of minutes; this endpoint only logs the failure.
			call.run(l.baseCtx)
		}()
		w.WriteHeader(http.StatusAccepted)
	case "DryRun":
		w.WriteHeader(http.StatusNoContent)
	default:
		writeLambdaError(w, http.StatusBadRequest, "InvalidParameterValueException",
			fmt.Sprintf("X-Amz-Invocation-Type %q is invalid; use RequestResponse, Event or DryRun", invocationType))
	}
}

// invocation is one call of a handler.
type invocation struct {
	function, requestID, arn string
	handler                  lambda.Handler
	timeout                  time.Duration
	payload                  []byte
}

type invocationResult struct {
	payload []byte
	err     *messages.InvokeResponse_Error
}

// run calls the handler with a LambdaContext and a deadline. When the
// deadline passes first, it returns the Sandbox.Timedout error that AWS
// reports and leaves the handler running, as a frozen sandbox would.
func (c invocation) run(parent context.Context) invocationResult {
	started := time.Now()
	ctx, cancel := context.WithTimeout(parent, c.timeout)
	defer cancel()
	ctx = lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{AwsRequestID: c.requestID, InvokedFunctionArn: c.arn})

	done := make(chan invocationResult, 1)
	go func() {
		done <- callHandler(ctx, c.handler, c.payload)
	}()
	var result invocationResult
	select {
	case result = <-done:
	case <-ctx.Done():
		result.err = &messages.InvokeResponse_Error{
			Type:    "Sandbox.Timedout",
			Message: fmt.Sprintf("RequestId: %s Error: Task timed out after %.2f seconds", c.requestID, c.timeout.Seconds()),
		}
	}
	if result.err == nil && len(result.payload) > maxSyncPayloadBytes {
		result = invocationResult{err: &messages.InvokeResponse_Error{
			Type:    "Function.ResponseSizeTooLarge",
			Message: fmt.Sprintf("Response payload size (%d bytes) exceeded maximum allowed payload size (%d bytes).", len(result.payload), maxSyncPayloadBytes),
		}}
	}

	attributes := []any{"function", c.function, "request_id", c.requestID, "duration", time.Since(started)}
	if result.err != nil {
		slog.Debug("Lambda invocation failed", append(attributes, "error_type", result.err.Type)...)
	} else {
		slog.Debug("Lambda invocation succeeded", attributes...)
	}
	return result
}

// callHandler calls the handler and converts an error or a panic to the
// response error the aws-lambda-go runtime reports.
func callHandler(ctx context.Context, handler lambda.Handler, payload []byte) (result invocationResult) {
	defer func() {
		if value := recover(); value != nil {
			result = invocationResult{err: &messages.InvokeResponse_Error{
				Message: fmt.Sprintf("%v", value),
				Type:    errorTypeName(value),
			}}
		}
	}()
	response, err := handler.Invoke(ctx, payload)
	if err != nil {
		// Like the runtime, this matches the type itself, not wrapped errors.
		if runtimeError, ok := err.(messages.InvokeResponse_Error); ok {
			return invocationResult{err: &runtimeError}
		}
		return invocationResult{err: &messages.InvokeResponse_Error{Message: err.Error(), Type: errorTypeName(err)}}
	}
	return invocationResult{payload: response}
}

// errorTypeName is the errorType aws-lambda-go reports for an error or panic
// value: the name of its type, or of the element type for a pointer.
func errorTypeName(value any) string {
	t := reflect.TypeOf(value)
	if t.Kind() == reflect.Pointer {
		return t.Elem().Name()
	}
	return t.Name()
}

// writeLambdaError writes an error in the shape the Lambda REST API sends.
func writeLambdaError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("X-Amzn-ErrorType", code)
	writeJSON(w, "application/json", status, map[string]string{"Type": "User", "message": message})
}
