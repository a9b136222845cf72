package syncrun

import (
	"context"
	"errors"
	"fmt"

	"github.com/idgov/atlassian-cloud-connector/shared/atlassian"
	"github.com/idgov/atlassian-cloud-connector/shared/oauth"
)

// The errors below are what the orchestrator and worker handlers return.
// AWS Lambda reports a Go error's type name as its errorType, and the state
// machine's Retry and Catch match those names, so each handler converts any
// error to one of these types before returning it (see Classify).

// RateLimitedError means Jira kept returning 429 after the client's own
// retries, so the state machine retries the invocation with backoff.
type RateLimitedError struct{ Message string }

func (e *RateLimitedError) Error() string { return e.Message }

// UpstreamUnavailableError means Jira or the network failed transiently
// (5xx, timeouts, dropped connections); the state machine retries.
type UpstreamUnavailableError struct{ Message string }

func (e *UpstreamUnavailableError) Error() string { return e.Message }

// StoreThrottledError means DynamoDB or Secrets Manager throttled or failed
// transiently; the state machine retries.
type StoreThrottledError struct{ Message string }

func (e *StoreThrottledError) Error() string { return e.Message }

// ReconsentRequiredError means the connection's grant is gone (invalid_grant
// or expired); the run fails and the customer must consent again.
type ReconsentRequiredError struct{ Message string }

func (e *ReconsentRequiredError) Error() string { return e.Message }

// SyncAlreadyRunningError means another run of the same connection holds
// the lock; this run ends without touching anything.
type SyncAlreadyRunningError struct{ Message string }

func (e *SyncAlreadyRunningError) Error() string { return e.Message }

// PageFailedError means a page task failed permanently (a malformed
// response, a missing scope, or too many attempts), so the run fails.
type PageFailedError struct{ Message string }

func (e *PageFailedError) Error() string { return e.Message }

// InvalidInputError means the state input is malformed; the run fails.
type InvalidInputError struct{ Message string }

func (e *InvalidInputError) Error() string { return e.Message }

// IncompleteSyncError means a phase ended with tasks not done; the run fails
// rather than publish partial data.
type IncompleteSyncError struct{ Message string }

func (e *IncompleteSyncError) Error() string { return e.Message }

// ConnectionNotReadyError means the connection is not connected (pending,
// removed or waiting for re-consent).
type ConnectionNotReadyError struct{ Message string }

func (e *ConnectionNotReadyError) Error() string { return e.Message }

// ErrorNames lists the error type names the state machine can see.
var ErrorNames = []string{
	"RateLimitedError", "UpstreamUnavailableError", "StoreThrottledError",
	"ReconsentRequiredError", "SyncAlreadyRunningError", "PageFailedError",
	"InvalidInputError", "IncompleteSyncError", "ConnectionNotReadyError",
}

// Classify converts an error into one of this package's named error types,
// keeping its message, so the state machine can match it by name. Errors
// already of a named type pass through. Transient errors of Jira, the token
// provider and AWS become the retryable types, and any other error is a
// permanent page failure.
func Classify(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	var (
		rateLimited *RateLimitedError
		unavailable *UpstreamUnavailableError
		throttled   *StoreThrottledError
		reconsent   *ReconsentRequiredError
		running     *SyncAlreadyRunningError
		pageFailed  *PageFailedError
		invalid     *InvalidInputError
		incomplete  *IncompleteSyncError
		notReady    *ConnectionNotReadyError
		regrant     *oauth.ReconsentRequiredError
		tokenErr    *oauth.TokenError
	)
	switch {
	case errors.As(err, &rateLimited), errors.As(err, &unavailable), errors.As(err, &throttled),
		errors.As(err, &reconsent), errors.As(err, &running), errors.As(err, &pageFailed),
		errors.As(err, &invalid), errors.As(err, &incomplete), errors.As(err, &notReady):
		return firstNamed(err)
	case errors.As(err, &regrant):
		return &ReconsentRequiredError{Message: msg}
	case errors.As(err, &tokenErr) && tokenErr.Temporary():
		return &UpstreamUnavailableError{Message: msg}
	}
	var (
		jiraRateLimited *atlassian.RateLimitedError
		jiraUnavailable *atlassian.UnavailableError
		jiraAmbiguous   *atlassian.AmbiguousWriteError
	)
	switch {
	case errors.As(err, &jiraRateLimited):
		return &RateLimitedError{Message: msg}
	case errors.As(err, &jiraUnavailable), errors.As(err, &jiraAmbiguous):
		return &UpstreamUnavailableError{Message: msg}
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		// The invocation ran out of time or was stopped; a retry starts afresh.
		return &UpstreamUnavailableError{Message: msg}
	case isTransientAWS(err):
		return &StoreThrottledError{Message: msg}
	}
	return &PageFailedError{Message: msg}
}

// firstNamed returns the outermost error of a named type in err's chain,
// with the full message of err.
func firstNamed(err error) error {
	msg := err.Error()
	for e := err; e != nil; e = errors.Unwrap(e) {
		switch e.(type) {
		case *RateLimitedError:
			return &RateLimitedError{Message: msg}
		case *UpstreamUnavailableError:
			return &UpstreamUnavailableError{Message: msg}
		case *StoreThrottledError:
			return &StoreThrottledError{Message: msg}
		case *ReconsentRequiredError:
			return &ReconsentRequiredError{Message: msg}
		case *SyncAlreadyRunningError:
			return &SyncAlreadyRunningError{Message: msg}
		case *PageFailedError:
			return &PageFailedError{Message: msg}
		case *InvalidInputError:
			return &InvalidInputError{Message: msg}
		case *IncompleteSyncError:
			return &IncompleteSyncError{Message: msg}
		case *ConnectionNotReadyError:
			return &ConnectionNotReadyError{Message: msg}
		}
	}
	return &PageFailedError{Message: fmt.Sprintf("unclassified error: %s", msg)}
}
