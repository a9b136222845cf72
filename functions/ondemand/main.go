// Command ondemand is the Lambda function that the platform's backend
// invokes directly, and that EventBridge Scheduler invokes for scheduled
// syncs, with a versioned JSON envelope (see package ondemand).
//
// Environment: TABLE_NAME, STATE_MACHINE_ARN, SCHEDULE_GROUP_NAME,
// SCHEDULER_ROLE_ARN, PAGE_TOKEN_KEY_SECRET_ARN (or PAGE_TOKEN_KEY in hex
// for local runs), and optionally ONDEMAND_FUNCTION_ARN,
// SCHEDULE_FLEXIBLE_WINDOW_MINUTES, SECRET_PREFIX, ATLASSIAN_AUTH_URL,
// ATLASSIAN_API_URL, JIRA_RATE_PER_SECOND, SYNC_LANES and
// WORKER_BUDGET_SECONDS.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/idgov/atlassian-cloud-connector/shared/logging"
	"github.com/idgov/atlassian-cloud-connector/shared/ondemand"
)

func main() {
	logger := logging.Setup("ondemand")
	service, err := ondemand.FromEnv(context.Background(), logger)
	if err != nil {
		logger.Error("configuration is invalid", "error", err)
		os.Exit(1)
	}
	lambda.Start(service)
}
