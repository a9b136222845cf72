package oauth

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/idgov/atlassian-cloud-connector/shared/connection"
	"github.com/idgov/atlassian-cloud-connector/shared/jirasim"
	"github.com/idgov/atlassian-cloud-connector/shared/localaws"
	"github.com/idgov/atlassian-cloud-connector/shared/secrets"
	"github.com/idgov/atlassian-cloud-connector/shared/store"
)

const (
	testClientID   = "sim-client-id"
	testHostSuffix = ".connect.example.com"
)

var acme = connection.Key{Tenant: "acme", ID: connection.DefaultID}

// fakeClock is a settable clock shared by the simulator and the code under
// test, so that tests can age tokens and states without waiting.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
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

// lockedBuffer collects log output from many goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// recordingStarter is a SyncStarter that records its calls.
type recordingStarter struct {
	mu    sync.Mutex
	calls []string // "tenant/id trigger"
	err   error
}

func (r *recordingStarter) StartSync(_ context.Context, key connection.Key, trigger string) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, key.String()+" "+trigger)
	if r.err != nil {
		return "", r.err
	}
	return "run-" + trigger, nil
}

func (r *recordingStarter) Calls() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.calls...)
}

// harness is a simulator, DynamoDB Local table, local Secrets Manager and a
// Flow wired to them, with one tenant's connection configured.
type harness struct {
	t            *testing.T
	clock        *fakeClock
	dataset      *jirasim.Dataset
	srv          *jirasim.Server
	clientSecret string
	table        *store.Table
	sm           *localaws.SecretsManager
	secrets      *secrets.Store
	conns        *connection.Store
	states       *StateStore
	starter      *recordingStarter
	logs         *lockedBuffer
	logger       *slog.Logger
	flow         *Flow
	// pages collects every callback body, and errs every error, for the
	// leak test.
	pages []string
	errs  []error
}

