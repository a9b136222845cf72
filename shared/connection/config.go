package connection

import (
	"log/slog"
	"strings"
	"time"
)

// Config is what a customer enters to configure a connection. The client
// secret goes to Secrets Manager; the rest becomes the Connection record.
type Config struct {
	Key
	SiteURL      string
	ClientID     string
	ClientSecret string
	// RedirectURL is the callback URL registered for the OAuth app in the
	// Atlassian developer console; the authorize request must repeat it.
	RedirectURL string
	// ReturnURL, when set, is where the callback redirects the browser
	// after consent, with a status parameter, in place of its own page.
	ReturnURL string
	Schedule  Schedule
	// UserSettings nil means DefaultUserSettings: every kind of account.
	UserSettings *UserSettings
	// Scopes are the OAuth scopes the connection requests.
	Scopes []string
}

// LogValue leaves the client secret out of log records.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("tenant", c.Tenant),
		slog.String("connectionId", c.ID),
		slog.String("siteUrl", c.SiteURL),
		slog.String("clientId", c.ClientID),
	)
}

// NewConnection validates the configuration and returns the connection
// record in status pending. Every error is a *ValidationError that names the
// field; none contains the client secret.
func NewConnection(cfg Config, now time.Time) (Connection, error) {
	if err := cfg.Key.Validate(); err != nil {
		return Connection{}, err
	}
	site, err := NormalizeSiteURL(cfg.SiteURL)
	if err != nil {
		return Connection{}, err
	}
	clientID := strings.TrimSpace(cfg.ClientID)
	if clientID == "" {
		return Connection{}, invalid("clientId", "missing; copy the client ID from your app's Settings page in the Atlassian developer console")
	}
	if strings.TrimSpace(cfg.ClientSecret) == "" {
		return Connection{}, invalid("clientSecret", "missing; copy the secret from your app's Settings page in the Atlassian developer console")
	}
	if err := validateCallbackURL("redirectUrl", cfg.RedirectURL); err != nil {
		return Connection{}, err
	}
	if cfg.ReturnURL != "" {
		if err := validateCallbackURL("returnUrl", cfg.ReturnURL); err != nil {
			return Connection{}, err
		}
	}
	schedule, err := cfg.Schedule.Normalize()
	if err != nil {
		return Connection{}, err
	}
	if len(cfg.Scopes) == 0 {
		return Connection{}, invalid("scopes", "missing; request the connector's required scopes")
	}
	users := DefaultUserSettings()
	if cfg.UserSettings != nil {
		users = *cfg.UserSettings
	}
	now = now.UTC()
	return Connection{
		Key:          cfg.Key,
		SiteURL:      site,
		ClientID:     clientID,
		RedirectURL:  cfg.RedirectURL,
		ReturnURL:    cfg.ReturnURL,
		Scopes:       append([]string(nil), cfg.Scopes...),
		Schedule:     schedule,
		UserSettings: users,
		Status:       StatusPending,
		CreatedAt:    now,
		UpdatedAt:    now,
	}, nil
}
