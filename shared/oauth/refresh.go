package oauth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/idgov/atlassian-cloud-connector/shared/connection"
	"github.com/idgov/atlassian-cloud-connector/shared/secrets"
)

// storeAttempts and storeTimeout bound the writes of a rotated pair.
const (
	storeAttempts = 4
	storeTimeout  = 20 * time.Second
)

func (p *TokenProvider) httpClient() *http.Client {
	if p.HTTPClient != nil {
		return p.HTTPClient
	}
	return defaultHTTPClient
}

// refresh trades the stored refresh token for a new pair and stores it. The
// caller holds the lease. It sends no request when the grant is past its
// absolute expiry or the connection already needs consent, so a dead grant
// is never retried in a loop.
func (p *TokenProvider) refresh(ctx context.Context, key connection.Key, stored secrets.Tokens) (secrets.Tokens, error) {
	now := p.now()
	if !stored.ConsentedAt.IsZero() && !now.Before(stored.ConsentedAt.Add(GrantLifetime)) {
		return secrets.Tokens{}, p.requireReconsent(ctx, key, "the grant expired 365 days after consent")
	}

	conn, err := p.Connections.Get(ctx, key)
	if err != nil {
		return secrets.Tokens{}, err
	}

	switch conn.Status {
	case connection.StatusRemoved:
		return secrets.Tokens{}, &connection.RemovedError{Key: key}
	case connection.StatusReconsentRequired:
		reason := conn.StatusReason
		if reason == "" {
			reason = "the connection is marked reconsent_required"
		}
		return secrets.Tokens{}, &ReconsentRequiredError{Key: key, Reason: reason}
	}

	clientSecret, err := p.Secrets.ClientSecret(ctx, key)
	if err != nil {
		return secrets.Tokens{}, err
	}

	requestCtx, cancel := context.WithTimeout(ctx, p.leaseDuration()/2)
	defer cancel()
	issued, err := requestToken(requestCtx, p.httpClient(), endpoint(p.AuthURL).TokenURL, map[string]string{
		"grant_type":    grantRefreshToken,
		"client_id":     conn.ClientID,
		"client_secret": clientSecret,
		"refresh_token": stored.RefreshToken,
	}, now)
	var tokenErr *TokenError
	if errors.As(err, &tokenErr) && tokenErr.Code == "invalid_grant" {
		return secrets.Tokens{}, p.requireReconsent(ctx, key, "Atlassian rejected the refresh token (invalid_grant)")
	}

	if err != nil {
		return secrets.Tokens{}, fmt.Errorf("refresh token of %s: %w", key, err)
	}

	next := secrets.Tokens{
		AccessToken:  issued.Token.AccessToken,
		RefreshToken: issued.Token.RefreshToken,
		TokenType:    issued.Token.TokenType,
		Expiry:       issued.Token.Expiry,
		Scope:        issued.Scope,
		ConsentedAt:  stored.ConsentedAt,
		RefreshedAt:  now.UTC(),
	}

	if next.RefreshToken == "" {
		// Some Atlassian responses omit refresh_token, and then the one sent stays valid.
		next.RefreshToken = stored.RefreshToken
		p.logger().InfoContext(ctx, "refresh response has no refresh token; keeping the current one",
			"tenant", key.Tenant, "connectionId", key.ID)
	}

	if next.Scope == "" {
		next.Scope = stored.Scope
	}

	if err := p.storeRotated(ctx, key, next); err != nil {
		return secrets.Tokens{}, err
	}

	p.logger().InfoContext(ctx, "token refreshed", "tenant", key.Tenant, "connectionId", key.ID, "expiry", next.Expiry)
	return next, nil
}

// storeRotated writes the new pair, retrying briefly, and ignores the
// caller's cancellation: Atlassian has already rotated the refresh token,
// and losing the new one forces a new consent once the old one's grace
// period ends.
func (p *TokenProvider) storeRotated(ctx context.Context, key connection.Key, next secrets.Tokens) error {
	storeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
	defer cancel()
	var err error
	for attempt := range storeAttempts {
		if err = p.Secrets.PutTokens(storeCtx, key, next); err == nil {
			return nil
		}
		p.logger().WarnContext(ctx, "storing refreshed tokens failed; retrying",
			"tenant", key.Tenant, "connectionId", key.ID, "attempt", attempt+1, "error", err.Error())
		if sleepContext(storeCtx, waitBackoff(attempt+2)) != nil {
			break
		}
	}
	return fmt.Errorf("refreshed tokens of %s could not be stored, so the new access token is not used: %w", key, err)
}

// requireReconsent marks the connection reconsent_required and returns a
// *ReconsentRequiredError with the reason.
func (p *TokenProvider) requireReconsent(ctx context.Context, key connection.Key, reason string) error {
	if _, err := p.Connections.SetStatus(ctx, key, connection.StatusReconsentRequired, reason); err != nil {
		p.logger().ErrorContext(ctx, "marking connection reconsent_required failed",
			"tenant", key.Tenant, "connectionId", key.ID, "error", err.Error())
	}
	p.logger().WarnContext(ctx, "connection needs consent again", "tenant", key.Tenant, "connectionId", key.ID, "reason", reason)
	return &ReconsentRequiredError{Key: key, Reason: reason}
}
