package ondemand

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/smithy-go"

	"github.com/idgov/atlassian-cloud-connector/shared/atlassian"
	"github.com/idgov/atlassian-cloud-connector/shared/connection"
	"github.com/idgov/atlassian-cloud-connector/shared/oauth"
	"github.com/idgov/atlassian-cloud-connector/shared/syncrun"
)

// Error codes of a failed request. The platform's backend branches on the
// code; the message is for people.
const (
	CodeInvalidRequest         = "invalid_request"      // the payload is not a JSON object
	CodeUnsupportedVersion     = "unsupported_version"  // version is not 1
	CodeUnknownOperation       = "unknown_operation"    // operation is not one of Operations
	CodeMissingField           = "missing_field"        // a required field is absent or empty
	CodeInvalidField           = "invalid_field"        // a field has a wrong type or value, or is not a field of the operation
	CodeInvalidPageToken       = "invalid_page_token"   // the page token was altered or issued for another request
	CodeConnectionNotFound     = "connection_not_found" // no connection under tenant and connectionId
	CodeConnectionExists       = "connection_exists"    // the identifier is taken, now or before
	CodeConnectionRemoved      = "connection_removed"   // the connection was disconnected
	CodeConnectionNotConnected = "connection_not_connected"
	CodeReconsentRequired      = "reconsent_required"   // a site admin must consent again
	CodeTokenRefreshFailed     = "token_refresh_failed" // Atlassian rejected a refresh for a reason other than a lost grant
	CodeRunNotFound            = "run_not_found"
	CodeSnapshotUnavailable    = "snapshot_unavailable" // no completed sync, or the run's snapshot is not kept
	CodeUpstreamUnavailable    = "upstream_unavailable" // Jira, Atlassian's auth server or an AWS service failed; retry later
	CodeInternal               = "internal_error"
)

// Error is the error of a failed request. Message states what is wrong and
// what to do; Field is the JSON name of the request field at fault.
type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

func (e *Error) Error() string {
	if e.Field != "" {
		return e.Code + " (" + e.Field + "): " + e.Message
	}
	return e.Code + ": " + e.Message
}

func newError(code, field, format string, args ...any) *Error {
	return &Error{Code: code, Field: field, Message: fmt.Sprintf(format, args...)}
}

func missing(field, what string) *Error {
	return newError(CodeMissingField, field, "%s is missing: %s", field, what)
}

// toError converts an error from the connector's packages into the
// structured error returned to the caller. The second result is true for
// errors the caller did not cause, which are logged. None of the errors
// converted here contain a token, secret or authorization code, because the
// packages that return them leave those out.
func toError(ctx context.Context, err error) (*Error, bool) {
	var (
		own        *Error
		invalid    *connection.ValidationError
		notFound   *connection.NotFoundError
		removed    *connection.RemovedError
		taken      *connection.IDTakenError
		reconsent  *oauth.ReconsentRequiredError
		runMissing *syncrun.RunNotFoundError
		tokenErr   *oauth.TokenError
		apiErr     smithy.APIError
	)
	switch {
	case errors.As(err, &own):
		return own, false
	case errors.As(err, &invalid):
		// The connection package words an absent value as "missing; …".
		code := CodeInvalidField
		if strings.HasPrefix(invalid.Message, "missing") {
			code = CodeMissingField
		}
		return &Error{Code: code, Field: invalid.Field, Message: invalid.Error()}, false
	case errors.As(err, &notFound):
		return &Error{Code: CodeConnectionNotFound, Field: "connectionId", Message: notFound.Error()}, false
	case errors.As(err, &removed):
		return &Error{Code: CodeConnectionRemoved, Field: "connectionId", Message: removed.Error()}, false
	case errors.As(err, &taken):
		return &Error{Code: CodeConnectionExists, Field: "connectionId", Message: taken.Error()}, false
	case errors.As(err, &reconsent):
		return &Error{Code: CodeReconsentRequired, Message: reconsent.Error()}, false
	case errors.As(err, &runMissing):
		return &Error{Code: CodeRunNotFound, Field: "runId", Message: runMissing.Error()}, false
	case errors.As(err, &tokenErr) && tokenErr.Temporary():
		return newError(CodeUpstreamUnavailable, "", "Atlassian's token endpoint is unavailable (%s): retry in a few minutes", tokenErr.Error()), true
	case errors.As(err, &tokenErr):
		return newError(CodeTokenRefreshFailed, "", "the access token could not be refreshed (%s): check the client ID and client secret, and send configureConnection with the current client secret if it changed", tokenErr.Error()), true
	case isTransient(err):
		return newError(CodeUpstreamUnavailable, "", "a service the connector depends on is unavailable (%s): retry in a few minutes", err.Error()), true
	case errors.As(err, &apiErr) && isThrottle(apiErr.ErrorCode()):
		return newError(CodeUpstreamUnavailable, "", "an AWS service throttled the request (%s): retry in a few seconds", apiErr.ErrorCode()), true
	}
	return internal(ctx), true
}

// internal is the error of an unexpected failure. Its cause goes to the log,
// not to the caller; the request id finds it there.
func internal(ctx context.Context) *Error {
	requestID := "unknown"
	if lc, ok := lambdacontext.FromContext(ctx); ok && lc.AwsRequestID != "" {
		requestID = lc.AwsRequestID
	}
	return newError(CodeInternal, "", "the request failed inside the connector: retry, and if it fails again report request id %s", requestID)
}

func isTransient(err error) bool {
	var (
		unavailable *atlassian.UnavailableError
		limited     *atlassian.RateLimitedError
	)
	return errors.As(err, &unavailable) || errors.As(err, &limited) ||
		errors.Is(err, context.DeadlineExceeded)
}

func isThrottle(code string) bool {
	switch code {
	case "ThrottlingException", "ProvisionedThroughputExceededException", "RequestLimitExceeded",
		"TooManyRequestsException", "LimitExceededException", "ServiceUnavailable", "InternalServerError":
		return true
	}
	return false
}
