package oauth

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"golang.org/x/oauth2"

	"github.com/idgov/atlassian-cloud-connector/shared/atlassian"
	"github.com/idgov/atlassian-cloud-connector/shared/connection"
	"github.com/idgov/atlassian-cloud-connector/shared/jirasim"
	"github.com/idgov/atlassian-cloud-connector/shared/secrets"
	"github.com/idgov/atlassian-cloud-connector/shared/store"
)

// checkToken fails the test unless the simulator accepts the token.
func checkToken(t *testing.T, h *harness, token *oauth2.Token) {
	t.Helper()
	client := oauth2.NewClient(context.Background(), oauth2.StaticTokenSource(token))
	if _, err := atlassian.AccessibleResources(context.Background(), client, h.srv.URL()); err != nil {
		t.Errorf("simulator rejected the token: %v", err)
	}
}

func TestProviderUsesStoredToken(t *testing.T) {
	h := newHarness(t, nil)
	h.connect(acme)
	token, err := h.provider().Token(context.Background(), acme)
	if err != nil {
		t.Fatalf("Token: %v", err)
	}
	stored, err := h.secrets.Tokens(context.Background(), acme)
	if err != nil {
		t.Fatalf("read stored tokens: %v", err)
	}
	if token.AccessToken != stored.AccessToken {
		t.Errorf("Token returned another access token than the stored one")
	}
	if token.RefreshToken != "" {
		t.Errorf("Token returned the refresh token, want it kept inside the provider")
	}
	if n := h.tokenRequests(grantRefreshToken); n != 0 {
		t.Errorf("refresh requests = %d, want 0 for a fresh token", n)
	}
	checkToken(t, h, token)
}

func TestProviderConcurrentRefresh(t *testing.T) {
	h := newHarness(t, nil)
	h.connect(acme)
	before, err := h.secrets.Tokens(context.Background(), acme)
	if err != nil {
		t.Fatalf("read stored tokens: %v", err)
	}
	h.clock.Advance(2 * time.Hour) // the access token has expired

	const providers, callers = 4, 16
	var wg sync.WaitGroup
	tokens := make(chan *oauth2.Token, providers*callers)
	errs := make(chan error, providers*callers)
	for range providers {
		p := h.provider()
		for range callers {
			wg.Go(func() {
				token, err := p.Token(context.Background(), acme)
				if err != nil {
					errs <- err
					return
				}
				tokens <- token
			})
		}
	}
	wg.Wait()
	close(tokens)
	close(errs)
	for err := range errs {
		t.Errorf("Token error: %v", err)
	}
	if n := h.tokenRequests(grantRefreshToken); n != 1 {
		t.Errorf("refresh requests = %d, want exactly 1", n)
	}
	distinct := map[string]bool{}
	for token := range tokens {
		distinct[token.AccessToken] = true
		if !token.Expiry.After(h.clock.Now()) {
			t.Errorf("token expiry %v is not after now %v", token.Expiry, h.clock.Now())
		}
	}
	if len(distinct) != 1 {
		t.Errorf("callers got %d distinct access tokens, want 1", len(distinct))
	}
	after, err := h.secrets.Tokens(context.Background(), acme)
	if err != nil {
		t.Fatalf("read stored tokens: %v", err)
	}
	if after.RefreshToken == before.RefreshToken {
		t.Errorf("stored refresh token was not rotated")
	}
	if !distinct[after.AccessToken] {
		t.Errorf("callers' access token is not the stored one")
	}
	if !after.ConsentedAt.Equal(before.ConsentedAt) {
		t.Errorf("consentedAt changed on refresh: %v, want %v", after.ConsentedAt, before.ConsentedAt)
	}
	if !after.RefreshedAt.Equal(h.clock.Now()) {
		t.Errorf("refreshedAt = %v, want %v", after.RefreshedAt, h.clock.Now())
	}
	checkToken(t, h, &oauth2.Token{AccessToken: after.AccessToken, TokenType: "Bearer"})

	// A second round, well past the rotated refresh token's grace period,
	// works only if the rotated refresh token was stored.
	h.clock.Advance(2 * time.Hour)
	if _, err := h.provider().Token(context.Background(), acme); err != nil {
		t.Errorf("second refresh: %v", err)
	}
	if n := h.tokenRequests(grantRefreshToken); n != 2 {
		t.Errorf("refresh requests after the second round = %d, want 2", n)
	}
}

