package oauth

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/idgov/atlassian-cloud-connector/shared/connection"
	"github.com/idgov/atlassian-cloud-connector/shared/jirasim"
)

func TestCallbackSuccess(t *testing.T) {
	h := newHarness(t, nil)
	query := h.authorize(acme)
	resp := h.callback("acme"+testHostSuffix, acme.ID, query)

	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status = %d, want 200; body:\n%s", resp.StatusCode, resp.Body)
	}
	if !strings.Contains(resp.Body, "Jira Cloud connected") {
		t.Errorf("page does not say connected:\n%s", resp.Body)
	}
	if strings.Contains(resp.Body, query.Get("code")) {
		t.Errorf("page contains the authorization code")
	}
	for name, want := range map[string]string{
		"Content-Type":    "text/html; charset=utf-8",
		"Cache-Control":   "no-store",
		"Referrer-Policy": "no-referrer",
	} {
		if got := resp.Headers[name]; got != want {
			t.Errorf("header %s = %q, want %q", name, got, want)
		}
	}
	conn := h.status(acme)
	if conn.Status != connection.StatusConnected {
		t.Errorf("connection status = %q, want connected", conn.Status)
	}
	if conn.CloudID != h.dataset.Sites[0].CloudID {
		t.Errorf("cloudId = %q, want %q", conn.CloudID, h.dataset.Sites[0].CloudID)
	}
	if !conn.ConsentedAt.Equal(h.clock.Now()) {
		t.Errorf("consentedAt = %v, want %v", conn.ConsentedAt, h.clock.Now())
	}
	tokens, err := h.secrets.Tokens(context.Background(), acme)
	if err != nil {
		t.Fatalf("read stored tokens: %v", err)
	}
	if !strings.HasPrefix(tokens.AccessToken, jirasim.AccessTokenPrefix) {
		t.Errorf("stored access token is not one the simulator issued")
	}
	if !strings.HasPrefix(tokens.RefreshToken, jirasim.RefreshTokenPrefix) {
		t.Errorf("stored refresh token is not one the simulator issued")
	}
	if !tokens.ConsentedAt.Equal(conn.ConsentedAt) {
		t.Errorf("tokens consentedAt = %v, want %v", tokens.ConsentedAt, conn.ConsentedAt)
	}
	wantCall := acme.String() + " consent-" + strconv.FormatInt(conn.ConsentedAt.UnixMilli(), 10)
	if calls := h.starter.Calls(); !slices.Equal(calls, []string{wantCall}) {
		t.Errorf("StartSync calls = %v, want [%s]", calls, wantCall)
	}
	if !strings.Contains(resp.Body, "run-consent-") {
		t.Errorf("page does not show the run id:\n%s", resp.Body)
	}
}

func TestCallbackExchangeSendsJSON(t *testing.T) {
	h := newHarness(t, nil)
	h.connect(acme)
	var bodies [][]byte
	for _, r := range h.srv.Requests() {
		if r.Method == http.MethodPost && r.Path == "/oauth/token" {
			bodies = append(bodies, r.Body)
		}
	}
	if len(bodies) != 1 {
		t.Fatalf("token requests = %d, want 1", len(bodies))
	}
	if !bytes.HasPrefix(bodies[0], []byte("{")) {
		t.Errorf("token request body is not a JSON object, as Atlassian documents")
	}
	if !bytes.Contains(bodies[0], []byte(`"grant_type":"authorization_code"`)) {
		t.Errorf("token request body has no authorization_code grant_type")
	}
}

// rejectionCase is a callback that must not connect.
type rejectionCase struct {
	name string
	sim  func(*jirasim.Options)
	// prepare returns the callback's host, identifier and query.
	prepare func(h *harness) (host, id string, query url.Values)
	status  int
	reason  Reason
	page    string
}

func acmeHost() string { return "acme" + testHostSuffix }

