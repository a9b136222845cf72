package ondemand

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"

	"github.com/idgov/atlassian-cloud-connector/shared/connection"
)

// Version is the only envelope version this function accepts.
const Version = 1

// Operation names.
const (
	OpConfigureConnection = "configureConnection"
	OpValidateConnection  = "validateConnection"
	OpStartSync           = "startSync"
	OpGetSyncStatus       = "getSyncStatus"
	OpListServiceUsers    = "listServiceUsers"
	OpListEntitlements    = "listEntitlements"
	OpListGrants          = "listGrants"
	OpGetChanges          = "getChanges"
	OpDisconnect          = "disconnect"
)

// Operations lists every operation, in the order the documentation gives.
var Operations = slices.Concat([]string{
	OpConfigureConnection, OpValidateConnection, OpStartSync, OpGetSyncStatus,
	OpListServiceUsers, OpListEntitlements, OpListGrants, OpGetChanges, OpDisconnect,
}, provisionOperations, []string{OpListActions})

// Page sizes of the list operations and getChanges.
const (
	DefaultPageSize = 100
	MaxPageSize     = 1000
	// maxPageTokenLength bounds the work spent on a page token; issued
	// tokens are a few hundred characters.
	maxPageTokenLength = 4096
)

// Header is the part of the envelope every operation has.
type Header struct {
	Version      json.RawMessage `json:"version"`
	Operation    string          `json:"operation"`
	Tenant       string          `json:"tenant"`
	ConnectionID string          `json:"connectionId"`
}

func (h *Header) header() *Header { return h }

// Key returns the connection the request names.
func (h *Header) Key() connection.Key { return connection.Key{Tenant: h.Tenant, ID: h.ConnectionID} }

// Request is a decoded request of one operation.
type Request interface {
	header() *Header
	validate() *Error
}

// ConfigureRequest creates a connection, or changes the settings of an
// existing one. An empty connectionId takes the tenant's next unused
// identifier.
type ConfigureRequest struct {
	Header
	SiteURL      string                   `json:"siteUrl"`
	ClientID     string                   `json:"clientId"`
	ClientSecret string                   `json:"clientSecret"`
	RedirectURL  string                   `json:"redirectUrl"`
	ReturnURL    *string                  `json:"returnUrl"`
	Schedule     *connection.Schedule     `json:"schedule"`
	UserSettings *connection.UserSettings `json:"userSettings"`
}

// ConnectionRequest names a connection and nothing else: validateConnection.
type ConnectionRequest struct {
	Header
}

// StartSyncRequest starts a sync. Trigger is "on-demand" (the default) or
// "schedule", which EventBridge Scheduler sends.
type StartSyncRequest struct {
	Header
	Trigger string `json:"trigger"`
}

// StatusRequest requests the state of the connection and of a run: the
// named one, or the latest.
type StatusRequest struct {
	Header
	RunID string `json:"runId"`
}

// PageRequest requests one page of a snapshot or of a change set: of the
// named run, or of the current snapshot's run. A page token carries the
// run of the first page.
type PageRequest struct {
	Header
	RunID     string `json:"runId"`
	PageToken string `json:"pageToken"`
	PageSize  *int   `json:"pageSize"`
}

// DisconnectRequest removes a connection. RecoveryDays is how long its
// secrets can be restored, 7 to 30; nil means 30.
type DisconnectRequest struct {
	Header
	RecoveryDays *int `json:"recoveryDays"`
}

func newRequest(operation string) Request {
	switch operation {
	case OpConfigureConnection:
		return &ConfigureRequest{}
	case OpValidateConnection:
		return &ConnectionRequest{}
	case OpStartSync:
		return &StartSyncRequest{}
	case OpGetSyncStatus:
		return &StatusRequest{}
	case OpListServiceUsers, OpListEntitlements, OpListGrants, OpGetChanges:
		return &PageRequest{}
	case OpDisconnect:
		return &DisconnectRequest{}
	}
	return newProvisionRequest(operation)
}

// DecodeEnvelope decodes and validates a request: a JSON object with
// version 1, a known operation, and that operation's fields and no others.
// Exactly one of the results is non-nil.
func DecodeEnvelope(payload []byte) (Request, *Error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(payload, &fields); err != nil || fields == nil {
		return nil, newError(CodeInvalidRequest, "",
			`the payload is not a JSON object: send {"version": 1, "operation": "...", "tenant": "...", ...}`)
	}
	if err := checkVersion(fields["version"]); err != nil {
		return nil, err
	}
	operation, err := operationOf(fields["operation"])
	if err != nil {
		return nil, err
	}
	req := newRequest(operation)
	if err := checkFieldNames(payload, reflect.TypeOf(req), ""); err != nil {
		return nil, err
	}
	if err := decodeStrict(payload, req, operation); err != nil {
		return nil, err
	}
	if err := validateHeader(req.header(), operation); err != nil {
		return nil, err
	}
	if err := req.validate(); err != nil {
		return nil, err
	}
	return req, nil
}

func checkVersion(raw json.RawMessage) *Error {
	if raw == nil {
		return missing("version", "set it to 1")
	}
	var value any
	decoder := json.NewDecoder(bytes.NewReader(raw))
	decoder.UseNumber()
	var (
		version  json.Number
		isNumber bool
	)
	if err := decoder.Decode(&value); err == nil {
		version, isNumber = value.(json.Number)
	}
	if !isNumber {
		return newError(CodeInvalidField, "version", "version must be the number 1, not %s", clip(string(raw)))
	}
	if f, err := version.Float64(); err != nil || f != Version {
		return newError(CodeUnsupportedVersion, "version", "version %s is not supported: this function accepts version 1", clip(version.String()))
	}
	return nil
}

