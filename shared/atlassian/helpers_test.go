package atlassian

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

const (
	testCloudID = "11111111-2222-3333-4444-555555555555"
	// testToken must never appear in an error or a log line.
	testToken = "test-access-token-7f3a9c"
)

// sitePrefix is the path prefix of the test site on the test server.
const sitePrefix = "/ex/jira/" + testCloudID

// recordedRequest is what the test server saw of one request.
type recordedRequest struct {
	Method string
	Path   string // without sitePrefix
	Query  url.Values
	Body   string
}

// testServer is an httptest server on 127.0.0.1 that records requests and
// passes them to a handler written by the test.
type testServer struct {
	*httptest.Server
	mu       sync.Mutex
	requests []recordedRequest
}

func newTestServer(t *testing.T, handler http.HandlerFunc) *testServer {
	t.Helper()
	ts := &testServer{}
	ts.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		ts.mu.Lock()
		ts.requests = append(ts.requests, recordedRequest{
			Method: r.Method,
			Path:   strings.TrimPrefix(r.URL.Path, sitePrefix),
			Query:  r.URL.Query(),
			Body:   string(body),
		})
		ts.mu.Unlock()
		handler(w, r)
	}))
	t.Cleanup(ts.Close)
	return ts
}

// Requests returns a copy of the requests seen so far.
func (ts *testServer) Requests() []recordedRequest {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return append([]recordedRequest(nil), ts.requests...)
}

// sleepRecorder replaces Client.sleep: it records each wait and returns at
// once, unless the context has ended.
type sleepRecorder struct {
	mu     sync.Mutex
	delays []time.Duration
}

func (s *sleepRecorder) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.delays = append(s.delays, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleepRecorder) Delays() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.delays...)
}

// bearerClient returns an HTTP client that adds testToken with an oauth2
// transport and checks every request against the OpenAPI document.
func bearerClient(t testing.TB) (*http.Client, *specTransport) {
	spec := newSpecTransport(t, http.DefaultTransport, testCloudID, testToken)
	client := &http.Client{Transport: &oauth2.Transport{
		Source: oauth2.StaticTokenSource(&oauth2.Token{AccessToken: testToken, TokenType: "Bearer"}),
		Base:   spec,
	}}
	return client, spec
}

// newTestClient returns a client for ts with an unlimited pace, a sleep
// recorder in place of real waits, and jitter that always picks the
// backoff ceiling. edit, when not nil, adjusts the Config first.
func newTestClient(t *testing.T, ts *testServer, edit func(*Config)) (*Client, *sleepRecorder) {
	t.Helper()
	httpClient, _ := bearerClient(t)
	cfg := Config{
		APIURL:        ts.URL,
		CloudID:       testCloudID,
		HTTPClient:    httpClient,
		RatePerSecond: math.Inf(1),
		Logger:        slog.New(slog.DiscardHandler),
	}
	if edit != nil {
		edit(&cfg)
	}
	client, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	recorder := &sleepRecorder{}
	client.sleep = recorder.sleep
	client.jitter = func(d time.Duration) time.Duration { return d }
	return client, recorder
}

// writeJSON sends v as a JSON response with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeRaw sends body verbatim as a JSON response with status.
func writeRaw(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

// userJSON returns a users/search element for account id.
func userJSON(id string) map[string]any {
	return map[string]any{
		"accountId":   id,
		"accountType": "atlassian",
		"active":      true,
		"displayName": "User " + id,
		"self":        "https://example.atlassian.net/rest/api/3/user?accountId=" + id,
	}
}

// usersJSON returns n users with ids prefix-0 … prefix-(n-1).
func usersJSON(prefix string, n int) []map[string]any {
	users := make([]map[string]any, n)
	for i := range users {
		users[i] = userJSON(prefix + "-" + strconv.Itoa(i))
	}
	return users
}
