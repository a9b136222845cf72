package oauth

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	mathrand "math/rand/v2"
	"net/http"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/idgov/atlassian-cloud-connector/shared/connection"
	"github.com/idgov/atlassian-cloud-connector/shared/secrets"
	"github.com/idgov/atlassian-cloud-connector/shared/store"
)

// GrantLifetime is Atlassian's absolute expiry of a grant's refresh tokens,
// counted from consent.
const GrantLifetime = 365 * 24 * time.Hour

// Defaults of TokenProvider.
const (
	// DefaultLeaseDuration covers the refresh request (half the lease) and
	// storing the rotated pair, whose Secrets Manager retries can take about
	// 20 s, so another process cannot take an expired lease and send the old
	// refresh token while the holder is still storing the new one.
	DefaultLeaseDuration = 60 * time.Second
	DefaultMaxWait       = 90 * time.Second
	// refreshMargin is how long before expiry a token counts as stale. It
	// is capped at a quarter of the token's lifetime so that short-lived
	// tokens are not refreshed on every call.
	refreshMargin = 2 * time.Minute
)

// TokenProvider gives functions the access token of a connection. It reads
// the pair from Secrets Manager and caches it in memory until shortly
// before expiry. It refreshes only while it holds the connection's
// TOKENLEASE item in DynamoDB, and it stores the rotated pair before it
// returns the new access token. A provider that finds the lease taken waits
// and reads the pair again. Within one provider, one goroutine per connection
// does this work and the others wait for it. A TokenProvider is safe for
// concurrent use and must not be copied after first use.
type TokenProvider struct {
	Connections *connection.Store
	Secrets     *secrets.Store
	// Table holds the refresh leases.
	Table *store.Table
	// AuthURL is the authorization server's base URL, such as
	// https://auth.atlassian.com.
	AuthURL string
	// HTTPClient sends refresh requests; nil means a 30-second timeout.
	HTTPClient *http.Client
	// LeaseDuration is how long a refresh may hold the lease; zero means
	// DefaultLeaseDuration. The refresh request gets half of it.
	LeaseDuration time.Duration
	// MaxWait bounds how long Token waits for another holder's refresh;
	// zero means DefaultMaxWait.
	MaxWait time.Duration
	Logger  *slog.Logger
	// Now returns the current time; nil means time.Now.
	Now func() time.Time

	initOnce sync.Once
	holder   string
	mu       sync.Mutex
	entries  map[connection.Key]*cacheEntry
}

// cacheEntry is one connection's cached pair. The semaphore lets one
// goroutine load or refresh at a time; tokens is guarded by the provider's mu.
type cacheEntry struct {
	semaphore chan struct{}
	tokens    secrets.Tokens
}

func (p *TokenProvider) init() {
	p.initOnce.Do(func() {
		buf := make([]byte, 8)
		_, _ = rand.Read(buf)
		p.holder = "provider-" + hex.EncodeToString(buf)
		p.entries = make(map[connection.Key]*cacheEntry)
	})
}

func (p *TokenProvider) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

func (p *TokenProvider) logger() *slog.Logger {
	if p.Logger != nil {
		return p.Logger
	}
	return slog.Default()
}

func (p *TokenProvider) leaseDuration() time.Duration {
	if p.LeaseDuration > 0 {
		return p.LeaseDuration
	}
	return DefaultLeaseDuration
}

func (p *TokenProvider) maxWait() time.Duration {
	if p.MaxWait > 0 {
		return p.MaxWait
	}
	return DefaultMaxWait
}

// TokenSource returns a token source for the connection, for use with
// oauth2.NewClient or oauth2.Transport. Its Token method has no context, so
// it waits at most MaxWait for another holder's refresh.
func (p *TokenProvider) TokenSource(key connection.Key) oauth2.TokenSource {
	return tokenSource{provider: p, key: key}
}

type tokenSource struct {
	provider *TokenProvider
	key      connection.Key
}

func (s tokenSource) Token() (*oauth2.Token, error) {
	return s.provider.Token(context.Background(), s.key)
}

// Token returns a valid access token for the connection. It returns
// *ReconsentRequiredError when the grant can no longer be refreshed, and a
// *TokenError when the refresh request failed otherwise.
func (p *TokenProvider) Token(ctx context.Context, key connection.Key) (*oauth2.Token, error) {
	p.init()
	entry := p.entry(key)
	if token, ok := p.cached(entry); ok {
		return token, nil
	}
	select {
	case entry.semaphore <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("wait for the token of %s: %w", key, ctx.Err())
	}
	defer func() { <-entry.semaphore }()
	if token, ok := p.cached(entry); ok {
		return token, nil
	}
	tokens, err := p.load(ctx, key)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	entry.tokens = tokens
	p.mu.Unlock()
	return accessToken(tokens), nil
}

