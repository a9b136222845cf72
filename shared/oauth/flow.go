package oauth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"golang.org/x/oauth2"

	"github.com/idgov/atlassian-cloud-connector/shared/connection"
	"github.com/idgov/atlassian-cloud-connector/shared/secrets"
)

// Audience is the authorize request's audience for Atlassian's cloud APIs.
const Audience = "api.atlassian.com"

// SyncStarter starts a sync of a connection. Implementations must be
// idempotent for a given (key, trigger): the callback passes a trigger that
// is unique per consent and repeats it when retried, so it can name the
// Step Functions execution.
type SyncStarter interface {
	StartSync(ctx context.Context, key connection.Key, trigger string) (runID string, err error)
}

// Flow configures connections and runs the authorization code grant: the
// authorize URL and the callback.
type Flow struct {
	Connections *connection.Store
	States      *StateStore
	Secrets     *secrets.Store
	// Sync starts the first full sync after consent, whatever the schedule.
	Sync SyncStarter
	// AuthURL is the authorization server's base URL, such as
	// https://auth.atlassian.com (atlassian.AuthURLFromEnv).
	AuthURL string
	// APIURL is the base URL of accessible-resources and the REST API,
	// such as https://api.atlassian.com (atlassian.APIURLFromEnv).
	APIURL string
	// HTTPClient sends the token and accessible-resources requests; nil
	// means a client with a 30-second timeout.
	HTTPClient *http.Client
	// TenantHostSuffix maps a callback's host name to its tenant: with
	// ".connect.example.com", host acme.connect.example.com is tenant acme.
	// Empty rejects every callback that arrives through HandleCallback.
	TenantHostSuffix string
	// Logger nil means slog.Default().
	Logger *slog.Logger
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

var defaultHTTPClient = &http.Client{Timeout: 30 * time.Second}

func (f *Flow) now() time.Time {
	if f.Now != nil {
		return f.Now().UTC()
	}
	return time.Now().UTC()
}

func (f *Flow) logger() *slog.Logger {
	if f.Logger != nil {
		return f.Logger
	}
	return slog.Default()
}

func (f *Flow) httpClient() *http.Client {
	if f.HTTPClient != nil {
		return f.HTTPClient
	}
	return defaultHTTPClient
}

// Configure validates a new connection, stores it in status pending and
// stores its client secret. An empty cfg.ID takes the tenant's next unused
// identifier and nil cfg.Scopes takes RequiredScopes. Configuring a pending
// connection again with the same site, client ID and redirect URL replaces
// its client secret and settings, so a failed attempt can be repeated.
func (f *Flow) Configure(ctx context.Context, cfg connection.Config) (connection.Connection, error) {
	if cfg.Scopes == nil {
		cfg.Scopes = RequiredScopes
	}
	assignID := cfg.ID == ""
	const maxAttempts = 5
	for attempt := 1; ; attempt++ {
		if assignID {
			id, err := f.Connections.NextIdentifier(ctx, cfg.Tenant)
			if err != nil {
				return connection.Connection{}, err
			}
			cfg.ID = id
		}
		conn, err := connection.NewConnection(cfg, f.now())
		if err != nil {
			return connection.Connection{}, err
		}
		err = f.Connections.Create(ctx, conn)
		var taken *connection.IDTakenError
		if errors.As(err, &taken) {
			if assignID && attempt < maxAttempts {
				continue // another request took the identifier first
			}
			conn, err = f.reconfigurePending(ctx, conn, err)
		}
		if err != nil {
			return connection.Connection{}, err
		}
		if err := f.Secrets.PutClientSecret(ctx, conn.Key, cfg.ClientSecret); err != nil {
			return connection.Connection{}, fmt.Errorf("connection %s is stored but its client secret is not; configure it again: %w", conn.Key, err)
		}
		f.logger().InfoContext(ctx, "connection configured", "connection", cfg, "status", conn.Status)
		return conn, nil
	}
}

// reconfigurePending updates the settings of an existing pending connection
// that matches conn, and returns takenErr for any other existing connection.
func (f *Flow) reconfigurePending(ctx context.Context, conn connection.Connection, takenErr error) (connection.Connection, error) {
	existing, err := f.Connections.Get(ctx, conn.Key)
	if err != nil {
		return connection.Connection{}, takenErr
	}
	same := existing.Status == connection.StatusPending && existing.SiteURL == conn.SiteURL &&
		existing.ClientID == conn.ClientID && existing.RedirectURL == conn.RedirectURL
	if !same {
		return connection.Connection{}, takenErr
	}
	return f.Connections.UpdateSettings(ctx, conn.Key, connection.Settings{
		Schedule:     conn.Schedule,
		UserSettings: conn.UserSettings,
		ReturnURL:    conn.ReturnURL,
	})
}

// AuthorizeURL returns the Atlassian authorize URL for the connection,
// carrying the given state.
func AuthorizeURL(authBaseURL string, conn connection.Connection, state string) string {
	cfg := oauth2.Config{
		ClientID:    conn.ClientID,
		Endpoint:    endpoint(authBaseURL),
		RedirectURL: conn.RedirectURL,
		Scopes:      conn.Scopes,
	}
	return cfg.AuthCodeURL(state,
		oauth2.SetAuthURLParam("audience", Audience),
		oauth2.SetAuthURLParam("prompt", "consent"))
}

// Begin stores a new state for the connection and returns the authorize
// URL to send the site admin to. The URL is valid for StateTTL and once.
func (f *Flow) Begin(ctx context.Context, key connection.Key) (string, error) {
	conn, err := f.Connections.Get(ctx, key)
	if err != nil {
		return "", err
	}
	if conn.Status == connection.StatusRemoved {
		return "", &connection.RemovedError{Key: key}
	}
	state, err := f.States.Create(ctx, key)
	if err != nil {
		return "", err
	}
	f.logger().InfoContext(ctx, "authorization started", "tenant", key.Tenant, "connectionId", key.ID)
	return AuthorizeURL(f.AuthURL, conn, state), nil
}