var rejectionCases = []rejectionCase{
	{
		name: "declined consent",
		sim:  func(o *jirasim.Options) { o.Consent = jirasim.ConsentDecline },
		prepare: func(h *harness) (string, string, url.Values) {
			return acmeHost(), acme.ID, h.authorize(acme)
		},
		status: http.StatusForbidden, reason: ReasonDeclined, page: "Authorization declined",
	},
	{
		name: "other authorize error",
		prepare: func(h *harness) (string, string, url.Values) {
			q := h.authorize(acme)
			return acmeHost(), acme.ID, url.Values{"error": {"server_error"}, "state": {q.Get("state")}}
		},
		status: http.StatusBadGateway, reason: ReasonAuthorizeError, page: "server_error",
	},
	{
		name: "missing state",
		prepare: func(h *harness) (string, string, url.Values) {
			q := h.authorize(acme)
			q.Del("state")
			return acmeHost(), acme.ID, q
		},
		status: http.StatusBadRequest, reason: ReasonInvalidState, page: "no state parameter",
	},
	{
		name: "unknown state",
		prepare: func(h *harness) (string, string, url.Values) {
			q := h.authorize(acme)
			q.Set("state", strings.Repeat("A", 43))
			return acmeHost(), acme.ID, q
		},
		status: http.StatusBadRequest, reason: ReasonInvalidState, page: "not issued by this service",
	},
	{
		name: "malformed state",
		prepare: func(h *harness) (string, string, url.Values) {
			q := h.authorize(acme)
			q.Set("state", "short")
			return acmeHost(), acme.ID, q
		},
		status: http.StatusBadRequest, reason: ReasonInvalidState, page: "not issued by this service",
	},
	{
		name: "expired state",
		prepare: func(h *harness) (string, string, url.Values) {
			q := h.authorize(acme)
			h.clock.Advance(StateTTL + time.Second)
			return acmeHost(), acme.ID, q
		},
		status: http.StatusBadRequest, reason: ReasonInvalidState, page: "expired",
	},
	{
		name: "state of another tenant",
		prepare: func(h *harness) (string, string, url.Values) {
			globex := connection.Key{Tenant: "globex", ID: connection.DefaultID}
			h.configure(globex, h.dataset.Sites[0].URL, "")
			return "globex" + testHostSuffix, globex.ID, h.authorize(acme)
		},
		status: http.StatusBadRequest, reason: ReasonInvalidState, page: "issued for another connection",
	},
	{
		name: "state of another identifier",
		prepare: func(h *harness) (string, string, url.Values) {
			second := connection.Key{Tenant: "acme", ID: "atlassian-cloud-2"}
			h.configure(second, h.dataset.Sites[0].URL, "")
			return acmeHost(), second.ID, h.authorize(acme)
		},
		status: http.StatusBadRequest, reason: ReasonInvalidState, page: "issued for another connection",
	},
	{
		name: "missing code",
		prepare: func(h *harness) (string, string, url.Values) {
			q := h.authorize(acme)
			q.Del("code")
			return acmeHost(), acme.ID, q
		},
		status: http.StatusBadRequest, reason: ReasonInvalidRequest, page: "no authorization code",
	},
	{
		name: "host outside the suffix",
		prepare: func(h *harness) (string, string, url.Values) {
			return "acme.connect.example.org", acme.ID, h.authorize(acme)
		},
		status: http.StatusBadRequest, reason: ReasonInvalidRequest, page: "does not belong to a tenant",
	},
	{
		name: "host without a tenant label",
		prepare: func(h *harness) (string, string, url.Values) {
			return "connect.example.com", acme.ID, h.authorize(acme)
		},
		status: http.StatusBadRequest, reason: ReasonInvalidRequest, page: "does not belong to a tenant",
	},
	{
		name: "host with two labels",
		prepare: func(h *harness) (string, string, url.Values) {
			return "x.acme" + testHostSuffix, acme.ID, h.authorize(acme)
		},
		status: http.StatusBadRequest, reason: ReasonInvalidRequest, page: "does not belong to a tenant",
	},
	{
		name: "site not granted",
		prepare: func(h *harness) (string, string, url.Values) {
			h.srv.Mutate(func(d *jirasim.Dataset) { d.Sites[0].URL = "https://elsewhere.atlassian.net" })
			return acmeHost(), acme.ID, h.authorize(acme)
		},
		status: http.StatusForbidden, reason: ReasonSiteNotGranted, page: "https://elsewhere.atlassian.net",
	},
	{
		name: "missing scope",
		sim: func(o *jirasim.Options) {
			o.GrantedScopes = slices.DeleteFunc(slices.Clone(RequiredScopes), func(s string) bool { return s == "write:group:jira" })
		},
		prepare: func(h *harness) (string, string, url.Values) {
			return acmeHost(), acme.ID, h.authorize(acme)
		},
		status: http.StatusForbidden, reason: ReasonMissingScopes, page: "<li><code>write:group:jira</code></li>",
	},
	{
		name: "missing offline_access",
		sim: func(o *jirasim.Options) {
			o.GrantedScopes = slices.DeleteFunc(slices.Clone(RequiredScopes), func(s string) bool { return s == ScopeOfflineAccess })
		},
		prepare: func(h *harness) (string, string, url.Values) {
			return acmeHost(), acme.ID, h.authorize(acme)
		},
		status: http.StatusForbidden, reason: ReasonMissingScopes, page: "<li><code>offline_access</code></li>",
	},
	{
		name: "token endpoint failure",
		prepare: func(h *harness) (string, string, url.Values) {
			h.srv.InjectFault(jirasim.Fault{Method: http.MethodPost, Path: "/oauth/token", Kind: jirasim.FaultStatus, Status: http.StatusInternalServerError})
			return acmeHost(), acme.ID, h.authorize(acme)
		},
		status: http.StatusBadGateway, reason: ReasonExchangeFailed, page: "did not exchange the authorization code",
	},
	{
		name: "wrong client secret",
		prepare: func(h *harness) (string, string, url.Values) {
			if err := h.secrets.PutClientSecret(context.Background(), acme, "not-the-secret"); err != nil {
				h.t.Fatalf("store wrong client secret: %v", err)
			}
			return acmeHost(), acme.ID, h.authorize(acme)
		},
		status: http.StatusBadGateway, reason: ReasonExchangeFailed, page: "check the client ID, client secret",
	},
	{
		name: "code already exchanged",
		prepare: func(h *harness) (string, string, url.Values) {
			q := h.authorize(acme)
			// A second state for the same code: the state passes, the code does not.
			q2 := h.authorize(acme)
			q2.Set("code", q.Get("code"))
			if _, err := requestToken(context.Background(), http.DefaultClient, h.srv.URL()+"/oauth/token", map[string]string{
				"grant_type": grantAuthorizationCode, "client_id": testClientID, "client_secret": h.clientSecret,
				"code": q.Get("code"), "redirect_uri": callbackURL(acme),
			}, time.Now()); err != nil {
				h.t.Fatalf("first exchange: %v", err)
			}
			return acmeHost(), acme.ID, q2
		},
		status: http.StatusBadGateway, reason: ReasonExchangeFailed, page: "did not exchange the authorization code",
	},
	{
		name: "removed connection",
		prepare: func(h *harness) (string, string, url.Values) {
			q := h.authorize(acme)
			if _, err := h.conns.SetStatus(context.Background(), acme, connection.StatusRemoved, ""); err != nil {
				h.t.Fatalf("remove connection: %v", err)
			}
			return acmeHost(), acme.ID, q
		},
		status: http.StatusGone, reason: ReasonRemoved, page: "Connection removed",
	},
}

