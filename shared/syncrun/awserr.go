package syncrun

import (
	"errors"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
)

// isTransientAWS reports a DynamoDB or AWS API error worth retrying:
// throttling, capacity, or an internal server error.
func isTransientAWS(err error) bool {
	var (
		throughput *types.ProvisionedThroughputExceededException
		limit      *types.RequestLimitExceeded
		internal   *types.InternalServerError
		apiErr     smithy.APIError
	)
	if errors.As(err, &throughput) || errors.As(err, &limit) || errors.As(err, &internal) {
		return true
	}
	if errors.As(err, &apiErr) {
		switch apiErr.ErrorCode() {
		case "ThrottlingException", "Throttling", "TooManyRequestsException", "ServiceUnavailable", "InternalFailure":
			return true
		}
	}
	return false
}
