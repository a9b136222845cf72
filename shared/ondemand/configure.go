package ondemand

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/idgov/atlassian-cloud-connector/shared/connection"
	"github.com/idgov/atlassian-cloud-connector/shared/schedule"
)

// ConfigureResult is the result of configureConnection.
type ConfigureResult struct {
	Connection ConnectionView `json:"connection"`
	// Created is true when this request created the connection.
	Created bool `json:"created"`
	// AuthorizeURL is the consent page for a site admin. It is valid for ten
	// minutes and once; a connected connection needs it only to consent
	// again.
	AuthorizeURL string          `json:"authorizeUrl"`
	Schedule     schedule.Change `json:"schedule"`
}

// configure creates a connection, or changes an existing one: a pending
// connection is configured again (oauth.Flow.Configure), and a connected
// one gets new settings and, when given, a new client secret. Then the
// schedule is made to match.
func (s *Service) configure(ctx context.Context, r *ConfigureRequest) (*ConfigureResult, error) {
	var (
		existing connection.Connection
		found    bool
	)
	if r.ConnectionID != "" {
		conn, err := s.Connections.Get(ctx, r.Key())
		var notFound *connection.NotFoundError
		switch {
		case errors.As(err, &notFound):
		case err != nil:
			return nil, err
		default:
			existing, found = conn, true
		}
	}
	var (
		conn connection.Connection
		err  error
	)
	switch {
	case found && existing.Status == connection.StatusRemoved:
		return nil, &connection.RemovedError{Key: existing.Key}
	case found && existing.Status != connection.StatusPending:
		conn, err = s.reconfigureConnected(ctx, existing, r)
	case found:
		// The store can change only the settings of a pending connection, so
		// a changed site, client ID or redirect URL is rejected here.
		if err := checkFixedFields(existing, r); err != nil {
			return nil, err
		}
		conn, err = s.Flow.Configure(ctx, s.newConfig(r, existing, found))
	default:
		conn, err = s.Flow.Configure(ctx, s.newConfig(r, existing, found))
	}
	if err != nil {
		return nil, err
	}
	change, err := s.Schedules.Apply(ctx, conn)
	if err != nil {
		return nil, fmt.Errorf("connection %s is stored but its schedule is not; send configureConnection again: %w", conn.Key, err)
	}
	authorizeURL, err := s.Flow.Begin(ctx, conn.Key)
	if err != nil {
		return nil, err
	}
	return &ConfigureResult{
		Connection: viewConnection(conn, s.now()), Created: !found, AuthorizeURL: authorizeURL, Schedule: change,
	}, nil
}

// newConfig builds the configuration of a new or pending connection. Fields
// left out of a request for a pending connection keep their stored values,
// except the client secret, which must be sent again.
func (s *Service) newConfig(r *ConfigureRequest, existing connection.Connection, found bool) connection.Config {
	cfg := connection.Config{
		Key: r.Key(), SiteURL: r.SiteURL, ClientID: r.ClientID, ClientSecret: r.ClientSecret,
		RedirectURL: r.RedirectURL, UserSettings: r.UserSettings,
		Schedule: connection.Schedule{Expression: connection.ScheduleManual},
	}
	if found {
		cfg.SiteURL = orDefault(cfg.SiteURL, existing.SiteURL)
		cfg.ClientID = orDefault(cfg.ClientID, existing.ClientID)
		cfg.RedirectURL = orDefault(cfg.RedirectURL, existing.RedirectURL)
		cfg.ReturnURL, cfg.Schedule = existing.ReturnURL, existing.Schedule
		if cfg.UserSettings == nil {
			users := existing.UserSettings
			cfg.UserSettings = &users
		}
	}
	if r.ReturnURL != nil {
		cfg.ReturnURL = *r.ReturnURL
	}
	if r.Schedule != nil {
		cfg.Schedule = *r.Schedule
	}
	return cfg
}

func orDefault(value, fallback string) string {
	if value == "" {
		return fallback
	}
	return value
}

// checkFixedFields rejects a request that changes the site, client ID or
// redirect URL of an existing connection. After consent they are bound to
// the grant, and before it the store has no way to change them.
func checkFixedFields(existing connection.Connection, r *ConfigureRequest) error {
	if r.SiteURL != "" {
		site, err := connection.NormalizeSiteURL(r.SiteURL)
		if err != nil {
			return err
		}
		if site != existing.SiteURL {
			return fixed("siteUrl", existing.SiteURL, existing)
		}
	}
	if r.ClientID != "" && strings.TrimSpace(r.ClientID) != existing.ClientID {
		return fixed("clientId", existing.ClientID, existing)
	}
	if r.RedirectURL != "" && r.RedirectURL != existing.RedirectURL {
		return fixed("redirectUrl", existing.RedirectURL, existing)
	}
	return nil
}

// reconfigureConnected changes the settings of a connection that has
// consented. Its site, client ID and redirect URL are bound to the grant,
// so they cannot change; a different one needs a new connection.
func (s *Service) reconfigureConnected(ctx context.Context, existing connection.Connection, r *ConfigureRequest) (connection.Connection, error) {
	if err := checkFixedFields(existing, r); err != nil {
		return existing, err
	}
	settings := connection.Settings{Schedule: existing.Schedule, UserSettings: existing.UserSettings, ReturnURL: existing.ReturnURL}
	if r.Schedule != nil {
		settings.Schedule = *r.Schedule
	}
	if r.UserSettings != nil {
		settings.UserSettings = *r.UserSettings
	}
	if r.ReturnURL != nil {
		settings.ReturnURL = *r.ReturnURL
	}
	conn, err := s.Connections.UpdateSettings(ctx, existing.Key, settings)
	if err != nil {
		return conn, err
	}
	if strings.TrimSpace(r.ClientSecret) != "" {
		if err := s.Secrets.PutClientSecret(ctx, conn.Key, r.ClientSecret); err != nil {
			return conn, fmt.Errorf("the settings of connection %s are stored but its new client secret is not; send configureConnection again: %w", conn.Key, err)
		}
	}
	s.logger().InfoContext(ctx, "connection settings changed", "tenant", conn.Tenant, "connectionId", conn.ID,
		"status", conn.Status, "clientSecretReplaced", strings.TrimSpace(r.ClientSecret) != "")
	return conn, nil
}

func fixed(field, stored string, existing connection.Connection) *Error {
	return newError(CodeInvalidField, field,
		"%s of connection %s (%s) cannot be changed once the connection is configured: leave it out or send the stored value %q, or disconnect the connection and configure a new one",
		field, existing.Key, existing.Status, stored)
}
