package jirasim

import (
	"net/http"
	"testing"
	"time"
)

// refreshOK refreshes and fails the test unless the response is 200.
func (e *testEnv) refreshOK(refreshToken string) tokenPair {
	e.t.Helper()
	status, pair, oerr := e.refresh(refreshToken)
	if status != http.StatusOK {
		e.t.Fatalf("refresh: status %d, error %+v", status, oerr)
	}
	return pair
}

func (e *testEnv) wantInvalidGrant(refreshToken, when string) {
	e.t.Helper()
	status, _, oerr := e.refresh(refreshToken)
	if status != http.StatusForbidden || oerr.Error != "invalid_grant" ||
		oerr.ErrorDescription != "Unknown or invalid refresh token." {
		e.t.Errorf("%s: status %d, error %+v; want 403 invalid_grant", when, status, oerr)
	}
}

func (e *testEnv) apiStatus(token string) int {
	e.t.Helper()
	status, _, _ := e.do(http.MethodGet, "/projectCategory", token, nil)
	return status
}

func TestRefreshRotates(t *testing.T) {
	clock := newFakeClock()
	e := startEnv(t, mustGenerate(t, SizeSmall), Options{Now: clock.Now})
	first := e.pair
	second := e.refreshOK(first.RefreshToken)
	if second.RefreshToken == "" || second.RefreshToken == first.RefreshToken {
		t.Fatalf("refresh returned refresh token %q; want a new one", second.RefreshToken)
	}
	if second.AccessToken == first.AccessToken {
		t.Error("refresh returned the same access token")
	}
	if second.Scope != first.Scope {
		t.Errorf("scope after refresh = %q, want %q", second.Scope, first.Scope)
	}
	if got := e.apiStatus(first.AccessToken); got != http.StatusOK {
		t.Errorf("old access token after refresh: status %d, want 200 until it expires", got)
	}
	if got := e.apiStatus(second.AccessToken); got != http.StatusOK {
		t.Errorf("new access token: status %d, want 200", got)
	}
}

func TestRefreshGraceAllowsReuse(t *testing.T) {
	clock := newFakeClock()
	e := startEnv(t, mustGenerate(t, SizeSmall), Options{Now: clock.Now, RefreshGrace: 10 * time.Minute})
	old := e.pair.RefreshToken
	e.refreshOK(old)
	clock.Advance(9 * time.Minute)
	again := e.refreshOK(old)
	if again.RefreshToken == "" {
		t.Error("reuse within the grace returned no refresh token")
	}
	// The grace counts from the first rotation, so a reuse does not extend it.
	clock.Advance(2 * time.Minute)
	e.wantInvalidGrant(old, "reuse 11 minutes after the first rotation")
}

func TestRefreshReuseAfterGraceRevokesGrant(t *testing.T) {
	clock := newFakeClock()
	e := startEnv(t, mustGenerate(t, SizeSmall), Options{Now: clock.Now})
	old := e.pair.RefreshToken
	current := e.refreshOK(old)
	clock.Advance(10*time.Minute + time.Second)
	e.wantInvalidGrant(old, "reuse after the grace")
	e.wantInvalidGrant(current.RefreshToken, "newest token after a reuse")
	if got := e.apiStatus(current.AccessToken); got != http.StatusUnauthorized {
		t.Errorf("access token of a revoked grant: status %d, want 401", got)
	}
}

func TestRefreshExpiry(t *testing.T) {
	cases := []struct {
		name    string
		advance time.Duration
		steps   int // refreshes in between, each after advance
		wantOK  bool
	}{
		{"used within 90 days", 89 * 24 * time.Hour, 1, true},
		{"unused for 90 days", 90*24*time.Hour + time.Second, 1, false},
		{"refreshed every 80 days until day 320", 80 * 24 * time.Hour, 4, true},
		{"refreshed every 80 days past day 365", 80 * 24 * time.Hour, 5, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			clock := newFakeClock()
			e := startEnv(t, mustGenerate(t, SizeSmall), Options{Now: clock.Now})
			token := e.pair.RefreshToken
			for i := range c.steps {
				clock.Advance(c.advance)
				status, pair, _ := e.refresh(token)
				last := i == c.steps-1
				if !last && status != http.StatusOK {
					t.Fatalf("refresh %d: status %d", i+1, status)
				}
				if last && (status == http.StatusOK) != c.wantOK {
					t.Errorf("refresh %d: status %d, want success %v", i+1, status, c.wantOK)
				}
				token = pair.RefreshToken
			}
		})
	}
}

func TestRefreshWrongSecret(t *testing.T) {
	e := startEnv(t, mustGenerate(t, SizeSmall), Options{})
	status, _, oerr := e.tokenCall(map[string]string{
		"grant_type": "refresh_token", "client_id": testClientID, "client_secret": "wrong",
		"refresh_token": e.pair.RefreshToken,
	})
	if status != http.StatusUnauthorized || oerr.Error != "access_denied" {
		t.Errorf("status %d error %q, want 401 access_denied", status, oerr.Error)
	}
	// A rejected client does not rotate the token.
	e.refreshOK(e.pair.RefreshToken)
}

func TestRefreshOmitsRefreshToken(t *testing.T) {
	clock := newFakeClock()
	e := startEnv(t, mustGenerate(t, SizeSmall), Options{Now: clock.Now, OmitRefreshTokenOnRefresh: true})
	if e.pair.RefreshToken == "" {
		t.Fatal("code exchange returned no refresh token")
	}
	next := e.refreshOK(e.pair.RefreshToken)
	if next.RefreshToken != "" {
		t.Error("refresh response has a refresh_token; the option omits it")
	}
	// The token sent stays current, past any grace.
	clock.Advance(time.Hour)
	e.refreshOK(e.pair.RefreshToken)
}

func TestRevokeGrant(t *testing.T) {
	e := startEnv(t, mustGenerate(t, SizeSmall), Options{})
	e.srv.RevokeGrant()
	e.wantInvalidGrant(e.pair.RefreshToken, "after RevokeGrant")
	if got := e.apiStatus(e.token); got != http.StatusUnauthorized {
		t.Errorf("access token after RevokeGrant: status %d, want 401", got)
	}
	// A new consent works again.
	pair := e.connect(ClassicScopes)
	if got := e.apiStatus(pair.AccessToken); got != http.StatusOK {
		t.Errorf("token of a new consent: status %d, want 200", got)
	}
}

func TestAccessTokenExpires(t *testing.T) {
	clock := newFakeClock()
	e := startEnv(t, mustGenerate(t, SizeSmall), Options{Now: clock.Now, AccessTokenTTL: time.Hour})
	clock.Advance(59 * time.Minute)
	if got := e.apiStatus(e.token); got != http.StatusOK {
		t.Errorf("after 59 minutes: status %d, want 200", got)
	}
	clock.Advance(time.Minute)
	if got := e.apiStatus(e.token); got != http.StatusUnauthorized {
		t.Errorf("after 60 minutes: status %d, want 401", got)
	}
}
