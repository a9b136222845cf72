// Package localstack runs the whole connector on one machine: the Jira
// simulator, DynamoDB Local, the local Secrets Manager, Lambda and Step
// Functions endpoints, and the real state machine definition from infra/,
// with the functions' Go handlers behind the Lambda endpoint. The demo and
// the end-to-end tests use it; every server listens on 127.0.0.1.
package localstack

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/idgov/atlassian-cloud-connector/shared/bundle"
	"github.com/idgov/atlassian-cloud-connector/shared/connection"
	"github.com/idgov/atlassian-cloud-connector/shared/jirasim"
	"github.com/idgov/atlassian-cloud-connector/shared/localaws"
	"github.com/idgov/atlassian-cloud-connector/shared/oauth"
	"github.com/idgov/atlassian-cloud-connector/shared/store"
	"github.com/idgov/atlassian-cloud-connector/shared/syncrun"
)

// Function names on the local Lambda endpoint; they match the folders
// under functions/.
const (
	OrchestratorFunction = "orchestrator"
	WorkerFunction       = "worker"
	StateMachineName     = "atlassian-cloud-sync"
)

// Options configure a Stack.
type Options struct {
	Dataset *jirasim.Dataset // the simulated site's data
	// SimRateLimit makes the simulator return 429 like Jira Cloud. The zero
	// value is unlimited.
	SimRateLimit jirasim.RateLimit
	Sync         syncrun.Config
	// JiraRatePerSecond paces the connector's Jira calls for one
	// connection; 0 means the connector's default.
	JiraRatePerSecond float64
	// DynamoDB, when set, is used in place of starting DynamoDB Local.
	DynamoDB *dynamodb.Client
	// Handlers, when set, adds or replaces functions on the Lambda
	// endpoint, so a test can wrap a handler.
	Handlers map[string]lambda.Handler
	Logger   *slog.Logger
}

// Stack is a running local connector.
type Stack struct {
	Sim             *jirasim.Server
	Secrets         *localaws.SecretsManager
	Lambda          *localaws.Lambda
	StepFunctions   *localaws.StepFunctions
	Bundle          *bundle.Bundle
	StateMachineARN string
	// DynamoDBRequests counts the requests sent to DynamoDB Local when the
	// stack started it; it stays empty when Options.DynamoDB was given.
	DynamoDBRequests *RequestCounter
	ClientID         string
	clientSecret     string
	dynamo           *localaws.DynamoDBLocal
	closers          []func()
}

// Start starts every service and creates the table and state machine.
func Start(ctx context.Context, o Options) (s *Stack, err error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewJSONHandler(io.Discard, nil))
	}
	s = &Stack{ClientID: "local-client-" + randomHex(4), clientSecret: randomHex(16), DynamoDBRequests: &RequestCounter{}}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	s.Sim, err = jirasim.Start(o.Dataset, jirasim.Options{
		ClientID: s.ClientID, ClientSecret: s.clientSecret, Consent: jirasim.ConsentAuto, RateLimit: o.SimRateLimit,
	})
	if err != nil {
		return s, fmt.Errorf("start the Jira simulator: %w", err)
	}
	s.closers = append(s.closers, s.Sim.Close)

	ddb := o.DynamoDB
	if ddb == nil {
		s.dynamo, err = localaws.StartDynamoDBLocal(ctx)
		if err != nil {
			return s, err
		}
		s.closers = append(s.closers, func() { _ = s.dynamo.Stop() })
		endpoint := s.dynamo.Endpoint()
		ddb = dynamodb.NewFromConfig(localaws.LocalConfig(), func(opt *dynamodb.Options) {
			opt.BaseEndpoint = &endpoint
			opt.APIOptions = append(opt.APIOptions, s.DynamoDBRequests.add)
		})
	}
	table, err := store.CreateTable(ctx, ddb, "connector-"+randomHex(4))
	if err != nil {
		return s, err
	}

	s.Secrets, err = localaws.StartSecretsManager()
	if err != nil {
		return s, err
	}
	s.closers = append(s.closers, func() { _ = s.Secrets.Close() })

	s.Lambda, err = localaws.StartLambda(nil)
	if err != nil {
		return s, err
	}
	s.closers = append(s.closers, func() { _ = s.Lambda.Close() })
	s.StepFunctions, err = localaws.StartStepFunctions(s.Lambda.URL())
	if err != nil {
		return s, err
	}
	s.closers = append(s.closers, func() { _ = s.StepFunctions.Close() })

	definition, err := Definition()
	if err != nil {
		return s, err
	}
	s.StateMachineARN = s.StepFunctions.RegisterStateMachine(StateMachineName, definition)
	s.Bundle = bundle.New(bundle.Options{
		AWS: localaws.LocalConfig(), DynamoDB: ddb, SecretsManager: s.Secrets.Client(), SFN: s.StepFunctions.Client(),
		TableName: table.Name, StateMachineARN: s.StateMachineARN, APIURL: s.Sim.URL(), AuthURL: s.Sim.URL(),
		Sync: o.Sync, JiraRatePerSecond: o.JiraRatePerSecond, Logger: o.Logger,
	})
	s.Lambda.Register(OrchestratorFunction, lambda.NewHandler(s.Bundle.Engine.Orchestrate))
	s.Lambda.Register(WorkerFunction, lambda.NewHandler(s.Bundle.Engine.Worker))
	for name, h := range o.Handlers {
		s.Lambda.Register(name, h)
	}
	return s, nil
}

