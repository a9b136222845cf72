package oauth

import (
	"net/http"

	"github.com/idgov/atlassian-cloud-connector/shared/connection"
)

// Reason is the machine-readable result of a callback. It is the status
// parameter of the redirect to a connection's return URL.
type Reason string

// Callback results.
const (
	ReasonConnected         Reason = "connected"
	ReasonDeclined          Reason = "declined"        // the admin cancelled consent (error=access_denied)
	ReasonAuthorizeError    Reason = "authorize_error" // another error from the authorize endpoint
	ReasonInvalidRequest    Reason = "invalid_request" // bad host, identifier, method or missing code
	ReasonInvalidState      Reason = "invalid_state"   // missing, unknown, expired, used or foreign state
	ReasonNotFound          Reason = "connection_not_found"
	ReasonRemoved           Reason = "connection_removed"
	ReasonExchangeFailed    Reason = "code_exchange_failed"
	ReasonSiteNotGranted    Reason = "site_not_granted"
	ReasonMissingScopes     Reason = "missing_scopes"
	ReasonInternalError     Reason = "internal_error"
	ReasonSitesUnavailable  Reason = "sites_unavailable" // accessible-resources failed
	ReasonClientUnavailable Reason = "client_secret_missing"
)

// Outcome is the result of processing one callback. Its fields are safe to
// show: they never contain a code, token or secret. Err, the cause, is for
// logs only and also free of secrets.
type Outcome struct {
	Reason     Reason
	HTTPStatus int
	Key        connection.Key
	// Connection is set once the connection was read.
	Connection *connection.Connection
	// Title and Detail are the page's heading and its explanation with
	// what to do next.
	Title  string
	Detail string
	// List holds the missing scopes or the granted sites, when relevant.
	List []string
	// RunID is the first sync's run, when it started.
	RunID string
	// SyncErr is set when the connection succeeded but the first sync
	// did not start.
	SyncErr error
	Err     error
}

// Connected reports whether the callback stored tokens for the connection.
func (o *Outcome) Connected() bool { return o.Reason == ReasonConnected }

func reject(key connection.Key, reason Reason, status int, title, detail string, cause error) *Outcome {
	return &Outcome{Reason: reason, HTTPStatus: status, Key: key, Title: title, Detail: detail, Err: cause}
}

func internalError(key connection.Key, cause error) *Outcome {
	return reject(key, ReasonInternalError, http.StatusInternalServerError,
		"Connection failed",
		"An internal error stopped the connection. Start the connection again from the app settings; if it fails again, contact support with the time of this attempt.",
		cause)
}

var stateDetails = map[StateProblem]string{
	StateMissing: "The request has no state parameter, so it cannot be matched to a connection attempt. Start the connection again from the app settings.",
	StateUnknown: "This authorization link was not issued by this service. Start the connection again from the app settings.",
	StateExpired: "This authorization link expired: links are valid for 10 minutes. Start the connection again from the app settings.",
	StateUsed:    "This authorization link was already used. Start the connection again from the app settings if the connection is not complete.",
	StateForeign: "This authorization link was issued for another connection. Start the connection again from the settings of the connection you want to connect.",
}
