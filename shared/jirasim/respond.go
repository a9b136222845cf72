package jirasim

import (
	"encoding/json"
	"net/http"
)

// errorCollection is Jira's error body (ErrorCollection in the OpenAPI document).
type errorCollection struct {
	ErrorMessages []string          `json:"errorMessages"`
	Errors        map[string]string `json:"errors"`
}

// gatewayError is the body api.atlassian.com sends when it rejects a request
// before the request reaches Jira, such as for an invalid bearer token.
type gatewayError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "encode response: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// writeErrors sends a Jira error body with messages in errorMessages.
func writeErrors(w http.ResponseWriter, status int, messages ...string) {
	if messages == nil {
		messages = []string{}
	}
	writeJSON(w, status, errorCollection{ErrorMessages: messages, Errors: map[string]string{}})
}

// writeFieldError sends a Jira error body that names the field at fault.
func writeFieldError(w http.ResponseWriter, status int, field, message string) {
	writeJSON(w, status, errorCollection{ErrorMessages: []string{}, Errors: map[string]string{field: message}})
}

func writeGatewayError(w http.ResponseWriter, status int, message string) {
	writeJSON(w, status, gatewayError{Code: status, Message: message})
}

// oauthError is the auth server's error body.
type oauthError struct {
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description,omitempty"`
}

func writeOAuthError(w http.ResponseWriter, status int, code, description string) {
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, status, oauthError{Error: code, ErrorDescription: description})
}
