package provision

import (
	"errors"
	"fmt"
	"strings"

	"github.com/idgov/atlassian-cloud-connector/shared/atlassian"
)

// Error codes of a provisioning request the caller can act on. The on-demand
// interface returns them as its error code.
const (
	CodeMissingField  = "missing_field" // a required field is absent or empty
	CodeInvalidField  = "invalid_field" // a field has a wrong form, or is not a field of the operation
	CodeNotFound      = "not_found"     // Jira has no such user, group, project, role or product
	CodeUserInactive  = "user_inactive" // the user is deactivated, so Jira does not add it
	CodeScopeMissing  = "scope_not_granted"
	CodeInProgress    = "request_in_progress" // the first request with this requestId is still running
	CodeConflict      = "request_id_conflict" // the requestId was used for a different request
	CodeJiraRejected  = "jira_rejected"       // Jira rejected the change for a reason the read-back does not explain
	CodeJiraForbidden = "jira_forbidden"      // the grant lacks a scope or the consenting user a Jira permission
	// CodeOutcomeUnknown means a write and its one retry were both sent
	// without a response. The requestId is released, so sending the same
	// request again reads the state back first.
	CodeOutcomeUnknown = "write_outcome_unknown"
)

// Error is a provisioning failure with a code the caller can branch on.
// Field is the JSON name of the request field at fault, when one is.
type Error struct {
	Code    string
	Field   string
	Message string
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

func notFound(field, format string, args ...any) *Error {
	return newError(CodeNotFound, field, format, args...)
}

// jiraMessages returns Jira's error texts of a typed client error, for
// messages only: decisions use status codes and read-backs.
func jiraMessages(err error) string {
	var (
		bad       *atlassian.BadRequestError
		conflict  *atlassian.ConflictError
		forbidden *atlassian.ForbiddenError
		missing   *atlassian.NotFoundError
		messages  []string
	)
	switch {
	case errors.As(err, &bad):
		messages = bad.Messages
	case errors.As(err, &conflict):
		messages = conflict.Messages
	case errors.As(err, &forbidden):
		messages = forbidden.Messages
	case errors.As(err, &missing):
		messages = missing.Messages
	}
	if len(messages) == 0 {
		return "no message"
	}
	return strings.Join(messages, "; ")
}

// rejected converts a Jira 4xx that no read-back explained into an Error.
// Other errors pass through unchanged.
func rejected(err error, what string) error {
	var (
		bad       *atlassian.BadRequestError
		conflict  *atlassian.ConflictError
		forbidden *atlassian.ForbiddenError
		missing   *atlassian.NotFoundError
	)
	switch {
	case errors.As(err, &missing):
		return notFound("", "Jira did not find what %s refers to (%s): check the ids against the site", what, jiraMessages(err))
	case errors.As(err, &forbidden):
		return newError(CodeJiraForbidden, "", "Jira denied %s (HTTP 403: %s): the app lacks a write scope or the consenting user lacks Jira admin permission; grant it and consent again",
			what, jiraMessages(err))
	case errors.As(err, &bad), errors.As(err, &conflict):
		return newError(CodeJiraRejected, "", "Jira rejected %s (%s): check the values against the site and send a corrected request",
			what, jiraMessages(err))
	}
	return err
}

func isNotFound(err error) bool {
	var e *atlassian.NotFoundError
	return errors.As(err, &e)
}

func isBadRequest(err error) bool {
	var e *atlassian.BadRequestError
	return errors.As(err, &e)
}

func isAmbiguous(err error) bool {
	var e *atlassian.AmbiguousWriteError
	return errors.As(err, &e)
}
