package jirasim

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	testClientID     = "sim-client"
	testClientSecret = "sim-secret"
	testRedirect     = "http://127.0.0.1:1/callback"
)

// fakeClock is a settable clock for Options.Now.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 3, 2, 10, 30, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func mustGenerate(t testing.TB, size Size) *Dataset {
	t.Helper()
	d, err := Generate(size, 1)
	if err != nil {
		t.Fatalf("Generate(%s): %v", size, err)
	}
	return d
}

// testEnv is a running simulator with a token that holds every classic scope.
type testEnv struct {
	t       *testing.T
	srv     *Server
	cloudID string
	client  *http.Client // validates every API response against the OpenAPI document
	token   string
	pair    tokenPair
}

func startEnv(t *testing.T, d *Dataset, opts Options) *testEnv {
	t.Helper()
	e := startServer(t, d, opts)
	e.pair = e.connect(ClassicScopes)
	e.token = e.pair.AccessToken
	return e
}

// startServer starts a simulator without connecting to it.
func startServer(t *testing.T, d *Dataset, opts Options) *testEnv {
	t.Helper()
	if opts.ClientID == "" {
		opts.ClientID, opts.ClientSecret = testClientID, testClientSecret
	}
	srv, err := Start(d, opts)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(srv.Close)
	return &testEnv{t: t, srv: srv, cloudID: d.Sites[0].CloudID, client: &http.Client{Transport: &validatingTransport{t: t}, Timeout: 30 * time.Second}}
}

// noRedirect is a client that returns redirects instead of following them.
var noRedirect = &http.Client{
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	Timeout:       10 * time.Second,
}

// authorizeURL returns a valid /authorize URL for scopes.
func (e *testEnv) authorizeURL(scopes []string) string {
	q := url.Values{
		"audience": {"api.atlassian.com"}, "client_id": {testClientID}, "scope": {strings.Join(scopes, " ")},
		"redirect_uri": {testRedirect}, "state": {"state-123"}, "response_type": {"code"}, "prompt": {"consent"},
	}
	return e.srv.URL() + "/authorize?" + q.Encode()
}

// authorizeCode runs /authorize in ConsentAuto mode and returns the code.
func (e *testEnv) authorizeCode(scopes []string) string {
	e.t.Helper()
	resp, err := noRedirect.Get(e.authorizeURL(scopes))
	if err != nil {
		e.t.Fatalf("GET /authorize: %v", err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || err != nil {
		e.t.Fatalf("GET /authorize: status %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	return loc.Query().Get("code")
}

// tokenCall posts body as JSON to /oauth/token.
func (e *testEnv) tokenCall(body map[string]string) (int, tokenPair, oauthError) {
	e.t.Helper()
	b, _ := json.Marshal(body)
	resp, err := http.Post(e.srv.URL()+"/oauth/token", "application/json", bytes.NewReader(b))
	if err != nil {
		e.t.Fatalf("POST /oauth/token: %v", err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var pair tokenPair
	var oerr oauthError
	if resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(raw, &pair); err != nil {
			e.t.Fatalf("token response %q: %v", raw, err)
		}
	} else if err := json.Unmarshal(raw, &oerr); err != nil {
		e.t.Fatalf("token error response %q: %v", raw, err)
	}
	return resp.StatusCode, pair, oerr
}

func (e *testEnv) exchange(code string) (int, tokenPair, oauthError) {
	return e.tokenCall(map[string]string{
		"grant_type": "authorization_code", "client_id": testClientID, "client_secret": testClientSecret,
		"code": code, "redirect_uri": testRedirect,
	})
}

func (e *testEnv) refresh(refreshToken string) (int, tokenPair, oauthError) {
	return e.tokenCall(map[string]string{
		"grant_type": "refresh_token", "client_id": testClientID, "client_secret": testClientSecret,
		"refresh_token": refreshToken,
	})
}

// connect runs the whole consent flow and returns the first token pair.
func (e *testEnv) connect(scopes []string) tokenPair {
	e.t.Helper()
	status, pair, oerr := e.exchange(e.authorizeCode(scopes))
	if status != http.StatusOK {
		e.t.Fatalf("code exchange: status %d, error %+v", status, oerr)
	}
	return pair
}

func (e *testEnv) apiURL(path string) string {
	return e.srv.URL() + "/ex/jira/" + e.cloudID + "/rest/api/3" + path
}

// do sends an API request with token and returns the status, headers and
// body. Its client validates the response against the OpenAPI document.
func (e *testEnv) do(method, path, token string, body any) (int, http.Header, []byte) {
	e.t.Helper()
	return e.send(e.client, method, path, token, body)
}

// doRaw is do without validation, for responses broken on purpose. It
// returns the transport error instead of failing the test.
func (e *testEnv) doRaw(method, path string, body any) (int, http.Header, []byte, error) {
	e.t.Helper()
	return e.sendErr(&http.Client{Timeout: 30 * time.Second}, method, path, e.token, body)
}

func (e *testEnv) send(c *http.Client, method, path, token string, body any) (int, http.Header, []byte) {
	e.t.Helper()
	status, header, raw, err := e.sendErr(c, method, path, token, body)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	return status, header, raw
}

func (e *testEnv) sendErr(c *http.Client, method, path, token string, body any) (int, http.Header, []byte, error) {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, e.apiURL(path), rd)
	if err != nil {
		e.t.Fatalf("new request %s %s: %v", method, path, err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, raw, err
}

// get sends an authorized GET and decodes a 200 response into out.
func (e *testEnv) get(path string, out any) {
	e.t.Helper()
	status, _, body := e.do(http.MethodGet, path, e.token, nil)
	if status != http.StatusOK {
		e.t.Fatalf("GET %s: status %d, body %s", path, status, body)
	}
	if err := json.Unmarshal(body, out); err != nil {
		e.t.Fatalf("GET %s: decode %s: %v", path, body, err)
	}
}
