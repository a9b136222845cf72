package secrets

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/idgov/atlassian-cloud-connector/shared/connection"
)

// Tokens is a connection's OAuth token pair as stored in Secrets Manager.
// Its String, GoString and LogValue methods leave the tokens out, so
// formatting or logging a Tokens value does not leak them.
type Tokens struct {
	AccessToken  string    `json:"accessToken"`
	RefreshToken string    `json:"refreshToken"`
	TokenType    string    `json:"tokenType,omitempty"`
	Expiry       time.Time `json:"expiry"`
	// Scope is the space-separated list of scopes granted with the tokens.
	Scope string `json:"scope,omitempty"`
	// ConsentedAt is when the customer consented; the grant's refresh
	// tokens expire 365 days after it.
	ConsentedAt time.Time `json:"consentedAt"`
	// RefreshedAt is when the pair was last refreshed; zero until then.
	RefreshedAt time.Time `json:"refreshedAt,omitzero"`
}

// String describes the pair without its tokens.
func (t Tokens) String() string {
	return fmt.Sprintf("tokens{expiry: %s, consentedAt: %s, refreshedAt: %s}",
		t.Expiry.Format(time.RFC3339), t.ConsentedAt.Format(time.RFC3339), t.RefreshedAt.Format(time.RFC3339))
}

// GoString is String, so that %#v does not print the tokens either.
func (t Tokens) GoString() string { return t.String() }

// LogValue logs the times only.
func (t Tokens) LogValue() slog.Value {
	return slog.GroupValue(
		slog.Time("expiry", t.Expiry),
		slog.Time("consentedAt", t.ConsentedAt),
		slog.Time("refreshedAt", t.RefreshedAt),
	)
}

// PutTokens stores a new version of the connection's token pair.
func (s *Store) PutTokens(ctx context.Context, key connection.Key, tokens Tokens) error {
	if err := key.Validate(); err != nil {
		return err
	}
	if tokens.AccessToken == "" || tokens.RefreshToken == "" {
		return fmt.Errorf("store tokens of %s: the access or refresh token is empty; the authorization server must issue both (request offline_access)", key)
	}
	body, err := json.Marshal(tokens)
	if err != nil {
		return fmt.Errorf("encode tokens of %s: %w", key, err)
	}
	return s.put(ctx, key, s.TokensName(key), "OAuth tokens of Jira Cloud connection "+key.String(), string(body))
}

// Tokens reads the connection's token pair. It returns *NotFoundError when
// the connection has never been connected or its tokens were deleted.
func (s *Store) Tokens(ctx context.Context, key connection.Key) (Tokens, error) {
	name := s.TokensName(key)
	body, err := s.get(ctx, name)
	if err != nil {
		return Tokens{}, err
	}
	var tokens Tokens
	// The decode error is dropped because its text can quote characters of
	// the secret value.
	if json.Unmarshal([]byte(body), &tokens) != nil {
		return Tokens{}, fmt.Errorf("read secret %s: it is not a JSON token pair; connect the connection again", name)
	}
	return tokens, nil
}
