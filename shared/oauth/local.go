package oauth

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/idgov/atlassian-cloud-connector/shared/connection"
	"github.com/idgov/atlassian-cloud-connector/shared/secrets"
)

// LocalConnectOptions configure ConnectLocally.
type LocalConnectOptions struct {
	// Config is the connection to configure. An empty ID takes the
	// tenant's next unused identifier, and an empty RedirectURL becomes
	// http://<listen address>/application/oauthProcessCode/<id>.
	Config connection.Config
	// Reconnect skips configuration and consents again for the existing
	// connection Config.Key, listening on the host and port of its
	// redirect URL, which must be http on a loopback address.
	Reconnect bool

	Connections *connection.Store
	States      *StateStore
	Secrets     *secrets.Store
	Sync        SyncStarter
	AuthURL     string
	APIURL      string
	HTTPClient  *http.Client

	// Listen is the callback server's address; empty means 127.0.0.1:0
	// (a free port). Only loopback addresses are accepted.
	Listen string
	// Out receives the authorize URL to open; nil means standard error.
	Out io.Writer
	// Headless makes ConnectLocally request the authorize URL itself and
	// follow the redirects, which completes against an authorization server
	// that consents without a person (the simulator's ConsentAuto).
	Headless bool
	Logger   *slog.Logger
	Now      func() time.Time
}

// LocalConnectResult is a completed local connect.
type LocalConnectResult struct {
	Connection connection.Connection
	// RunID is the first sync's run; empty when it did not start.
	RunID   string
	Outcome *Outcome
}

// ConnectLocally configures a connection (unless Reconnect), prints the
// authorize URL, serves the callback on a loopback port and returns when
// the first callback has been processed or ctx ends. The tenant comes from
// the options, not from a host name. A callback that does not connect
// returns an error with the page's explanation.
func ConnectLocally(ctx context.Context, opts LocalConnectOptions) (LocalConnectResult, error) {
	flow := &Flow{
		Connections: opts.Connections, States: opts.States, Secrets: opts.Secrets, Sync: opts.Sync,
		AuthURL: opts.AuthURL, APIURL: opts.APIURL, HTTPClient: opts.HTTPClient, Logger: opts.Logger, Now: opts.Now,
	}
	conn, listener, err := prepareLocalConnection(ctx, flow, opts)
	if err != nil {
		return LocalConnectResult{}, err
	}
	defer listener.Close()

	key := conn.Key
	callbackURL, err := url.Parse(conn.RedirectURL)
	if err != nil {
		return LocalConnectResult{}, fmt.Errorf("local connect: redirect URL %q of %s is invalid: %w", conn.RedirectURL, key, err)
	}
	authorizeURL, err := flow.Begin(ctx, key)
	if err != nil {
		return LocalConnectResult{}, err
	}

	outcomes := make(chan *Outcome, 1)
	server := &http.Server{
		Handler: flow.callbackHandler(key, callbackURL.Path, func(o *Outcome) {
			select {
			case outcomes <- o:
			default:
			}
		}),
		ReadHeaderTimeout: 10 * time.Second,
	}
	go func() { _ = server.Serve(listener) }()
	defer func() {
		shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		_ = server.Shutdown(shutdownCtx)
	}()

	out := opts.Out
	if out == nil {
		out = os.Stderr
	}
	fmt.Fprintf(out, "Open this URL in a browser and approve access for %s (valid for %s):\n%s\n", key, StateTTL, authorizeURL)
	headlessErr := make(chan error, 1)
	if opts.Headless {
		go func() { headlessErr <- followAuthorize(ctx, flow.httpClient(), authorizeURL, listener.Addr().String()) }()
	}

	select {
	case o := <-outcomes:
		return localResult(o)
	case err := <-headlessErr:
		if err == nil {
			// The redirect reached the callback; its outcome is on the way.
			select {
			case o := <-outcomes:
				return localResult(o)
			case <-ctx.Done():
				return LocalConnectResult{}, fmt.Errorf("local connect of %s: %w", key, ctx.Err())
			}
		}
		return LocalConnectResult{}, err
	case <-ctx.Done():
		return LocalConnectResult{}, fmt.Errorf("local connect of %s: no callback arrived: %w", key, ctx.Err())
	}
}