// Definition returns infra/statemachine.asl.json with its substitutions
// resolved to the local Lambda endpoint's function ARNs, as SAM's
// DefinitionSubstitutions does on deploy.
func Definition() (string, error) {
	root, err := localaws.RepoRoot()
	if err != nil {
		return "", err
	}
	raw, err := os.ReadFile(filepath.Join(root, "infra", "statemachine.asl.json"))
	if err != nil {
		return "", fmt.Errorf("read the state machine definition: %w", err)
	}
	definition := strings.NewReplacer(
		"${OrchestratorFunctionArn}", localaws.FunctionARN(OrchestratorFunction),
		"${WorkerFunctionArn}", localaws.FunctionARN(WorkerFunction),
	).Replace(string(raw))
	if i := strings.Index(definition, "${"); i >= 0 {
		end := min(i+40, len(definition))
		return "", fmt.Errorf("state machine definition has an unresolved substitution near %q: add it to localstack.Definition", definition[i:end])
	}
	return definition, nil
}

// Connect configures a connection to the simulated site and completes its
// OAuth consent headless. The callback starts the first sync through the
// state machine, and Connect returns that run's id.
func (s *Stack) Connect(ctx context.Context, key connection.Key, settings *connection.UserSettings) (string, error) {
	result, err := oauth.ConnectLocally(ctx, oauth.LocalConnectOptions{
		Config: connection.Config{
			Key: key, SiteURL: s.Sim.Dataset().Sites[0].URL, ClientID: s.ClientID, ClientSecret: s.clientSecret,
			Schedule: connection.Schedule{Expression: connection.ScheduleManual}, UserSettings: settings,
		},
		Connections: s.Bundle.Connections, States: s.Bundle.States, Secrets: s.Bundle.Secrets,
		Sync: s.Bundle.Starter, AuthURL: s.Sim.URL(), APIURL: s.Sim.URL(), Headless: true,
		Out: io.Discard, Logger: s.Bundle.Logger,
	})
	if err != nil {
		return "", err
	}
	if result.RunID == "" {
		return "", errors.New("consent completed but the first sync did not start")
	}
	return result.RunID, nil
}

// ExecutionARN returns the local execution of a run started by Starter.
func (s *Stack) ExecutionARN(key connection.Key, runID string) string {
	return localaws.ExecutionARN(StateMachineName, syncrun.ExecutionName(key, runID))
}

// Wait waits for a run's execution to end and returns its result.
func (s *Stack) Wait(ctx context.Context, key connection.Key, runID string) (localaws.Result, error) {
	return s.StepFunctions.WaitExecution(ctx, s.ExecutionARN(key, runID))
}

// Close stops every service, in reverse order of starting.
func (s *Stack) Close() {
	for i := len(s.closers) - 1; i >= 0; i-- {
		s.closers[i]()
	}
	s.closers = nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
