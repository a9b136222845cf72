// Command worker is the Lambda function that drains a sync run's page
// tasks, one Jira page at a time, for one lane of the state machine's Map.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/idgov/atlassian-cloud-connector/shared/bundle"
	"github.com/idgov/atlassian-cloud-connector/shared/logging"
)

func main() {
	logger := logging.Setup("worker")
	b, err := bundle.FromEnv(context.Background(), logger)
	if err != nil {
		logger.Error("configuration is invalid", "error", err)
		os.Exit(1)
	}
	lambda.Start(b.Engine.Worker)
}
