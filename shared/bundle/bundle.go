// Package bundle builds the connector's components from the environment,
// once per Lambda cold start or local process, so every function wires the
// same stores, token provider and sync engine the same way.
package bundle

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/idgov/atlassian-cloud-connector/shared/atlassian"
	"github.com/idgov/atlassian-cloud-connector/shared/connection"
	"github.com/idgov/atlassian-cloud-connector/shared/oauth"
	"github.com/idgov/atlassian-cloud-connector/shared/secrets"
	"github.com/idgov/atlassian-cloud-connector/shared/store"
	"github.com/idgov/atlassian-cloud-connector/shared/syncrun"
)

// Bundle is the set of components a function uses.
type Bundle struct {
	AWS         aws.Config
	Table       *store.Table
	Connections *connection.Store
	Secrets     *secrets.Store
	SFN         *sfn.Client
	States      *oauth.StateStore
	Tokens      *oauth.TokenProvider
	Engine      *syncrun.Engine
	// Starter is nil when STATE_MACHINE_ARN is not set (the worker and
	// orchestrator do not start executions).
	Starter *syncrun.Starter
	APIURL  string
	AuthURL string
	Logger  *slog.Logger
}

// FromEnv builds a Bundle from the environment (see the configuration table
// in the README) with the default AWS configuration chain.
func FromEnv(ctx context.Context, logger *slog.Logger) (*Bundle, error) {
	awsCfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	tableName, err := store.TableNameFromEnv()
	if err != nil {
		return nil, err
	}
	syncCfg, err := syncrun.ConfigFromEnv()
	if err != nil {
		return nil, err
	}
	rate, err := rateFromEnv()
	if err != nil {
		return nil, err
	}
	return New(Options{
		AWS: awsCfg, TableName: tableName, SecretPrefix: secrets.PrefixFromEnv(),
		StateMachineARN: os.Getenv("STATE_MACHINE_ARN"), APIURL: atlassian.APIURLFromEnv(),
		AuthURL: atlassian.AuthURLFromEnv(), Sync: syncCfg, JiraRatePerSecond: rate, Logger: logger,
	}), nil
}

// Options are the inputs of New.
type Options struct {
	AWS aws.Config
	// DynamoDB, SecretsManager and SFN, when set, replace the clients New
	// would build from AWS; tests pass clients of the local stack.
	DynamoDB          *dynamodb.Client
	SecretsManager    *secretsmanager.Client
	SFN               *sfn.Client
	TableName         string
	SecretPrefix      string
	StateMachineARN   string
	APIURL, AuthURL   string
	Sync              syncrun.Config
	JiraRatePerSecond float64
	Logger            *slog.Logger
}

// New builds a Bundle from explicit options; tests and local runs use it
// with loopback endpoints.
func New(o Options) *Bundle {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.DynamoDB == nil {
		o.DynamoDB = dynamodb.NewFromConfig(o.AWS)
	}
	if o.SecretsManager == nil {
		o.SecretsManager = secretsmanager.NewFromConfig(o.AWS)
	}
	if o.SFN == nil {
		o.SFN = sfn.NewFromConfig(o.AWS)
	}
	table := &store.Table{Client: o.DynamoDB, Name: o.TableName}
	conns := &connection.Store{Table: table}
	sec := &secrets.Store{Client: o.SecretsManager, Prefix: o.SecretPrefix}
	tokens := &oauth.TokenProvider{Connections: conns, Secrets: sec, Table: table, AuthURL: o.AuthURL, Logger: o.Logger}
	lanes := o.Sync.Lanes
	if lanes <= 0 {
		lanes = 8
	}
	engine := &syncrun.Engine{
		Table:       table,
		Connections: conns,
		Jira: &syncrun.AtlassianFactory{
			APIURL: o.APIURL, RatePerSecond: o.JiraRatePerSecond, Lanes: lanes,
			Tokens: tokens.TokenSource, Logger: o.Logger,
		},
		CheckToken: func(ctx context.Context, key connection.Key) error {
			_, err := tokens.Token(ctx, key)
			return err
		},
		Config: o.Sync,
		Logger: o.Logger,
	}
	b := &Bundle{
		AWS: o.AWS, Table: table, Connections: conns, Secrets: sec, SFN: o.SFN,
		States: &oauth.StateStore{Table: table}, Tokens: tokens, Engine: engine,
		APIURL: o.APIURL, AuthURL: o.AuthURL, Logger: o.Logger,
	}
	if o.StateMachineARN != "" {
		b.Starter = &syncrun.Starter{Engine: engine, SFN: o.SFN, StateMachineARN: o.StateMachineARN}
	}
	return b
}

func rateFromEnv() (float64, error) {
	v := os.Getenv("JIRA_RATE_PER_SECOND")
	if v == "" {
		return 0, nil
	}
	rate, err := strconv.ParseFloat(v, 64)
	if err != nil || rate <= 0 {
		return 0, fmt.Errorf("JIRA_RATE_PER_SECOND=%q is invalid: set a positive number of requests per second for one connection", v)
	}
	return rate, nil
}
