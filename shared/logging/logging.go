// Package logging sets up the bundle's structured logs: log/slog through
// aws-lambda-go's lambdacontext handler, which writes JSON (or text, per
// AWS_LAMBDA_LOG_FORMAT), honours AWS_LAMBDA_LOG_LEVEL and adds the
// invocation's request id to every line.
package logging

import (
	"log/slog"

	"github.com/aws/aws-lambda-go/lambdacontext"
)

// Setup installs the Lambda log handler as the default logger and returns
// it with the function's name as an attribute. Callers add connection, run
// and page ids with Logger.With.
func Setup(function string) *slog.Logger {
	logger := lambdacontext.NewLogger(lambdacontext.WithFunctionARN()).With("function", function)
	slog.SetDefault(logger)
	return logger
}