func operationOf(raw json.RawMessage) (string, *Error) {
	if raw == nil {
		return "", missing("operation", "set it to one of "+strings.Join(Operations, ", "))
	}
	var operation string
	if err := json.Unmarshal(raw, &operation); err != nil {
		return "", newError(CodeInvalidField, "operation", "operation must be a string, not %s", clip(string(raw)))
	}
	if operation == "" {
		return "", missing("operation", "set it to one of "+strings.Join(Operations, ", "))
	}
	if !slices.Contains(Operations, operation) {
		return "", newError(CodeUnknownOperation, "operation", "operation %q is unknown: use one of %s",
			clip(operation), strings.Join(Operations, ", "))
	}
	return operation, nil
}

// decodeStrict decodes the payload into the operation's request, rejecting
// fields the operation does not have.
func decodeStrict(payload []byte, req Request, operation string) *Error {
	decoder := json.NewDecoder(bytes.NewReader(payload))
	decoder.DisallowUnknownFields()
	err := decoder.Decode(req)
	if err == nil {
		if _, extra := decoder.Token(); extra != io.EOF {
			return newError(CodeInvalidRequest, "", "the payload has data after its JSON object: send one object")
		}
		return nil
	}
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		// Fields of the embedded Header are named with its type in front.
		field := strings.TrimPrefix(typeErr.Field, "Header.")
		return newError(CodeInvalidField, field, "%s must be %s, not a JSON %s", field, describeType(typeErr), typeErr.Value)
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		field := strings.Trim(name, `"`)
		return newError(CodeInvalidField, clip(field), "%q is not a field of %s: remove it or check its spelling", clip(field), operation)
	}
	return newError(CodeInvalidRequest, "", "the payload could not be decoded: %s", clip(err.Error()))
}

func describeType(e *json.UnmarshalTypeError) string {
	switch e.Type.Kind().String() {
	case "string":
		return "a string"
	case "int", "int64", "int32":
		return "a whole number"
	case "bool":
		return "true or false"
	case "struct", "map":
		return "an object"
	case "slice":
		return "an array"
	}
	return "a " + e.Type.String()
}

func validateHeader(h *Header, operation string) *Error {
	if h.Tenant == "" {
		return missing("tenant", "set it to the platform tenant that owns the connection")
	}
	if err := connection.ValidateTenant(h.Tenant); err != nil {
		return &Error{Code: CodeInvalidField, Field: "tenant", Message: clip(err.Error())}
	}
	if h.ConnectionID == "" {
		if operation == OpConfigureConnection {
			return nil // the tenant's next identifier is assigned
		}
		return missing("connectionId", "set it to the connection's identifier, such as "+connection.DefaultID)
	}
	if err := connection.ValidateID(h.ConnectionID); err != nil {
		return &Error{Code: CodeInvalidField, Field: "connectionId", Message: clip(err.Error())}
	}
	return nil
}

func (r *ConfigureRequest) validate() *Error { return nil }

func (r *ConnectionRequest) validate() *Error { return nil }

func (r *StartSyncRequest) validate() *Error {
	switch r.Trigger {
	case "":
		r.Trigger = "on-demand"
	case "on-demand", "schedule":
	default:
		return newError(CodeInvalidField, "trigger", `trigger %q is not valid: use "on-demand" or "schedule", or leave it out`, clip(r.Trigger))
	}
	return nil
}

func (r *StatusRequest) validate() *Error { return validateRunID(r.RunID) }

func (r *PageRequest) validate() *Error {
	if err := validateRunID(r.RunID); err != nil {
		return err
	}
	if len(r.PageToken) > maxPageTokenLength {
		return newError(CodeInvalidPageToken, "pageToken", "the page token is longer than any this function issues: send the nextPageToken of the previous page unchanged")
	}
	if r.PageSize != nil && (*r.PageSize < 1 || *r.PageSize > MaxPageSize) {
		return newError(CodeInvalidField, "pageSize", "pageSize %d is out of range: use 1 to %d, or leave it out for %d", *r.PageSize, MaxPageSize, DefaultPageSize)
	}
	return nil
}

// Size returns the requested page size, or DefaultPageSize.
func (r *PageRequest) Size() int {
	if r.PageSize == nil {
		return DefaultPageSize
	}
	return *r.PageSize
}

func (r *DisconnectRequest) validate() *Error {
	if r.RecoveryDays != nil && (*r.RecoveryDays < 7 || *r.RecoveryDays > 30) {
		return newError(CodeInvalidField, "recoveryDays", "recoveryDays %d is out of range: Secrets Manager accepts 7 to 30 days", *r.RecoveryDays)
	}
	return nil
}

// validateRunID checks the form of a run id such as
// 20260102T030405Z-0123456789ab: digits, letters and hyphens.
func validateRunID(id string) *Error {
	if id == "" {
		return nil
	}
	if len(id) > 64 || strings.IndexFunc(id, func(r rune) bool {
		return (r < '0' || r > '9') && (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') && r != '-'
	}) >= 0 {
		return newError(CodeInvalidField, "runId", "runId %q is not a run id: use the runId that startSync or getSyncStatus returned", clip(id))
	}
	return nil
}

// clip shortens a value echoed in a message, so that a huge field does not
// make a huge error.
func clip(s string) string {
	const max = 80
	if len(s) <= max {
		return s
	}
	return fmt.Sprintf("%s… (%d bytes)", strings.ToValidUTF8(s[:max], ""), len(s))
}
