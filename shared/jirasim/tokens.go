package jirasim

import (
	"crypto/rand"
	"encoding/base64"
	"slices"
	"strings"
	"sync"
	"time"
)

// Prefixes of issued secrets, so leak tests can search for them.
const (
	AccessTokenPrefix  = "simat_"
	RefreshTokenPrefix = "simrt_"
	CodePrefix         = "simcode_"
)

// Lifetimes of Atlassian's 3LO grants.
const (
	// codeTTL is how long an authorization code can be exchanged.
	// NOTE: Atlassian does not document this; 10 minutes is an estimate.
	codeTTL = 10 * time.Minute
	// refreshInactivity is how long an unused refresh token stays valid.
	refreshInactivity = 90 * 24 * time.Hour
	// grantLifetime is the absolute expiry of refresh tokens, counted from consent.
	grantLifetime = 365 * 24 * time.Hour
)

// grant is one user consent. Every token issued from it dies with it.
type grant struct {
	scopes    []string
	consentAt time.Time
	revoked   bool
}

type codeRecord struct {
	grant       *grant
	clientID    string
	redirectURI string
	expires     time.Time
	used        bool
}

type refreshRecord struct {
	grant     *grant
	issued    time.Time
	rotatedAt time.Time // zero while this is the newest token of its chain
}

type accessRecord struct {
	grant   *grant
	expires time.Time
}

// pendingConsent is an /authorize request waiting on the consent page.
type pendingConsent struct {
	clientID    string
	redirectURI string
	state       string
	scopes      []string
}

// authState contains grants, codes and tokens. Its mutex is separate from the
// dataset's so token checks do not wait on data reads.
type authState struct {
	mu      sync.Mutex
	grants  []*grant
	codes   map[string]*codeRecord
	refresh map[string]*refreshRecord
	access  map[string]*accessRecord
	pending map[string]pendingConsent
	issued  []string
}

func newAuthState() *authState {
	return &authState{
		codes:   map[string]*codeRecord{},
		refresh: map[string]*refreshRecord{},
		access:  map[string]*accessRecord{},
		pending: map[string]pendingConsent{},
	}
}

// newSecret returns prefix followed by 32 random bytes in base64url.
func newSecret(prefix string) string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return prefix + base64.RawURLEncoding.EncodeToString(b[:])
}

// issue records a new secret; the caller holds a.mu.
func (a *authState) issue(prefix string) string {
	secret := newSecret(prefix)
	a.issued = append(a.issued, secret)
	return secret
}

func (a *authState) issuedSecrets() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.issued)
}

func (a *authState) revokeAll() {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, g := range a.grants {
		g.revoked = true
	}
}

// newCode starts a grant and returns its authorization code.
func (a *authState) newCode(clientID, redirectURI string, scopes []string, now time.Time) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	g := &grant{scopes: scopes, consentAt: now}
	a.grants = append(a.grants, g)
	code := a.issue(CodePrefix)
	a.codes[code] = &codeRecord{grant: g, clientID: clientID, redirectURI: redirectURI, expires: now.Add(codeTTL)}
	return code
}

// tokenPair is the token endpoint's success response.
type tokenPair struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token,omitempty"`
	ExpiresIn    int64  `json:"expires_in"`
	Scope        string `json:"scope"`
	TokenType    string `json:"token_type"`
}

// issuePair issues an access token and, when the grant holds offline_access
// and withRefresh is set, a refresh token. The caller holds a.mu.
func (a *authState) issuePair(g *grant, now time.Time, ttl time.Duration, withRefresh bool) tokenPair {
	at := a.issue(AccessTokenPrefix)
	a.access[at] = &accessRecord{grant: g, expires: now.Add(ttl)}
	pair := tokenPair{AccessToken: at, ExpiresIn: int64(ttl / time.Second), TokenType: "Bearer", Scope: strings.Join(g.scopes, " ")}
	if withRefresh && slices.Contains(g.scopes, "offline_access") {
		rt := a.issue(RefreshTokenPrefix)
		a.refresh[rt] = &refreshRecord{grant: g, issued: now}
		pair.RefreshToken = rt
	}
	return pair
}

// checkAccess returns the grant of a valid access token, or nil.
func (a *authState) checkAccess(token string, now time.Time) *grant {
	a.mu.Lock()
	defer a.mu.Unlock()
	rec, ok := a.access[token]
	if !ok || rec.grant.revoked || !now.Before(rec.expires) {
		return nil
	}
	return rec.grant
}