func TestProviderCachesUntilNearExpiry(t *testing.T) {
	h := newHarness(t, nil)
	h.connect(acme)
	p := h.provider()
	first, err := p.Token(context.Background(), acme)
	if err != nil {
		t.Fatalf("Token: %v", err)
	}
	// Replace the stored pair behind the provider's back: a cached token
	// must not be read again until it nears expiry.
	stored, err := h.secrets.Tokens(context.Background(), acme)
	if err != nil {
		t.Fatalf("read stored tokens: %v", err)
	}
	replaced := stored
	replaced.AccessToken = "replaced-access-token"
	if err := h.secrets.PutTokens(context.Background(), acme, replaced); err != nil {
		t.Fatalf("replace stored tokens: %v", err)
	}
	h.clock.Advance(30 * time.Minute)
	cached, err := p.Token(context.Background(), acme)
	if err != nil {
		t.Fatalf("Token: %v", err)
	}
	if cached.AccessToken != first.AccessToken {
		t.Errorf("Token within the lifetime read the store again, want the cached token")
	}
	h.clock.Advance(29 * time.Minute) // 1 minute before expiry, inside the margin
	near, err := p.Token(context.Background(), acme)
	if err != nil {
		t.Fatalf("Token near expiry: %v", err)
	}
	if near.AccessToken == first.AccessToken {
		t.Errorf("Token near expiry returned the cached token, want a new one")
	}
}

func TestProviderRefreshWithoutRefreshToken(t *testing.T) {
	h := newHarness(t, func(o *jirasim.Options) { o.OmitRefreshTokenOnRefresh = true })
	h.connect(acme)
	before, err := h.secrets.Tokens(context.Background(), acme)
	if err != nil {
		t.Fatalf("read stored tokens: %v", err)
	}
	for round := 1; round <= 2; round++ {
		h.clock.Advance(2 * time.Hour)
		token, err := h.provider().Token(context.Background(), acme)
		if err != nil {
			t.Fatalf("round %d Token: %v", round, err)
		}
		if token.AccessToken == before.AccessToken {
			t.Errorf("round %d: access token was not refreshed", round)
		}
		after, err := h.secrets.Tokens(context.Background(), acme)
		if err != nil {
			t.Fatalf("read stored tokens: %v", err)
		}
		if after.RefreshToken != before.RefreshToken {
			t.Errorf("round %d: stored refresh token changed, want the current one kept", round)
		}
		if after.AccessToken != token.AccessToken {
			t.Errorf("round %d: stored access token is not the returned one", round)
		}
	}
	if !strings.Contains(h.logs.String(), "keeping the current one") {
		t.Errorf("logs do not record the missing refresh token")
	}
}

func TestProviderInvalidGrant(t *testing.T) {
	h := newHarness(t, nil)
	h.connect(acme)
	h.srv.RevokeGrant()
	h.clock.Advance(2 * time.Hour)
	p := h.provider()
	_, err := p.Token(context.Background(), acme)
	var reconsent *ReconsentRequiredError
	if !errors.As(err, &reconsent) {
		t.Fatalf("Token error = %v, want *ReconsentRequiredError", err)
	}
	if reconsent.Key != acme {
		t.Errorf("error key = %v, want %v", reconsent.Key, acme)
	}
	conn := h.status(acme)
	if conn.Status != connection.StatusReconsentRequired {
		t.Errorf("status = %q, want reconsent_required", conn.Status)
	}
	if !strings.Contains(conn.StatusReason, "invalid_grant") {
		t.Errorf("status reason = %q, want it to name invalid_grant", conn.StatusReason)
	}
	if n := h.tokenRequests(grantRefreshToken); n != 1 {
		t.Errorf("refresh requests = %d, want 1", n)
	}
	for range 3 {
		if _, err := h.provider().Token(context.Background(), acme); !errors.As(err, &reconsent) {
			t.Errorf("repeated Token error = %v, want *ReconsentRequiredError", err)
		}
	}
	if n := h.tokenRequests(grantRefreshToken); n != 1 {
		t.Errorf("refresh requests after repeats = %d, want still 1 (no retry loop)", n)
	}

	// Consenting again clears the state.
	h.connect(acme)
	if _, err := h.provider().Token(context.Background(), acme); err != nil {
		t.Errorf("Token after reconsent: %v", err)
	}
}

func TestProviderGrantLifetime(t *testing.T) {
	h := newHarness(t, nil)
	h.connect(acme)
	conn := h.status(acme)
	if got := DaysLeft(conn, h.clock.Now()); got != 365 {
		t.Errorf("DaysLeft right after consent = %d, want 365", got)
	}
	h.clock.Advance(GrantLifetime + time.Hour)
	_, err := h.provider().Token(context.Background(), acme)
	var reconsent *ReconsentRequiredError
	if !errors.As(err, &reconsent) {
		t.Fatalf("Token after 365 days error = %v, want *ReconsentRequiredError", err)
	}
	if n := h.tokenRequests(grantRefreshToken); n != 0 {
		t.Errorf("refresh requests = %d, want 0 for an expired grant", n)
	}
	if got := DaysLeft(conn, h.clock.Now()); got != 0 {
		t.Errorf("DaysLeft after expiry = %d, want 0", got)
	}
}

