// Command orchestrator is the Lambda function behind the sync state
// machine's begin, plan, finish and fail steps.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/idgov/atlassian-cloud-connector/shared/bundle"
	"github.com/idgov/atlassian-cloud-connector/shared/logging"
)

func main() {
	logger := logging.Setup("orchestrator")
	b, err := bundle.FromEnv(context.Background(), logger)
	if err != nil {
		logger.Error("configuration is invalid", "error", err)
		os.Exit(1)
	}
	lambda.Start(b.Engine.Orchestrate)
}