func TestCallbackRejects(t *testing.T) {
	for _, tc := range rejectionCases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, tc.sim)
			host, id, query := tc.prepare(h)
			resp := h.callback(host, id, query)
			if resp.StatusCode != tc.status {
				t.Errorf("status = %d, want %d; body:\n%s", resp.StatusCode, tc.status, resp.Body)
			}
			if !strings.Contains(resp.Body, string(tc.reason)) {
				t.Errorf("page does not name result %q:\n%s", tc.reason, resp.Body)
			}
			if !strings.Contains(resp.Body, tc.page) {
				t.Errorf("page does not contain %q:\n%s", tc.page, resp.Body)
			}
			if code := query.Get("code"); code != "" && strings.Contains(resp.Body, code) {
				t.Errorf("page contains the authorization code")
			}
			if status := h.status(acme).Status; status == connection.StatusConnected {
				t.Errorf("connection status = connected, want it unchanged")
			}
			if h.hasTokens(acme) {
				t.Errorf("tokens were stored for a rejected callback")
			}
			if calls := h.starter.Calls(); len(calls) != 0 {
				t.Errorf("StartSync calls = %v, want none", calls)
			}
		})
	}
}

func TestCallbackStateIsSingleUse(t *testing.T) {
	h := newHarness(t, nil)
	query := h.authorize(acme)
	h.connect(acme) // a fresh consent, so the first query is still unused
	first := h.callback(acmeHost(), acme.ID, query)
	if first.StatusCode != http.StatusOK {
		t.Fatalf("first use status = %d, want 200; body:\n%s", first.StatusCode, first.Body)
	}
	second := h.callback(acmeHost(), acme.ID, query)
	if second.StatusCode != http.StatusBadRequest {
		t.Errorf("second use status = %d, want 400", second.StatusCode)
	}
	if !strings.Contains(second.Body, "already used") {
		t.Errorf("second use page does not say the link was used:\n%s", second.Body)
	}
	if calls := h.starter.Calls(); len(calls) != 2 {
		t.Errorf("StartSync calls = %d, want 2 (one per completed consent)", len(calls))
	}
}