func TestProviderTakesOverExpiredLease(t *testing.T) {
	h := newHarness(t, nil)
	h.connect(acme)
	h.clock.Advance(2 * time.Hour)
	// Another process took the lease and stopped without releasing it.
	item := store.Key(acme.PK(), connection.SKTokenLease)
	item["holder"] = store.S("crashed-process")
	item["leaseUntil"] = store.N(h.clock.Now().Add(DefaultLeaseDuration).UnixMilli())
	_, err := h.table.Client.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(h.table.Name), Item: item})
	if err != nil {
		t.Fatalf("put lease: %v", err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := h.provider().Token(context.Background(), acme)
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("Token returned (%v) while another holder's lease was valid", err)
	case <-time.After(500 * time.Millisecond):
	}
	if n := h.tokenRequests(grantRefreshToken); n != 0 {
		t.Errorf("refresh requests while the lease is held = %d, want 0", n)
	}
	h.clock.Advance(DefaultLeaseDuration + time.Second)
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Token after the lease expired: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("Token did not take over the expired lease")
	}
	if n := h.tokenRequests(grantRefreshToken); n != 1 {
		t.Errorf("refresh requests = %d, want 1", n)
	}
}

func TestProviderTokenSource(t *testing.T) {
	h := newHarness(t, nil)
	h.connect(acme)
	client := oauth2.NewClient(context.Background(), h.provider().TokenSource(acme))
	if _, err := atlassian.AccessibleResources(context.Background(), client, h.srv.URL()); err != nil {
		t.Errorf("request through TokenSource: %v", err)
	}
}

func TestProviderNotConnected(t *testing.T) {
	h := newHarness(t, nil)
	_, err := h.provider().Token(context.Background(), acme)
	var notFound *secrets.NotFoundError
	if !errors.As(err, &notFound) {
		t.Errorf("Token before consent error = %v, want a wrapped *secrets.NotFoundError", err)
	}
}

func TestProviderRefreshServerError(t *testing.T) {
	h := newHarness(t, nil)
	h.connect(acme)
	h.clock.Advance(2 * time.Hour)
	h.srv.InjectFault(jirasim.Fault{Method: http.MethodPost, Path: "/oauth/token", Kind: jirasim.FaultStatus, Status: http.StatusServiceUnavailable, Count: 1})
	_, err := h.provider().Token(context.Background(), acme)
	var tokenErr *TokenError
	if !errors.As(err, &tokenErr) {
		t.Fatalf("Token error = %v, want *TokenError", err)
	}
	if !tokenErr.Temporary() {
		t.Errorf("TokenError for HTTP 503 Temporary() = false, want true")
	}
	if h.status(acme).Status != connection.StatusConnected {
		t.Errorf("status = %q, want connected after a temporary failure", h.status(acme).Status)
	}
	if _, err := h.provider().Token(context.Background(), acme); err != nil {
		t.Errorf("Token after the fault cleared: %v", err)
	}
}

func TestFresh(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		name   string
		tokens secrets.Tokens
		want   bool
	}{
		{"no token", secrets.Tokens{}, false},
		{"no expiry", secrets.Tokens{AccessToken: "a"}, false},
		{"expired", secrets.Tokens{AccessToken: "a", Expiry: now.Add(-time.Second)}, false},
		{"inside 2-minute margin", secrets.Tokens{AccessToken: "a", Expiry: now.Add(time.Minute), RefreshedAt: now.Add(-59 * time.Minute)}, false},
		{"outside margin", secrets.Tokens{AccessToken: "a", Expiry: now.Add(3 * time.Minute), RefreshedAt: now.Add(-57 * time.Minute)}, true},
		{"short lifetime uses a quarter", secrets.Tokens{AccessToken: "a", Expiry: now.Add(30 * time.Second), RefreshedAt: now.Add(-30 * time.Second)}, true},
	}
	for _, tc := range cases {
		if got := fresh(tc.tokens, now); got != tc.want {
			t.Errorf("%s: fresh = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestDaysLeft(t *testing.T) {
	consented := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	conn := connection.Connection{ConsentedAt: consented}
	cases := []struct {
		now  time.Time
		want int
	}{
		{consented, 365},
		{consented.Add(time.Hour), 364},
		{consented.Add(300 * 24 * time.Hour), 65},
		{consented.Add(GrantLifetime), 0},
		{consented.Add(GrantLifetime + 48*time.Hour), 0},
	}
	for _, tc := range cases {
		if got := DaysLeft(conn, tc.now); got != tc.want {
			t.Errorf("DaysLeft at %v = %d, want %d", tc.now, got, tc.want)
		}
	}
	if got := DaysLeft(connection.Connection{}, consented); got != 0 {
		t.Errorf("DaysLeft without consent = %d, want 0", got)
	}
}
