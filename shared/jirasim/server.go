package jirasim

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"
)

// ConsentMode sets how GET /authorize responds.
type ConsentMode int

const (
	// ConsentAuto redirects to redirect_uri at once with a code and the state.
	ConsentAuto ConsentMode = iota
	// ConsentDecline redirects with error=access_denied, as when the user
	// cancels consent.
	ConsentDecline
	// ConsentPage shows an HTML page with Approve and Decline links, for a
	// person in a browser.
	ConsentPage
)

// Options configure a Server. The zero value of each field has a usable default.
type Options struct {
	ClientID     string
	ClientSecret string
	// CallbackURL is the redirect URI registered for the app. When set,
	// /authorize and the code exchange reject any other redirect_uri; when
	// empty, any absolute http(s) URL is accepted.
	CallbackURL    string
	Consent        ConsentMode
	GrantedScopes  []string      // nil grants the requested scopes
	AccessTokenTTL time.Duration // default 1h
	// RefreshGrace is how long a rotated refresh token keeps working;
	// default 10m. Reuse after the grace revokes the whole grant.
	RefreshGrace time.Duration
	// OmitRefreshTokenOnRefresh leaves refresh_token out of refresh responses
	// (the code exchange still returns one). The refresh token sent stays
	// valid and is not rotated.
	OmitRefreshTokenOnRefresh bool
	RateLimit                 RateLimit        // zero value = unlimited
	Now                       func() time.Time // default time.Now
	Logger                    *slog.Logger     // default: discard
}

// Server is a simulated Jira Cloud site plus Atlassian's auth server.
type Server struct {
	opts    Options
	handler http.Handler
	log     *slog.Logger

	mu   sync.Mutex // guards data and idx
	data *Dataset
	idx  *index

	auth     *authState
	limiter  *rateLimiter
	faults   *faultSet
	recorder *requestLog

	httpServer *http.Server
	listener   net.Listener
	serveDone  chan struct{}
}

// New returns a server for d. The server owns d from now on: change it only
// through Mutate.
func New(d *Dataset, opts Options) *Server {
	if opts.AccessTokenTTL <= 0 {
		opts.AccessTokenTTL = time.Hour
	}
	if opts.RefreshGrace <= 0 {
		opts.RefreshGrace = 10 * time.Minute
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if d == nil {
		d = &Dataset{}
	}
	s := &Server{
		opts:     opts,
		log:      opts.Logger,
		data:     d,
		auth:     newAuthState(),
		limiter:  newRateLimiter(opts.RateLimit),
		faults:   newFaultSet(),
		recorder: &requestLog{},
	}
	s.handler = s.routes()
	return s
}

// Start returns a running server for d that listens on 127.0.0.1 at a free port.
func Start(d *Dataset, opts Options) (*Server, error) {
	s := New(d, opts)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen on 127.0.0.1 for the Jira simulator: %w", err)
	}
	s.Serve(l)
	return s, nil
}

// Serve serves requests on l in a new goroutine until Close.
func (s *Server) Serve(l net.Listener) {
	s.listener = l
	s.httpServer = &http.Server{Handler: s.handler, ReadHeaderTimeout: 10 * time.Second}
	s.serveDone = make(chan struct{})
	go func() {
		defer close(s.serveDone)
		if err := s.httpServer.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("jira simulator stopped", "addr", l.Addr().String(), "error", err)
		}
	}()
}

// Handler returns the HTTP handler for both the auth paths and the API paths.
func (s *Server) Handler() http.Handler { return s.handler }

// URL returns the base URL of a server started with Start or Serve, such as
// "http://127.0.0.1:41234", or "" for one that is not listening.
func (s *Server) URL() string {
	if s.listener == nil {
		return ""
	}
	return "http://" + s.listener.Addr().String()
}

// Close stops a listening server and closes its connections.
func (s *Server) Close() {
	if s.httpServer == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := s.httpServer.Shutdown(ctx); err != nil {
		_ = s.httpServer.Close()
	}
	<-s.serveDone
}

// Mutate runs f on the live dataset while no request reads it.
func (s *Server) Mutate(f func(d *Dataset)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(s.data)
	s.idx = nil
}

// Dataset returns a deep copy of the current data.
func (s *Server) Dataset() *Dataset {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.data.Clone()
}

// InjectFault adds f to the faults checked for every request. Faults are
// checked in the order they were added, and the first that fires applies.
func (s *Server) InjectFault(f Fault) { s.faults.add(f) }

// ClearFaults removes every injected fault.
func (s *Server) ClearFaults() { s.faults.clear() }

// Requests returns every request received since the start or the last
// ResetRequests, oldest first.
func (s *Server) Requests() []RecordedRequest { return s.recorder.list() }

// ResetRequests clears the recorded requests.
func (s *Server) ResetRequests() { s.recorder.reset() }

// IssuedSecrets returns every access token, refresh token and authorization
// code the server has issued, so tests can check that none leaks into logs
// or payloads.
func (s *Server) IssuedSecrets() []string { return s.auth.issuedSecrets() }

// RevokeGrant revokes every grant, as if the user revoked the app's consent:
// access tokens stop working and refreshes fail with invalid_grant.
func (s *Server) RevokeGrant() { s.auth.revokeAll() }

func (s *Server) now() time.Time { return s.opts.Now() }

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /authorize", s.handleAuthorize)
	mux.HandleFunc("GET /authorize/approve", s.handleConsentApprove)
	mux.HandleFunc("GET /authorize/decline", s.handleConsentDecline)
	mux.HandleFunc("POST /oauth/token", s.handleToken)
	mux.HandleFunc("GET /oauth/token/accessible-resources", s.handleAccessibleResources)
	mux.Handle("/ex/jira/{cloudId}/rest/api/3/", s.apiHandler())
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeErrors(w, http.StatusNotFound, fmt.Sprintf("No resource at %s %s.", r.Method, r.URL.Path))
	})
	return s.recordRequests(s.applyFaults(mux))
}
