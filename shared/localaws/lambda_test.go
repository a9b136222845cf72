package localaws

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// SomeNamedError is a handler error whose type name becomes the errorType.
type SomeNamedError struct{ Reason string }

func (e *SomeNamedError) Error() string { return "named failure: " + e.Reason }

type echoOutput struct {
	RequestID   string `json:"requestId"`
	FunctionARN string `json:"functionArn"`
	HasDeadline bool   `json:"hasDeadline"`
	Value       string `json:"value"`
}

func echoHandler() lambda.Handler {
	return lambda.NewHandler(func(ctx context.Context, input struct{ Value string }) (echoOutput, error) {
		lc, _ := lambdacontext.FromContext(ctx)
		_, hasDeadline := ctx.Deadline()
		return echoOutput{RequestID: lc.AwsRequestID, FunctionARN: lc.InvokedFunctionArn, HasDeadline: hasDeadline, Value: input.Value}, nil
	})
}

func lambdaClient(l *Lambda) *awslambda.Client {
	return awslambda.NewFromConfig(LocalConfig(), func(o *awslambda.Options) {
		o.BaseEndpoint = aws.String(l.URL())
		o.RetryMaxAttempts = 1
	})
}

type lambdaErrorBody struct {
	ErrorMessage string `json:"errorMessage"`
	ErrorType    string `json:"errorType"`
}

func TestLambdaInvokeFunctionNames(t *testing.T) {
	l := StartLambdaForTest(t, map[string]lambda.Handler{"worker": echoHandler()})
	client := lambdaClient(l)
	tests := []struct {
		functionName string
		qualifier    string
		wantARN      string
	}{
		{"worker", "", FunctionARN("worker")},
		{FunctionARN("worker"), "", FunctionARN("worker")},
		{FunctionARN("worker") + ":live", "", FunctionARN("worker") + ":live"},
		{"123456789012:function:worker", "", FunctionARN("worker")},
		{"worker", "7", FunctionARN("worker") + ":7"},
	}
	for _, tt := range tests {
		t.Run(tt.functionName+"@"+tt.qualifier, func(t *testing.T) {
			input := &awslambda.InvokeInput{FunctionName: aws.String(tt.functionName), Payload: []byte(`{"Value":"x"}`)}
			if tt.qualifier != "" {
				input.Qualifier = aws.String(tt.qualifier)
			}
			out, err := client.Invoke(context.Background(), input)
			if err != nil {
				t.Fatalf("Invoke: %v", err)
			}
			if out.FunctionError != nil {
				t.Fatalf("FunctionError = %q, payload %s", *out.FunctionError, out.Payload)
			}
			var got echoOutput
			if err := json.Unmarshal(out.Payload, &got); err != nil {
				t.Fatalf("decode payload %s: %v", out.Payload, err)
			}
			if got.FunctionARN != tt.wantARN {
				t.Errorf("InvokedFunctionArn = %q, want %q", got.FunctionARN, tt.wantARN)
			}
			if got.RequestID == "" {
				t.Errorf("AwsRequestID is empty")
			}
			if !got.HasDeadline {
				t.Errorf("handler context has no deadline")
			}
			if got.Value != "x" {
				t.Errorf("Value = %q, want x", got.Value)
			}
		})
	}
	if got := l.Invocations("worker"); got != len(tests) {
		t.Errorf("Invocations(worker) = %d, want %d", got, len(tests))
	}
}

func TestLambdaInvokeHandlerErrors(t *testing.T) {
	l := StartLambdaForTest(t, map[string]lambda.Handler{
		"named": lambda.NewHandler(func() error { return &SomeNamedError{Reason: "rate limited"} }),
		"plain": lambda.NewHandler(func() error { return errors.New("plain failure") }),
		"wrapped": lambda.NewHandler(func() error {
			return fmt.Errorf("page 3: %w", &SomeNamedError{Reason: "x"})
		}),
		"panics": lambda.NewHandler(func() error { panic("boom") }),
		"slow": lambda.NewHandler(func(ctx context.Context) error {
			<-ctx.Done()
			time.Sleep(50 * time.Millisecond)
			return ctx.Err()
		}),
	})
	l.SetTimeout("slow", 100*time.Millisecond)
	client := lambdaClient(l)
	tests := []struct {
		function    string
		wantType    string
		wantMessage string
	}{
		{"named", "SomeNamedError", "named failure: rate limited"},
		{"plain", "errorString", "plain failure"},
		{"wrapped", "wrapError", "page 3: named failure: x"},
		{"panics", "string", "boom"},
		{"slow", "Sandbox.Timedout", ""},
	}
	for _, tt := range tests {
		t.Run(tt.function, func(t *testing.T) {
			out, err := client.Invoke(context.Background(), &awslambda.InvokeInput{FunctionName: aws.String(tt.function)})
			if err != nil {
				t.Fatalf("Invoke: %v", err)
			}
			if out.StatusCode != 200 {
				t.Errorf("StatusCode = %d, want 200", out.StatusCode)
			}
			if aws.ToString(out.FunctionError) != "Unhandled" {
				t.Errorf("FunctionError = %q, want Unhandled", aws.ToString(out.FunctionError))
			}
			var body lambdaErrorBody
			if err := json.Unmarshal(out.Payload, &body); err != nil {
				t.Fatalf("decode payload %s: %v", out.Payload, err)
			}
			if body.ErrorType != tt.wantType {
				t.Errorf("errorType = %q, want %q", body.ErrorType, tt.wantType)
			}
			if tt.wantMessage != "" && body.ErrorMessage != tt.wantMessage {
				t.Errorf("errorMessage = %q, want %q", body.ErrorMessage, tt.wantMessage)
			}
		})
	}
}

func TestLambdaInvokeUnknownFunction(t *testing.T) {
	l := StartLambdaForTest(t, nil)
	_, err := lambdaClient(l).Invoke(context.Background(), &awslambda.InvokeInput{FunctionName: aws.String("missing")})
	var notFound *types.ResourceNotFoundException
	if !errors.As(err, &notFound) {
		t.Errorf("Invoke missing function: error = %v, want ResourceNotFoundException", err)
	}
}

func TestLambdaInvokeEvent(t *testing.T) {
	received := make(chan string, 1)
	l := StartLambdaForTest(t, map[string]lambda.Handler{
		"async": lambda.NewHandler(func(input struct{ Value string }) error {
			received <- input.Value
			return nil
		}),
	})
	out, err := lambdaClient(l).Invoke(context.Background(), &awslambda.InvokeInput{
		FunctionName:   aws.String("async"),
		InvocationType: types.InvocationTypeEvent,
		Payload:        []byte(`{"Value":"later"}`),
	})
	if err != nil {
		t.Fatalf("Invoke Event: %v", err)
	}
	if out.StatusCode != 202 {
		t.Errorf("StatusCode = %d, want 202", out.StatusCode)
	}
	select {
	case value := <-received:
		if value != "later" {
			t.Errorf("handler received %q, want later", value)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("asynchronous handler did not run within 5 s")
	}
	if got := l.InvocationCounts(); got["async"] != 1 {
		t.Errorf("InvocationCounts = %v, want async: 1", got)
	}
}
