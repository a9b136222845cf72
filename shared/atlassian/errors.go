package atlassian

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// ErrorDetails is the context that every typed error of this package carries.
type ErrorDetails struct {
	// Endpoint is the method and the path with query, relative to the API
	// base, such as "GET /rest/api/3/group/member?groupId=…&startAt=0".
	Endpoint string
	// StatusCode is the HTTP status, or 0 when no response arrived.
	StatusCode int
	// Messages are Jira's errorMessages followed by its errors map as
	// "field: message" in key order.
	Messages []string
	// Err is the cause: a transport error, a decoding error, or for
	// AmbiguousWriteError the typed error of the failed attempt. It is nil
	// when the status code is the whole cause.
	Err error
}

// Unwrap returns the cause so that errors.Is and errors.As see through.
func (d *ErrorDetails) Unwrap() error { return d.Err }

// format builds "ENDPOINT: HTTP 403 Forbidden: summary (Jira: …): cause".
func (d *ErrorDetails) format(summary string) string {
	var b strings.Builder
	b.WriteString("jira ")
	b.WriteString(d.Endpoint)
	if d.StatusCode != 0 {
		fmt.Fprintf(&b, ": HTTP %d %s", d.StatusCode, http.StatusText(d.StatusCode))
	}
	b.WriteString(": ")
	b.WriteString(summary)
	if len(d.Messages) > 0 {
		fmt.Fprintf(&b, " (Jira: %q)", strings.Join(d.Messages, "; "))
	}
	if d.Err != nil {
		b.WriteString(": ")
		b.WriteString(d.Err.Error())
	}
	return b.String()
}

// RateLimitedError reports HTTP 429 after the retries allowed, or at once
// when Retry-After requests a longer wait than Config.MaxBackoff.
type RateLimitedError struct {
	ErrorDetails
	// RetryAfter is the wait Jira requested, 0 when it sent no Retry-After.
	RetryAfter time.Duration
	// Reason is the RateLimit-Reason header, such as "jira-burst-based".
	Reason string
}

func (e *RateLimitedError) Error() string {
	summary := "rate limited by Jira"
	if e.Reason != "" {
		summary += " (" + e.Reason + ")"
	}
	if e.RetryAfter > 0 {
		summary += fmt.Sprintf("; retry after %s", e.RetryAfter)
	} else {
		summary += "; retry later"
	}
	return e.format(summary)
}

// UnauthorizedError reports HTTP 401, or a failed token refresh: the access
// token is expired, revoked or invalid.
type UnauthorizedError struct{ ErrorDetails }

func (e *UnauthorizedError) Error() string {
	return e.format("access token expired or invalid; refresh the token, or reconnect the site if the refresh fails")
}

// ForbiddenError reports HTTP 403: the token lacks an OAuth scope, or the
// consenting user lacks a Jira permission.
type ForbiddenError struct{ ErrorDetails }

func (e *ForbiddenError) Error() string {
	return e.format("forbidden; check the app's OAuth scopes and the consenting user's Jira permissions")
}

// NotFoundError reports HTTP 404: the user, group, project or role does not
// exist, or the token cannot see it.
type NotFoundError struct{ ErrorDetails }

func (e *NotFoundError) Error() string {
	return e.format("not found; check the id, or whether the item was deleted")
}

// ConflictError reports HTTP 409 on endpoints other than GET /users/search,
// where 409 means the search timed out (see UnavailableError).
type ConflictError struct{ ErrorDetails }

func (e *ConflictError) Error() string {
	return e.format("conflict with the current state in Jira; read the state before retrying")
}

// BadRequestError reports HTTP 400 and the other 4xx statuses that no other
// type covers (StatusCode contains the status).
type BadRequestError struct{ ErrorDetails }

func (e *BadRequestError) Error() string {
	return e.format("request rejected by Jira; fix the request")
}

// UnavailableError reports a 5xx status, a 409 from GET /users/search (the
// search took longer than 10 s), or a network failure, after the retries
// allowed.
type UnavailableError struct {
	ErrorDetails
	// RetryAfter is the wait a 503 requested, 0 when it sent no Retry-After.
	RetryAfter time.Duration
}

func (e *UnavailableError) Error() string {
	if e.StatusCode == 0 {
		return e.format("Jira unreachable; retry later")
	}
	return e.format("Jira unavailable; retry later")
}

// MalformedResponseError reports a 2xx response that cannot be trusted
// (invalid JSON, a wrong JSON type, a missing key field, an inconsistent
// page), or a status outside 2xx, 4xx and 5xx that http.Client did not
// follow.
type MalformedResponseError struct {
	ErrorDetails
	// Problem describes what is wrong, such as "values[3]: accountId is missing or empty".
	Problem string
}

func (e *MalformedResponseError) Error() string {
	return e.format("malformed response: " + e.Problem)
}

// AmbiguousWriteError reports a write whose outcome is unknown: it was sent,
// and then the connection failed, the context ended, or Jira responded with
// a 5xx that does not show that it did nothing. Read the state back before
// retrying.
type AmbiguousWriteError struct{ ErrorDetails }

func (e *AmbiguousWriteError) Error() string {
	const summary = "write outcome unknown; read the current state before retrying"
	if e.Err == nil {
		return e.format(summary)
	}
	// The cause already names the endpoint and the status.
	return summary + ": " + e.Err.Error()
}
