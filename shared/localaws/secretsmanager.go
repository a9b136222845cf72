package localaws

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// SecretsManager is an in-memory Secrets Manager endpoint on 127.0.0.1. It
// speaks the JSON 1.1 protocol (X-Amz-Target: secretsmanager.<Operation>)
// for CreateSecret, GetSecretValue, PutSecretValue, UpdateSecret,
// DescribeSecret, DeleteSecret, RestoreSecret, ListSecrets, TagResource and
// UntagResource, and returns errors with the __type codes AWS uses, so the
// SDK maps them to its typed errors. It does not check request signatures.
type SecretsManager struct {
	server   *http.Server
	listener net.Listener
	url      string

	mu      sync.Mutex
	secrets map[string]*secret // by name
	// now is the clock for dates and recovery windows; tests replace it.
	now func() time.Time
}

// StartSecretsManager starts an empty Secrets Manager endpoint on a free
// port of 127.0.0.1.
func StartSecretsManager() (*SecretsManager, error) {
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("start Secrets Manager endpoint: listen on 127.0.0.1: %w", err)
	}
	sm := &SecretsManager{
		listener: listener,
		url:      "http://" + listener.Addr().String(),
		secrets:  make(map[string]*secret),
		now:      time.Now,
	}
	sm.server = &http.Server{Handler: sm, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := sm.server.Serve(listener); err != nil && !errors.Is(err, http.ErrServerClosed) {
			slog.Error("Secrets Manager endpoint stopped", "url", sm.url, "error", err)
		}
	}()
	return sm, nil
}

// URL returns the endpoint's base URL, for AWS_ENDPOINT_URL_SECRETS_MANAGER
// or the client's BaseEndpoint option.
func (sm *SecretsManager) URL() string {
	return sm.url
}

// Close stops the server and drops every secret.
func (sm *SecretsManager) Close() error {
	return sm.server.Close()
}

// Client returns an SDK client for this endpoint with the dummy credentials.
func (sm *SecretsManager) Client() *secretsmanager.Client {
	return secretsmanager.NewFromConfig(LocalConfig(), func(o *secretsmanager.Options) {
		o.BaseEndpoint = &sm.url
	})
}

// StoredSecretValues returns every secret value held, from every version of
// every secret including those scheduled for deletion, so that a test can
// check that none of them appears in logs or outputs. Binary values are
// returned as their raw bytes in a string.
func (sm *SecretsManager) StoredSecretValues() []string {
	sm.mu.Lock()
	defer sm.mu.Unlock()
	var values []string
	for _, s := range sm.secrets {
		for _, v := range s.versions {
			if v.secretString != nil {
				values = append(values, *v.secretString)
			}
			if v.secretBinary != nil {
				values = append(values, string(v.secretBinary))
			}
		}
	}
	return values
}

// apiError is an error response in the shape Secrets Manager sends.
type apiError struct {
	code    string
	message string
}

func (e *apiError) Error() string {
	return e.code + ": " + e.message
}

func errNotFound(format string, args ...any) *apiError {
	return &apiError{"ResourceNotFoundException", fmt.Sprintf(format, args...)}
}

func errInvalidParameter(format string, args ...any) *apiError {
	return &apiError{"InvalidParameterException", fmt.Sprintf(format, args...)}
}

func errInvalidRequest(format string, args ...any) *apiError {
	return &apiError{"InvalidRequestException", fmt.Sprintf(format, args...)}
}

func errExists(format string, args ...any) *apiError {
	return &apiError{"ResourceExistsException", fmt.Sprintf(format, args...)}
}

// ServeHTTP decodes one JSON 1.1 request and dispatches it by X-Amz-Target.
func (sm *SecretsManager) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	target := r.Header.Get("X-Amz-Target")
	operation, ok := strings.CutPrefix(target, "secretsmanager.")
	if r.Method != http.MethodPost || !ok {
		writeJSONError(w, "application/x-amz-json-1.1", &apiError{"UnknownOperationException",
			fmt.Sprintf("unsupported request %s %s with X-Amz-Target %q; expected POST with secretsmanager.<Operation>", r.Method, r.URL.Path, target)})
		return
	}
	handler, ok := secretsManagerOperations[operation]
	if !ok {
		writeJSONError(w, "application/x-amz-json-1.1", &apiError{"UnknownOperationException",
			fmt.Sprintf("operation %s is not implemented by the local Secrets Manager endpoint", operation)})
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		writeJSONError(w, "application/x-amz-json-1.1", &apiError{"SerializationException", "read request body: " + err.Error()})
		return
	}

	sm.mu.Lock()
	sm.purgeExpired()
	response, err := handler(sm, body)
	sm.mu.Unlock()

	if err != nil {
		var apiErr *apiError
		if !errors.As(err, &apiErr) {
			apiErr = &apiError{"InternalServiceError", err.Error()}
		}
		slog.Debug("Secrets Manager request failed", "operation", operation, "code", apiErr.code, "message", apiErr.message)
		writeJSONError(w, "application/x-amz-json-1.1", apiErr)
		return
	}
	writeJSON(w, "application/x-amz-json-1.1", http.StatusOK, response)
}

// writeJSONError writes the AWS JSON protocol error shape: HTTP 400, the code
// in __type and in the X-Amzn-ErrorType header.
func writeJSONError(w http.ResponseWriter, contentType string, e *apiError) {
	w.Header().Set("X-Amzn-ErrorType", e.code)
	writeJSON(w, contentType, http.StatusBadRequest, map[string]string{"__type": e.code, "Message": e.message})
}

func writeJSON(w http.ResponseWriter, contentType string, status int, body any) {
	encoded, err := json.Marshal(body)
	if err != nil {
		slog.Error("encode local AWS response", "error", err)
		http.Error(w, "encode response: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", contentType)
	if w.Header().Get("X-Amzn-RequestId") == "" {
		w.Header().Set("X-Amzn-RequestId", newUUID())
	}
	w.WriteHeader(status)
	_, _ = w.Write(encoded)
}

// epochSeconds encodes a time the way the AWS JSON protocols do: seconds since
// the Unix epoch as a number with a fraction.
func epochSeconds(t time.Time) float64 {
	return float64(t.UnixMilli()) / 1000
}

// optionalEpochSeconds returns nil for the zero time, so the field is left out.
func optionalEpochSeconds(t time.Time) *float64 {
	if t.IsZero() {
		return nil
	}
	seconds := epochSeconds(t)
	return &seconds
}