func newHarness(t *testing.T, configure func(*jirasim.Options)) *harness {
	t.Helper()
	ctx := context.Background()
	dataset, err := jirasim.Generate(jirasim.SizeSmall, 7)
	if err != nil {
		t.Fatalf("generate dataset: %v", err)
	}
	h := &harness{
		t:            t,
		clock:        &fakeClock{now: time.Now().UTC().Truncate(time.Second)},
		dataset:      dataset,
		clientSecret: "sim-client-secret-" + strings.ReplaceAll(t.Name(), "/", "-"),
		starter:      &recordingStarter{},
		logs:         &lockedBuffer{},
	}
	opts := jirasim.Options{
		ClientID:     testClientID,
		ClientSecret: h.clientSecret,
		Consent:      jirasim.ConsentAuto,
		Now:          h.clock.Now,
	}
	if configure != nil {
		configure(&opts)
	}
	h.srv, err = jirasim.Start(dataset.Clone(), opts)
	if err != nil {
		t.Fatalf("start simulator: %v", err)
	}
	t.Cleanup(h.srv.Close)
	h.table, err = store.CreateTable(ctx, localaws.DynamoDBForTest(t), localaws.TableNameForTest(t))
	if err != nil {
		t.Fatalf("create table: %v", err)
	}
	h.sm = localaws.StartSecretsManagerForTest(t)
	h.secrets = &secrets.Store{Client: h.sm.Client()}
	h.conns = &connection.Store{Table: h.table, Now: h.clock.Now}
	h.states = &StateStore{Table: h.table, Now: h.clock.Now}
	h.logger = slog.New(slog.NewJSONHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	h.flow = &Flow{
		Connections:      h.conns,
		States:           h.states,
		Secrets:          h.secrets,
		Sync:             h.starter,
		AuthURL:          h.srv.URL(),
		APIURL:           h.srv.URL(),
		TenantHostSuffix: testHostSuffix,
		Logger:           h.logger,
		Now:              h.clock.Now,
	}
	h.configure(acme, dataset.Sites[0].URL, "")
	return h
}

func callbackURL(key connection.Key) string {
	return "https://" + key.Tenant + testHostSuffix + CallbackPathPrefix + key.ID
}

// configure stores a pending connection for key.
func (h *harness) configure(key connection.Key, siteURL, returnURL string) connection.Connection {
	h.t.Helper()
	conn, err := h.flow.Configure(context.Background(), connection.Config{
		Key:          key,
		SiteURL:      siteURL,
		ClientID:     testClientID,
		ClientSecret: h.clientSecret,
		RedirectURL:  callbackURL(key),
		ReturnURL:    returnURL,
		Schedule:     connection.Schedule{Expression: connection.ScheduleManual},
	})
	if err != nil {
		h.t.Fatalf("configure %s: %v", key, err)
	}
	return conn
}

// authorize starts the flow for key and returns the query that the
// simulator's redirect carries back to the callback.
func (h *harness) authorize(key connection.Key) url.Values {
	h.t.Helper()
	authorizeURL, err := h.flow.Begin(context.Background(), key)
	if err != nil {
		h.t.Fatalf("Begin %s: %v", key, err)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(authorizeURL)
	if err != nil {
		h.t.Fatalf("GET authorize URL: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		h.t.Fatalf("authorize status = %d, want 302", resp.StatusCode)
	}
	location, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		h.t.Fatalf("authorize Location: %v", err)
	}
	if got := location.Scheme + "://" + location.Host + location.Path; got != callbackURL(key) {
		h.t.Fatalf("redirect to %q, want the callback URL %q", got, callbackURL(key))
	}
	return location.Query()
}

// callback sends the query to HandleCallback as API Gateway would for a
// request to host.
func (h *harness) callback(host, id string, query url.Values) events.APIGatewayV2HTTPResponse {
	h.t.Helper()
	req := events.APIGatewayV2HTTPRequest{
		Version:        "2.0",
		RouteKey:       "GET " + CallbackPathPrefix + "{uniqueIdentifier}",
		RawPath:        CallbackPathPrefix + id,
		RawQueryString: query.Encode(),
		Headers:        map[string]string{"host": host},
		PathParameters: map[string]string{"uniqueIdentifier": id},
	}
	req.RequestContext.DomainName = host
	req.RequestContext.HTTP.Method = http.MethodGet
	resp, err := h.flow.HandleCallback(context.Background(), req)
	if err != nil {
		h.t.Fatalf("HandleCallback error = %v, want nil (failures are pages)", err)
	}
	h.pages = append(h.pages, resp.Body, resp.Headers["Location"])
	return resp
}

// connect runs the whole consent for key and fails the test unless it
// connects.
func (h *harness) connect(key connection.Key) {
	h.t.Helper()
	resp := h.callback(key.Tenant+testHostSuffix, key.ID, h.authorize(key))
	if resp.StatusCode != http.StatusOK {
		h.t.Fatalf("callback status = %d, want 200; body:\n%s", resp.StatusCode, resp.Body)
	}
}

func (h *harness) provider() *TokenProvider {
	return &TokenProvider{
		Connections: h.conns,
		Secrets:     h.secrets,
		Table:       h.table,
		AuthURL:     h.srv.URL(),
		Logger:      h.logger,
		Now:         h.clock.Now,
	}
}

// tokenRequests counts the simulator's token endpoint requests of a grant type.
func (h *harness) tokenRequests(grant string) int {
	n := 0
	for _, r := range h.srv.Requests() {
		if r.Method == http.MethodPost && r.Path == "/oauth/token" && bytes.Contains(r.Body, []byte(`"grant_type":"`+grant+`"`)) {
			n++
		}
	}
	return n
}

func (h *harness) status(key connection.Key) connection.Connection {
	h.t.Helper()
	conn, err := h.conns.Get(context.Background(), key)
	if err != nil {
		h.t.Fatalf("Get %s: %v", key, err)
	}
	return conn
}

func (h *harness) hasTokens(key connection.Key) bool {
	h.t.Helper()
	_, err := h.secrets.Tokens(context.Background(), key)
	var notFound *secrets.NotFoundError
	if err != nil && !errors.As(err, &notFound) {
		h.t.Fatalf("read tokens of %s: %v", key, err)
	}
	return err == nil
}