func TestCallbackForeignStateIsNotSpent(t *testing.T) {
	h := newHarness(t, nil)
	globex := connection.Key{Tenant: "globex", ID: connection.DefaultID}
	h.configure(globex, h.dataset.Sites[0].URL, "")
	query := h.authorize(acme)
	if resp := h.callback("globex"+testHostSuffix, globex.ID, query); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("foreign callback status = %d, want 400", resp.StatusCode)
	}
	if h.status(globex).Status != connection.StatusPending {
		t.Errorf("globex status = %q, want pending", h.status(globex).Status)
	}
	resp := h.callback(acmeHost(), acme.ID, query)
	if resp.StatusCode != http.StatusOK {
		t.Errorf("own callback after a foreign attempt status = %d, want 200; body:\n%s", resp.StatusCode, resp.Body)
	}
}

func TestCallbackPicksConfiguredSite(t *testing.T) {
	h := newHarness(t, nil)
	h.srv.Mutate(func(d *jirasim.Dataset) {
		for _, name := range []string{"alpha", "bravo", "charlie", "delta", "echo"} {
			d.Sites = append(d.Sites, jirasim.Site{CloudID: "cloud-" + name, Name: name, URL: "https://" + name + ".atlassian.net"})
		}
	})
	for i, name := range []string{"charlie", "echo", "alpha", "delta"} {
		key := connection.Key{Tenant: "acme", ID: "site-" + name}
		// Case and a trailing slash must not matter.
		h.configure(key, "HTTPS://"+strings.ToUpper(name)+".atlassian.net/", "")
		h.connect(key)
		if got := h.status(key).CloudID; got != "cloud-"+name {
			t.Errorf("connection %d (%s) cloudId = %q, want cloud-%s", i, name, got, name)
		}
	}
}

func TestCallbackRedirectsToReturnURL(t *testing.T) {
	h := newHarness(t, nil)
	key := connection.Key{Tenant: "acme", ID: "with-return"}
	h.configure(key, h.dataset.Sites[0].URL, "https://app.example.com/jira?tab=connections")

	resp := h.callback(acmeHost(), key.ID, h.authorize(key))
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("status = %d, want 302; body:\n%s", resp.StatusCode, resp.Body)
	}
	location, err := url.Parse(resp.Headers["Location"])
	if err != nil {
		t.Fatalf("Location: %v", err)
	}
	if location.Host != "app.example.com" {
		t.Errorf("redirect host = %q, want app.example.com", location.Host)
	}
	want := map[string]string{"status": "connected", "connectionId": key.ID, "tab": "connections"}
	for name, value := range want {
		if got := location.Query().Get(name); got != value {
			t.Errorf("redirect parameter %s = %q, want %q", name, got, value)
		}
	}
	if !strings.HasPrefix(location.Query().Get("runId"), "run-consent-") {
		t.Errorf("redirect runId = %q, want the started run", location.Query().Get("runId"))
	}

	// A rejected state shows the page even with a return URL.
	bad := h.authorize(key)
	bad.Set("state", strings.Repeat("B", 43))
	if resp := h.callback(acmeHost(), key.ID, bad); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("rejected state status = %d, want 400 page", resp.StatusCode)
	}
}

func TestCallbackSyncStartFailure(t *testing.T) {
	h := newHarness(t, nil)
	h.starter.err = errors.New("state machine unavailable")
	resp := h.callback(acmeHost(), acme.ID, h.authorize(acme))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status = %d, want 200; body:\n%s", resp.StatusCode, resp.Body)
	}
	if !strings.Contains(resp.Body, "first sync did not start") {
		t.Errorf("page does not say the sync did not start:\n%s", resp.Body)
	}
	if h.status(acme).Status != connection.StatusConnected {
		t.Errorf("status = %q, want connected", h.status(acme).Status)
	}
	if !strings.Contains(h.logs.String(), "state machine unavailable") {
		t.Errorf("logs do not record the StartSync error")
	}
}

func TestCallbackReconsent(t *testing.T) {
	h := newHarness(t, nil)
	h.connect(acme)
	first := h.status(acme).ConsentedAt
	h.clock.Advance(time.Hour)
	h.connect(acme)
	conn := h.status(acme)
	if !conn.ConsentedAt.After(first) {
		t.Errorf("consentedAt = %v, want later than the first consent %v", conn.ConsentedAt, first)
	}
	calls := h.starter.Calls()
	if len(calls) != 2 {
		t.Fatalf("StartSync calls = %v, want 2", calls)
	}
	if calls[0] == calls[1] {
		t.Errorf("both consents used trigger %q, want one per consent", calls[0])
	}
}
