package atlassian

import (
	"encoding/json"
	"errors"
	"io"
	"maps"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/oauth2"
)

// parseRetryAfter reads a Retry-After header: delay seconds or an HTTP date
// (RFC 9110, section 10.2.3). The second result is false when the header is
// absent or invalid. "0" is valid and means retry now.
func parseRetryAfter(value string, now time.Time) (time.Duration, bool) {
	value = strings.TrimSpace(value)
	if value == "" {
		return 0, false
	}
	if seconds, err := strconv.ParseInt(value, 10, 64); err == nil {
		if seconds < 0 {
			return 0, false
		}
		// Cap at a day so the multiplication cannot overflow.
		return time.Duration(min(seconds, 86400)) * time.Second, true
	}
	if at, err := http.ParseTime(value); err == nil {
		return max(at.Sub(now), 0), true
	}
	return 0, false
}

// jiraMessages extracts Jira's error texts from an error body of the form
// {"errorMessages": [...], "errors": {"field": "message"}}. Bodies of any
// other form give none, because they may be HTML from a proxy.
func jiraMessages(body []byte) []string {
	var parsed struct {
		ErrorMessages []string          `json:"errorMessages"`
		Errors        map[string]string `json:"errors"`
		// The gateway at api.atlassian.com responds in this form.
		Message string `json:"message"`
	}
	if len(body) == 0 || json.Unmarshal(body, &parsed) != nil {
		return nil
	}
	messages := slices.Clone(parsed.ErrorMessages)
	for _, field := range slices.Sorted(maps.Keys(parsed.Errors)) {
		messages = append(messages, field+": "+parsed.Errors[field])
	}
	if parsed.Message != "" {
		messages = append(messages, parsed.Message)
	}
	return messages
}

// asTokenError returns a constructor of UnauthorizedError when cause is a
// failed token refresh by an oauth2 token source, and nil otherwise.
func asTokenError(cause error) func(endpoint string) error {
	var retrieveErr *oauth2.RetrieveError
	if !errors.As(cause, &retrieveErr) {
		return nil
	}
	return func(endpoint string) error {
		status := 0
		if retrieveErr.Response != nil {
			status = retrieveErr.Response.StatusCode
		}
		// The refresh error names the token endpoint's status, not Jira's,
		// so StatusCode stays 0 and the status goes in the message.
		messages := []string{"token refresh failed with HTTP " + strconv.Itoa(status)}
		if retrieveErr.ErrorCode != "" {
			messages = append(messages, retrieveErr.ErrorCode)
		}
		// The cause is not kept: RetrieveError.Error prints the token
		// endpoint's whole body.
		return &UnauthorizedError{ErrorDetails{Endpoint: endpoint, Messages: messages}}
	}
}

// isNetworkError reports whether err comes from the connection rather than
// from the caller's code, such as a refused dial, a reset or a timeout.
func isNetworkError(err error) bool {
	var netErr net.Error
	return errors.As(err, &netErr) ||
		errors.Is(err, io.EOF) ||
		errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.EPIPE)
}