func (p *TokenProvider) entry(key connection.Key) *cacheEntry {
	p.mu.Lock()
	defer p.mu.Unlock()
	entry, ok := p.entries[key]
	if !ok {
		entry = &cacheEntry{semaphore: make(chan struct{}, 1)}
		p.entries[key] = entry
	}
	return entry
}

func (p *TokenProvider) cached(entry *cacheEntry) (*oauth2.Token, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if fresh(entry.tokens, p.now()) {
		return accessToken(entry.tokens), true
	}
	return nil, false
}

// accessToken converts a stored pair to the token callers get. The refresh
// token stays inside the provider.
func accessToken(t secrets.Tokens) *oauth2.Token {
	tokenType := t.TokenType
	if tokenType == "" {
		tokenType = "Bearer"
	}
	return &oauth2.Token{AccessToken: t.AccessToken, TokenType: tokenType, Expiry: t.Expiry}
}

// fresh reports whether the access token is usable for a while longer.
func fresh(t secrets.Tokens, now time.Time) bool {
	if t.AccessToken == "" || t.Expiry.IsZero() {
		return false
	}
	margin := refreshMargin
	issued := t.RefreshedAt
	if issued.IsZero() {
		issued = t.ConsentedAt
	}
	if lifetime := t.Expiry.Sub(issued); !issued.IsZero() && lifetime > 0 {
		margin = min(margin, lifetime/4)
	}
	return now.Before(t.Expiry.Add(-margin))
}

// load returns a fresh pair: the stored one, or one refreshed under the
// lease, or the one another holder stored while this call waited.
func (p *TokenProvider) load(ctx context.Context, key connection.Key) (secrets.Tokens, error) {
	deadline := p.now().Add(p.maxWait())
	for attempt := 0; ; attempt++ {
		stored, err := p.readTokens(ctx, key)
		if err != nil || fresh(stored, p.now()) {
			return stored, err
		}
		acquired, err := p.acquireLease(ctx, key)
		if err != nil {
			return secrets.Tokens{}, err
		}
		if acquired {
			return p.refreshHoldingLease(ctx, key)
		}
		if p.now().After(deadline) {
			return secrets.Tokens{}, fmt.Errorf("token of %s: another process has held the refresh lease for over %s without storing a new token; retry later",
				key, p.maxWait())
		}
		if attempt == 0 {
			p.logger().DebugContext(ctx, "token refresh lease held elsewhere; waiting", "tenant", key.Tenant, "connectionId", key.ID)
		}
		if err := sleepContext(ctx, waitBackoff(attempt)); err != nil {
			return secrets.Tokens{}, fmt.Errorf("wait for the token of %s: %w", key, err)
		}
	}
}

func (p *TokenProvider) readTokens(ctx context.Context, key connection.Key) (secrets.Tokens, error) {
	stored, err := p.Secrets.Tokens(ctx, key)
	var notFound *secrets.NotFoundError
	if errors.As(err, &notFound) {
		return secrets.Tokens{}, fmt.Errorf("connection %s has no tokens: connect it (consent) first: %w", key, err)
	}
	return stored, err
}

// refreshHoldingLease reads the pair again, because another holder may have
// refreshed it between the first read and this lease, and refreshes it only
// if it is still stale.
func (p *TokenProvider) refreshHoldingLease(ctx context.Context, key connection.Key) (secrets.Tokens, error) {
	defer p.releaseLease(key)
	stored, err := p.readTokens(ctx, key)
	if err != nil || fresh(stored, p.now()) {
		return stored, err
	}
	return p.refresh(ctx, key, stored)
}

// waitBackoff is the pause before the next read while another holder
// refreshes: 100 ms doubling to 1.6 s, with full jitter.
func waitBackoff(attempt int) time.Duration {
	ceiling := 100 * time.Millisecond << min(attempt, 4)
	return time.Duration(mathrand.Int64N(int64(ceiling))) + 20*time.Millisecond
}

func sleepContext(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

// DaysLeft returns the whole days until the connection's grant reaches its
// absolute expiry, 365 days after consent; 0 when it has expired or the
// connection was never consented.
func DaysLeft(conn connection.Connection, now time.Time) int {
	if conn.ConsentedAt.IsZero() {
		return 0
	}
	left := conn.ConsentedAt.Add(GrantLifetime).Sub(now)
	if left <= 0 {
		return 0
	}
	return int(left / (24 * time.Hour))
}
