package jirasim

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"html"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// authorizeError sends the plain page Atlassian shows, without a redirect,
// when the authorize request itself is invalid.
func authorizeError(w http.ResponseWriter, message string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusBadRequest)
	fmt.Fprintf(w, "<!doctype html><title>Something went wrong</title><p>%s</p>\n", html.EscapeString(message))
}

// handleAuthorize serves GET /authorize with Atlassian's parameters.
func (s *Server) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	checks := []struct{ name, want string }{
		{"audience", "api.atlassian.com"},
		{"response_type", "code"},
		{"prompt", "consent"},
	}
	for _, c := range checks {
		if got := q.Get(c.name); got != c.want {
			authorizeError(w, fmt.Sprintf("Invalid %s %q: it must be %q.", c.name, got, c.want))
			return
		}
	}

	clientID := q.Get("client_id")
	if clientID == "" || clientID != s.opts.ClientID {
		authorizeError(w, fmt.Sprintf("Unknown client_id %q: use the client ID of the app.", clientID))
		return
	}

	redirectURI := q.Get("redirect_uri")
	if msg := s.checkRedirectURI(redirectURI); msg != "" {
		authorizeError(w, msg)
		return
	}

	scopes := strings.Fields(q.Get("scope"))
	if len(scopes) == 0 {
		authorizeError(w, "Missing scope: list the scopes the app needs, separated by spaces.")
		return
	}
	state := q.Get("state")
	if state == "" {
		authorizeError(w, "Missing state: send a value that binds the request to the user's session.")
		return
	}

	if s.opts.GrantedScopes != nil {
		scopes = slices.Clone(s.opts.GrantedScopes)
	}
	switch s.opts.Consent {
	case ConsentDecline:
		s.redirectDeclined(w, r, redirectURI, state)
	case ConsentPage:
		s.showConsentPage(w, pendingConsent{clientID: clientID, redirectURI: redirectURI, state: state, scopes: scopes})
	default:
		s.redirectWithCode(w, r, pendingConsent{clientID: clientID, redirectURI: redirectURI, state: state, scopes: scopes})
	}
}

// checkRedirectURI returns a message when uri is not acceptable, or "".
func (s *Server) checkRedirectURI(uri string) string {
	if s.opts.CallbackURL != "" {
		if uri != s.opts.CallbackURL {
			return fmt.Sprintf("Invalid redirect_uri %q: it must equal the callback URL of the app, %q.", uri, s.opts.CallbackURL)
		}
		return ""
	}
	u, err := url.Parse(uri)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Sprintf("Invalid redirect_uri %q: use an absolute http or https URL.", uri)
	}
	return ""
}

func redirectTo(w http.ResponseWriter, r *http.Request, redirectURI string, params url.Values) {
	u, _ := url.Parse(redirectURI) // checked by checkRedirectURI
	q := u.Query()
	for k, v := range params {
		q[k] = v
	}
	u.RawQuery = q.Encode()
	http.Redirect(w, r, u.String(), http.StatusFound)
}

func (s *Server) redirectWithCode(w http.ResponseWriter, r *http.Request, p pendingConsent) {
	code := s.auth.newCode(p.clientID, p.redirectURI, p.scopes, s.now())
	redirectTo(w, r, p.redirectURI, url.Values{"code": {code}, "state": {p.state}})
}

func (s *Server) redirectDeclined(w http.ResponseWriter, r *http.Request, redirectURI, state string) {
	redirectTo(w, r, redirectURI, url.Values{
		"error":             {"access_denied"},
		"error_description": {"The user did not authorize the app."},
		"state":             {state},
	})
}

func (s *Server) showConsentPage(w http.ResponseWriter, p pendingConsent) {
	tx := newSecret("simtx_")
	s.auth.mu.Lock()
	s.auth.pending[tx] = p
	s.auth.mu.Unlock()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprintf(w, `<!doctype html>
<title>Jira simulator: authorize app</title>
<h1>Authorize app %s</h1>
<p>The app requests these scopes: %s</p>
<p><a id="approve" href="/authorize/approve?tx=%s">Approve</a> | <a id="decline" href="/authorize/decline?tx=%s">Decline</a></p>
`, html.EscapeString(p.clientID), html.EscapeString(strings.Join(p.scopes, " ")), tx, tx)
}

// takePending removes and returns the consent transaction named in r.
func (s *Server) takePending(w http.ResponseWriter, r *http.Request) (pendingConsent, bool) {
	tx := r.URL.Query().Get("tx")
	s.auth.mu.Lock()
	p, ok := s.auth.pending[tx]
	delete(s.auth.pending, tx)
	s.auth.mu.Unlock()
	if !ok {
		authorizeError(w, "Unknown or used consent transaction: start again at /authorize.")
	}
	return p, ok
}

