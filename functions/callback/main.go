// Command callback is the Lambda behind GET
// /application/oauthProcessCode/{uniqueIdentifier}: it completes a
// connection's OAuth consent and starts its first sync.
//
// Environment: TABLE_NAME, TENANT_HOST_SUFFIX (such as
// .connect.example.com), STATE_MACHINE_ARN, and optionally SECRET_PREFIX,
// ATLASSIAN_AUTH_URL and ATLASSIAN_API_URL.
package main

import (
	"context"
	"errors"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/idgov/atlassian-cloud-connector/shared/atlassian"
	"github.com/idgov/atlassian-cloud-connector/shared/connection"
	"github.com/idgov/atlassian-cloud-connector/shared/logging"
	"github.com/idgov/atlassian-cloud-connector/shared/oauth"
	"github.com/idgov/atlassian-cloud-connector/shared/secrets"
	"github.com/idgov/atlassian-cloud-connector/shared/store"
	"github.com/idgov/atlassian-cloud-connector/shared/syncrun"
)

func main() {
	logger := logging.Setup("callback")
	flow, err := newFlow(context.Background(), logger)
	if err != nil {
		logger.Error("callback function not started", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(flow.HandleCallback)
}

func newFlow(ctx context.Context, logger *slog.Logger) (*oauth.Flow, error) {
	tableName, err := store.TableNameFromEnv()
	if err != nil {
		return nil, err
	}
	suffix := os.Getenv("TENANT_HOST_SUFFIX")
	if suffix == "" {
		return nil, errors.New("TENANT_HOST_SUFFIX is not set: set it to the callback domain after the tenant label, such as .connect.example.com")
	}
	stateMachine := os.Getenv("STATE_MACHINE_ARN")
	if stateMachine == "" {
		return nil, errors.New("STATE_MACHINE_ARN is not set: set it to the sync state machine's ARN")
	}
	awsConfig, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, err
	}
	table := &store.Table{Client: dynamodb.NewFromConfig(awsConfig), Name: tableName}
	return &oauth.Flow{
		Connections: &connection.Store{Table: table},
		States:      &oauth.StateStore{Table: table},
		Secrets:     &secrets.Store{Client: secretsmanager.NewFromConfig(awsConfig), Prefix: secrets.PrefixFromEnv()},
		Sync: &syncrun.Starter{
			Engine:          &syncrun.Engine{Table: table, Logger: logger},
			SFN:             sfn.NewFromConfig(awsConfig),
			StateMachineARN: stateMachine,
		},
		AuthURL:          atlassian.AuthURLFromEnv(),
		APIURL:           atlassian.APIURLFromEnv(),
		TenantHostSuffix: suffix,
		Logger:           logger,
	}, nil
}
