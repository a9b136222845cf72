package jirasim

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestAuthorizeRejectsInvalidRequests(t *testing.T) {
	e := startEnv(t, mustGenerate(t, SizeSmall), Options{CallbackURL: testRedirect})
	cases := []struct {
		name  string
		param string
		value string // "" deletes the parameter
	}{
		{"wrong audience", "audience", "auth.atlassian.com"},
		{"missing audience", "audience", ""},
		{"unknown client", "client_id", "other-app"},
		{"missing client", "client_id", ""},
		{"token response type", "response_type", "token"},
		{"other redirect", "redirect_uri", "http://127.0.0.1:2/elsewhere"},
		{"missing scope", "scope", ""},
		{"missing state", "state", ""},
		{"missing prompt", "prompt", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			u, _ := url.Parse(e.authorizeURL(ClassicScopes))
			q := u.Query()
			if c.value == "" {
				q.Del(c.param)
			} else {
				q.Set(c.param, c.value)
			}
			u.RawQuery = q.Encode()
			resp, err := noRedirect.Get(u.String())
			if err != nil {
				t.Fatalf("GET /authorize: %v", err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusBadRequest {
				t.Errorf("status %d, want 400", resp.StatusCode)
			}
			if loc := resp.Header.Get("Location"); loc != "" {
				t.Errorf("redirected to %q; an invalid request must not redirect", loc)
			}
		})
	}
}

func TestAuthorizeDeclineRedirectsWithError(t *testing.T) {
	e := startServer(t, mustGenerate(t, SizeSmall), Options{Consent: ConsentDecline})
	resp, err := noRedirect.Get(e.authorizeURL(ClassicScopes))
	if err != nil {
		t.Fatalf("GET /authorize: %v", err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	q := loc.Query()
	if resp.StatusCode != http.StatusFound {
		t.Errorf("status %d, want 302", resp.StatusCode)
	}
	if q.Get("error") != "access_denied" {
		t.Errorf("error = %q, want access_denied", q.Get("error"))
	}
	if q.Get("error_description") == "" {
		t.Error("error_description is empty")
	}
	if q.Get("state") != "state-123" {
		t.Errorf("state = %q, want state-123", q.Get("state"))
	}
	if q.Has("code") {
		t.Error("a declined consent carries a code")
	}
}

func TestConsentPageApproveAndDecline(t *testing.T) {
	e := startServer(t, mustGenerate(t, SizeSmall), Options{Consent: ConsentPage})
	link := regexp.MustCompile(`id="(approve|decline)" href="([^"]+)"`)
	for _, action := range []string{"approve", "decline"} {
		t.Run(action, func(t *testing.T) {
			resp, err := noRedirect.Get(e.authorizeURL(ClassicScopes))
			if err != nil {
				t.Fatalf("GET /authorize: %v", err)
			}
			page, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("consent page status %d, want 200", resp.StatusCode)
			}
			var href string
			for _, m := range link.FindAllStringSubmatch(string(page), -1) {
				if m[1] == action {
					href = m[2]
				}
			}
			if href == "" {
				t.Fatalf("no %s link in page %s", action, page)
			}
			resp, err = noRedirect.Get(e.srv.URL() + href)
			if err != nil {
				t.Fatalf("GET %s: %v", href, err)
			}
			resp.Body.Close()
			loc, _ := url.Parse(resp.Header.Get("Location"))
			if action == "approve" && loc.Query().Get("code") == "" {
				t.Errorf("approve redirect %q has no code", loc)
			}
			if action == "decline" && loc.Query().Get("error") != "access_denied" {
				t.Errorf("decline redirect %q has no error=access_denied", loc)
			}
			// The transaction is single use.
			resp, err = noRedirect.Get(e.srv.URL() + href)
			if err != nil {
				t.Fatalf("GET %s again: %v", href, err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusBadRequest {
				t.Errorf("reused consent link: status %d, want 400", resp.StatusCode)
			}
		})
	}
}

func TestCodeExchange(t *testing.T) {
	e := startEnv(t, mustGenerate(t, SizeSmall), Options{})
	pair := e.pair
	if !strings.HasPrefix(pair.AccessToken, AccessTokenPrefix) {
		t.Errorf("access token %q lacks prefix %s", pair.AccessToken, AccessTokenPrefix)
	}
	if !strings.HasPrefix(pair.RefreshToken, RefreshTokenPrefix) {
		t.Errorf("refresh token lacks prefix %s", RefreshTokenPrefix)
	}
	if pair.ExpiresIn != 3600 {
		t.Errorf("expires_in = %d, want 3600", pair.ExpiresIn)
	}
	if pair.TokenType != "Bearer" {
		t.Errorf("token_type = %q, want Bearer", pair.TokenType)
	}
	if pair.Scope != strings.Join(ClassicScopes, " ") {
		t.Errorf("scope = %q, want %q", pair.Scope, strings.Join(ClassicScopes, " "))
	}
	secrets := e.srv.IssuedSecrets()
	for _, s := range []string{pair.AccessToken, pair.RefreshToken} {
		if !slices.Contains(secrets, s) {
			t.Errorf("IssuedSecrets lacks %.12s…", s)
		}
	}
	if !slices.ContainsFunc(secrets, func(s string) bool { return strings.HasPrefix(s, CodePrefix) }) {
		t.Error("IssuedSecrets lacks the authorization code")
	}
}

func TestCodeExchangeFailures(t *testing.T) {
	clock := newFakeClock()
	e := startEnv(t, mustGenerate(t, SizeSmall), Options{Now: clock.Now})
	used := e.authorizeCode(ClassicScopes)
	if status, _, _ := e.exchange(used); status != http.StatusOK {
		t.Fatalf("first exchange: status %d", status)
	}
	expired := e.authorizeCode(ClassicScopes)
	clock.Advance(codeTTL + time.Second)

	t.Run("wrong secret", func(t *testing.T) {
		status, _, oerr := e.tokenCall(map[string]string{
			"grant_type": "authorization_code", "client_id": testClientID, "client_secret": "wrong",
			"code": e.authorizeCode(ClassicScopes), "redirect_uri": testRedirect,
		})
		if status != http.StatusUnauthorized || oerr.Error != "access_denied" {
			t.Errorf("status %d error %q, want 401 access_denied", status, oerr.Error)
		}
	})
	for name, code := range map[string]string{"reused": used, "expired": expired, "unknown": "simcode_nope"} {
		t.Run(name, func(t *testing.T) {
			status, _, oerr := e.exchange(code)
			if status != http.StatusForbidden || oerr.Error != "invalid_grant" {
				t.Errorf("status %d error %q, want 403 invalid_grant", status, oerr.Error)
			}
		})
	}
	t.Run("other redirect_uri", func(t *testing.T) {
		status, _, oerr := e.tokenCall(map[string]string{
			"grant_type": "authorization_code", "client_id": testClientID, "client_secret": testClientSecret,
			"code": e.authorizeCode(ClassicScopes), "redirect_uri": "http://127.0.0.1:2/other",
		})
		if status != http.StatusForbidden || oerr.Error != "invalid_grant" {
			t.Errorf("status %d error %q, want 403 invalid_grant", status, oerr.Error)
		}
	})
	t.Run("unsupported grant type", func(t *testing.T) {
		status, _, oerr := e.tokenCall(map[string]string{
			"grant_type": "client_credentials", "client_id": testClientID, "client_secret": testClientSecret,
		})
		if status != http.StatusBadRequest || oerr.Error != "unsupported_grant_type" {
			t.Errorf("status %d error %q, want 400 unsupported_grant_type", status, oerr.Error)
		}
	})
}

func TestCodeExchangeFormBody(t *testing.T) {
	e := startEnv(t, mustGenerate(t, SizeSmall), Options{})
	form := url.Values{
		"grant_type": {"authorization_code"}, "client_id": {testClientID}, "client_secret": {testClientSecret},
		"code": {e.authorizeCode(ClassicScopes)}, "redirect_uri": {testRedirect},
	}
	resp, err := http.PostForm(e.srv.URL()+"/oauth/token", form)
	if err != nil {
		t.Fatalf("POST /oauth/token: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("form-encoded exchange: status %d, want 200", resp.StatusCode)
	}
}

func TestNoOfflineAccessNoRefreshToken(t *testing.T) {
	e := startEnv(t, mustGenerate(t, SizeSmall), Options{})
	pair := e.connect([]string{"read:jira-user"})
	if pair.RefreshToken != "" {
		t.Error("refresh token issued without offline_access")
	}
}

func TestGrantedScopesOverrideRequest(t *testing.T) {
	e := startServer(t, mustGenerate(t, SizeSmall), Options{GrantedScopes: []string{"read:jira-work", "offline_access"}})
	pair := e.connect(ClassicScopes)
	if pair.Scope != "read:jira-work offline_access" {
		t.Errorf("scope = %q, want the granted scopes", pair.Scope)
	}
	if status, _, _ := e.do("GET", "/users/search", pair.AccessToken, nil); status != http.StatusForbidden {
		t.Errorf("users/search without read:jira-user: status %d, want 403", status)
	}
}