// prepareLocalConnection opens the callback listener and returns the
// connection to consent for: the existing one for Reconnect, or else a new
// one whose redirect URL defaults to the listener's address.
func prepareLocalConnection(ctx context.Context, flow *Flow, opts LocalConnectOptions) (connection.Connection, net.Listener, error) {
	var conn connection.Connection
	var err error
	listenAddr := opts.Listen
	if opts.Reconnect {
		if conn, err = opts.Connections.Get(ctx, opts.Config.Key); err != nil {
			return conn, nil, err
		}
		if listenAddr, err = loopbackAddress(conn.RedirectURL); err != nil {
			return conn, nil, err
		}
	}
	listener, err := listenLoopback(listenAddr)
	if err != nil || opts.Reconnect {
		return conn, listener, err
	}

	cfg := opts.Config
	if cfg.ID == "" {
		// The callback URL contains the identifier, so it is chosen first.
		if cfg.ID, err = opts.Connections.NextIdentifier(ctx, cfg.Tenant); err != nil {
			listener.Close()
			return conn, nil, err
		}
	}
	if cfg.RedirectURL == "" {
		cfg.RedirectURL = "http://" + listener.Addr().String() + CallbackPathPrefix + cfg.ID
	}
	if conn, err = flow.Configure(ctx, cfg); err != nil {
		listener.Close()
		return conn, nil, err
	}
	return conn, listener, nil
}

func localResult(o *Outcome) (LocalConnectResult, error) {
	result := LocalConnectResult{RunID: o.RunID, Outcome: o}
	if o.Connection != nil {
		result.Connection = *o.Connection
	}
	if !o.Connected() {
		return result, fmt.Errorf("connect %s: %s: %s (%w)", o.Key, o.Title, o.Detail, o.Err)
	}
	return result, nil
}

// followAuthorize requests the authorize URL and follows its redirects. It
// returns nil once a redirect reached the callback server at callbackHost.
func followAuthorize(ctx context.Context, client *http.Client, authorizeURL, callbackHost string) error {
	following := *client
	following.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		// Stop at the callback's response, so that a redirect to the
		// connection's return URL is not followed off this machine.
		if len(via) >= 10 || via[len(via)-1].URL.Host == callbackHost {
			return http.ErrUseLastResponse
		}
		return nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, authorizeURL, nil)
	if err != nil {
		return fmt.Errorf("headless consent: build request: %w", err)
	}
	resp, err := following.Do(req)
	if err != nil {
		return fmt.Errorf("headless consent: request the authorize URL: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	if resp.Request.URL.Host != callbackHost {
		return fmt.Errorf("headless consent: the authorization server returned HTTP %d at %s without redirecting to the callback; it needs a person, so run without headless mode",
			resp.StatusCode, resp.Request.URL.Redacted())
	}
	return nil
}

func listenLoopback(addr string) (net.Listener, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("local connect: listen address %q is not host:port: %w", addr, err)
	}
	if !isLoopbackHost(host) {
		return nil, fmt.Errorf("local connect: listen address %q is not a loopback address; use 127.0.0.1:<port>", addr)
	}
	listener, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("local connect: listen on %s: %w", addr, err)
	}
	return listener, nil
}

// loopbackAddress returns the host:port of an http redirect URL on a
// loopback address.
func loopbackAddress(redirectURL string) (string, error) {
	u, err := url.Parse(redirectURL)
	if err != nil || u.Scheme != "http" || !isLoopbackHost(u.Hostname()) || u.Port() == "" {
		return "", fmt.Errorf("local reconnect: redirect URL %q is not http://127.0.0.1:<port>/...; configure the connection for local use first", redirectURL)
	}
	return u.Host, nil
}

func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