func (s *Server) handleConsentApprove(w http.ResponseWriter, r *http.Request) {
	if p, ok := s.takePending(w, r); ok {
		s.redirectWithCode(w, r, p)
	}
}

func (s *Server) handleConsentDecline(w http.ResponseWriter, r *http.Request) {
	if p, ok := s.takePending(w, r); ok {
		s.redirectDeclined(w, r, p.redirectURI, p.state)
	}
}

// tokenRequest is the body of POST /oauth/token.
type tokenRequest struct {
	GrantType    string `json:"grant_type"`
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
	Code         string `json:"code"`
	RedirectURI  string `json:"redirect_uri"`
	RefreshToken string `json:"refresh_token"`
}

// readTokenRequest decodes a JSON body, as Atlassian documents, or a form
// body, as golang.org/x/oauth2 sends by default.
func readTokenRequest(r *http.Request) (tokenRequest, error) {
	var req tokenRequest
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mediaType == "application/x-www-form-urlencoded" {
		if err := r.ParseForm(); err != nil {
			return req, err
		}
		f := r.PostForm
		return tokenRequest{
			GrantType: f.Get("grant_type"), ClientID: f.Get("client_id"), ClientSecret: f.Get("client_secret"),
			Code: f.Get("code"), RedirectURI: f.Get("redirect_uri"), RefreshToken: f.Get("refresh_token"),
		}, nil
	}
	err := json.NewDecoder(r.Body).Decode(&req)
	return req, err
}

// handleToken serves POST /oauth/token for the authorization_code and
// refresh_token grants.
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	req, err := readTokenRequest(r)
	if err != nil {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "The body is not a valid JSON object.")
		return
	}
	if req.ClientID != s.opts.ClientID ||
		subtle.ConstantTimeCompare([]byte(req.ClientSecret), []byte(s.opts.ClientSecret)) != 1 {
		writeOAuthError(w, http.StatusUnauthorized, "access_denied", "Unauthorized")
		return
	}
	switch req.GrantType {
	case "authorization_code":
		s.exchangeCode(w, req)
	case "refresh_token":
		s.refresh(w, req)
	default:
		writeOAuthError(w, http.StatusBadRequest, "unsupported_grant_type",
			fmt.Sprintf("Unsupported grant_type %q: use authorization_code or refresh_token.", req.GrantType))
	}
}

func (s *Server) exchangeCode(w http.ResponseWriter, req tokenRequest) {
	now := s.now()
	a := s.auth
	a.mu.Lock()
	defer a.mu.Unlock()
	rec, ok := a.codes[req.Code]
	switch {
	case !ok || rec.used || !now.Before(rec.expires) || rec.grant.revoked:
		writeOAuthError(w, http.StatusForbidden, "invalid_grant", "Invalid authorization code")
		return
	case rec.clientID != req.ClientID || rec.redirectURI != req.RedirectURI:
		writeOAuthError(w, http.StatusForbidden, "invalid_grant", "The redirect_uri does not match the authorization request.")
		return
	}
	rec.used = true
	writeTokenPair(w, a.issuePair(rec.grant, now, s.opts.AccessTokenTTL, true))
}

// refresh rotates a refresh token. The token sent stays usable for
// RefreshGrace after its first rotation; reuse after that revokes the grant,
// as Atlassian does to stop a stolen token.
func (s *Server) refresh(w http.ResponseWriter, req tokenRequest) {
	now := s.now()
	a := s.auth
	a.mu.Lock()
	defer a.mu.Unlock()
	rec, ok := a.refresh[req.RefreshToken]
	valid := ok && !rec.grant.revoked &&
		now.Before(rec.grant.consentAt.Add(grantLifetime)) &&
		now.Before(rec.issued.Add(refreshInactivity))
	if valid && !rec.rotatedAt.IsZero() && now.Sub(rec.rotatedAt) > s.opts.RefreshGrace {
		rec.grant.revoked = true
		valid = false
	}
	if !valid {
		writeOAuthError(w, http.StatusForbidden, "invalid_grant", "Unknown or invalid refresh token.")
		return
	}
	if s.opts.OmitRefreshTokenOnRefresh {
		writeTokenPair(w, a.issuePair(rec.grant, now, s.opts.AccessTokenTTL, false))
		return
	}
	if rec.rotatedAt.IsZero() {
		rec.rotatedAt = now
	}
	writeTokenPair(w, a.issuePair(rec.grant, now, s.opts.AccessTokenTTL, true))
}

func writeTokenPair(w http.ResponseWriter, p tokenPair) {
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, p)
}
