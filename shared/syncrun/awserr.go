package syncrun

import (
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/idgov/atlassian-cloud-connector/shared/store"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
)

// isTransientAWS reports an AWS error worth retrying: throttling, capacity,
// an internal server error, a transaction conflict, a request that could not
// be sent, or the SDK's own retries running out.
func isTransientAWS(err error) bool {
	var (
		throughput *types.ProvisionedThroughputExceededException
		limit      *types.RequestLimitExceeded
		internal   *types.InternalServerError
		apiErr     smithy.APIError
	)
	var (
		storeThrottled *store.ThrottledError
		maxAttempts    *retry.MaxAttemptsError
		sendErr        *smithyhttp.RequestSendError
	)
	if errors.As(err, &throughput) || errors.As(err, &limit) || errors.As(err, &internal) ||
		errors.As(err, &storeThrottled) || errors.As(err, &maxAttempts) || errors.As(err, &sendErr) {
		return true
	}
	if errors.As(err, &apiErr) {
		switch apiErr.ErrorCode() {
		case "ThrottlingException", "Throttling", "TooManyRequestsException", "ServiceUnavailable", "InternalFailure",
			"TransactionConflictException":
			return true
		}
	}
	return false
}
