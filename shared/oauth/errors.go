package oauth

import (
	"fmt"
	"net/http"

	"github.com/idgov/atlassian-cloud-connector/shared/connection"
)

// TokenError is a failed request to the token endpoint. It is either an
// error response (Code and Description from the OAuth error body) or a
// transport failure (Cause). It never contains a code, token or client secret.
type TokenError struct {
	Grant       string // "authorization_code" or "refresh_token"
	StatusCode  int    // 0 when no response arrived
	Code        string // OAuth error code, such as "invalid_grant"
	Description string
	Cause       error
}

func (e *TokenError) Error() string {
	switch {
	case e.Cause != nil:
		return fmt.Sprintf("token endpoint request (%s grant) failed: %v", e.Grant, e.Cause)
	case e.Code != "":
		return fmt.Sprintf("token endpoint rejected the %s grant: HTTP %d %s: %s", e.Grant, e.StatusCode, e.Code, e.Description)
	default:
		return fmt.Sprintf("token endpoint returned HTTP %d for the %s grant: %s", e.StatusCode, e.Grant, e.Description)
	}
}

func (e *TokenError) Unwrap() error { return e.Cause }

// Temporary reports whether repeating the request later may succeed, which
// is the case for a transport failure, HTTP 429 or a 5xx response.
func (e *TokenError) Temporary() bool {
	return e.Cause != nil || e.StatusCode == http.StatusTooManyRequests || e.StatusCode >= 500
}

// ReconsentRequiredError means the connection's grant can no longer be
// refreshed (invalid_grant, or 365 days after consent) and a site admin
// must consent again. The provider has already set the connection's status
// to reconsent_required. Step Functions matches the type name
// "ReconsentRequiredError" in Catch, so return it unwrapped from handlers.
type ReconsentRequiredError struct {
	Key    connection.Key
	Reason string
}

func (e *ReconsentRequiredError) Error() string {
	return fmt.Sprintf("connection %s needs consent again (%s): a site admin must reconnect it", e.Key, e.Reason)
}
