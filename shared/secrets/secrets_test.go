package secrets

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/idgov/atlassian-cloud-connector/shared/connection"
	"github.com/idgov/atlassian-cloud-connector/shared/localaws"
)

var testKey = connection.Key{Tenant: "acme", ID: "atlassian-cloud"}

func TestNames(t *testing.T) {
	cases := []struct {
		prefix, clientSecret, tokens string
	}{
		{"", "atlassian-cloud-connector/acme/atlassian-cloud/client-secret", "atlassian-cloud-connector/acme/atlassian-cloud/tokens"},
		{"stage", "stage/acme/atlassian-cloud/client-secret", "stage/acme/atlassian-cloud/tokens"},
	}
	for _, tc := range cases {
		s := &Store{Prefix: tc.prefix}
		if got := s.ClientSecretName(testKey); got != tc.clientSecret {
			t.Errorf("ClientSecretName with prefix %q = %q, want %q", tc.prefix, got, tc.clientSecret)
		}
		if got := s.TokensName(testKey); got != tc.tokens {
			t.Errorf("TokensName with prefix %q = %q, want %q", tc.prefix, got, tc.tokens)
		}
	}
}

func TestPrefixFromEnv(t *testing.T) {
	t.Setenv("SECRET_PREFIX", "")
	if got := PrefixFromEnv(); got != DefaultPrefix {
		t.Errorf("PrefixFromEnv() unset = %q, want %q", got, DefaultPrefix)
	}
	t.Setenv("SECRET_PREFIX", "custom")
	if got := PrefixFromEnv(); got != "custom" {
		t.Errorf("PrefixFromEnv() = %q, want custom", got)
	}
}

func TestClientSecretRoundTrip(t *testing.T) {
	s := &Store{Client: localaws.SecretsManagerForTest(t)}
	ctx := context.Background()
	var notFound *NotFoundError
	if _, err := s.ClientSecret(ctx, testKey); !errors.As(err, &notFound) {
		t.Errorf("ClientSecret before Put error = %v, want *NotFoundError", err)
	}
	for _, value := range []string{"first-secret", "second-secret"} {
		if err := s.PutClientSecret(ctx, testKey, value); err != nil {
			t.Fatalf("PutClientSecret: %v", err)
		}
		got, err := s.ClientSecret(ctx, testKey)
		if err != nil {
			t.Fatalf("ClientSecret: %v", err)
		}
		if got != value {
			t.Errorf("ClientSecret = %q, want %q", got, value)
		}
	}
	if err := s.PutClientSecret(ctx, testKey, ""); err == nil {
		t.Errorf("PutClientSecret of an empty secret error = nil, want an error")
	}
}

func sampleTokens() Tokens {
	consented := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	return Tokens{
		AccessToken:  "access-token-value",
		RefreshToken: "refresh-token-value",
		TokenType:    "Bearer",
		Expiry:       consented.Add(time.Hour),
		Scope:        "read:user:jira offline_access",
		ConsentedAt:  consented,
	}
}

func TestTokensRoundTrip(t *testing.T) {
	s := &Store{Client: localaws.SecretsManagerForTest(t), Prefix: "test"}
	ctx := context.Background()
	want := sampleTokens()
	if err := s.PutTokens(ctx, testKey, want); err != nil {
		t.Fatalf("PutTokens: %v", err)
	}
	got, err := s.Tokens(ctx, testKey)
	if err != nil {
		t.Fatalf("Tokens: %v", err)
	}
	if got.AccessToken != want.AccessToken || got.RefreshToken != want.RefreshToken {
		t.Errorf("Tokens returned other token values than stored")
	}
	if !got.Expiry.Equal(want.Expiry) {
		t.Errorf("Expiry = %v, want %v", got.Expiry, want.Expiry)
	}
	if !got.ConsentedAt.Equal(want.ConsentedAt) {
		t.Errorf("ConsentedAt = %v, want %v", got.ConsentedAt, want.ConsentedAt)
	}
	if !got.RefreshedAt.IsZero() {
		t.Errorf("RefreshedAt = %v, want zero", got.RefreshedAt)
	}
	if got.Scope != want.Scope {
		t.Errorf("Scope = %q, want %q", got.Scope, want.Scope)
	}
}

func TestPutTokensRejectsEmptyTokens(t *testing.T) {
	s := &Store{Client: localaws.SecretsManagerForTest(t)}
	tokens := sampleTokens()
	tokens.RefreshToken = ""
	err := s.PutTokens(context.Background(), testKey, tokens)
	if err == nil {
		t.Fatalf("PutTokens without a refresh token error = nil, want an error")
	}
	if strings.Contains(err.Error(), tokens.AccessToken) {
		t.Errorf("error %q contains the access token", err)
	}
}

func TestDeleteAndRestore(t *testing.T) {
	s := &Store{Client: localaws.SecretsManagerForTest(t)}
	ctx := context.Background()
	if err := s.PutClientSecret(ctx, testKey, "client-secret"); err != nil {
		t.Fatalf("PutClientSecret: %v", err)
	}
	if err := s.PutTokens(ctx, testKey, sampleTokens()); err != nil {
		t.Fatalf("PutTokens: %v", err)
	}
	if err := s.Delete(ctx, testKey, 3); err == nil {
		t.Errorf("Delete with a 3-day recovery window error = nil, want an error")
	}
	if err := s.Delete(ctx, testKey, 7); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	var notFound *NotFoundError
	if _, err := s.ClientSecret(ctx, testKey); !errors.As(err, &notFound) {
		t.Errorf("ClientSecret after Delete error = %v, want *NotFoundError", err)
	}
	if _, err := s.Tokens(ctx, testKey); !errors.As(err, &notFound) {
		t.Errorf("Tokens after Delete error = %v, want *NotFoundError", err)
	}
	described, err := s.Client.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: ptr(s.TokensName(testKey))})
	if err != nil {
		t.Fatalf("DescribeSecret: %v", err)
	}
	if described.DeletedDate == nil {
		t.Errorf("DeletedDate = nil, want the secret scheduled for deletion")
	}
	if err := s.Delete(ctx, connection.Key{Tenant: "acme", ID: "never-stored"}, 7); err != nil {
		t.Errorf("Delete of secrets that do not exist error = %v, want nil", err)
	}
	// Storing again restores the secret from its scheduled deletion.
	if err := s.PutClientSecret(ctx, testKey, "new-client-secret"); err != nil {
		t.Fatalf("PutClientSecret after Delete: %v", err)
	}
	got, err := s.ClientSecret(ctx, testKey)
	if err != nil {
		t.Fatalf("ClientSecret after restore: %v", err)
	}
	if got != "new-client-secret" {
		t.Errorf("ClientSecret after restore = %q, want new-client-secret", got)
	}
}

func TestTokensFormattingHidesValues(t *testing.T) {
	tokens := sampleTokens()
	var logs strings.Builder
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("stored", "tokens", tokens)
	outputs := map[string]string{
		"%v":     fmt.Sprintf("%v", tokens),
		"%+v":    fmt.Sprintf("%+v", tokens),
		"%#v":    fmt.Sprintf("%#v", tokens),
		"Sprint": fmt.Sprint(tokens),
		"log":    logs.String(),
	}
	for name, out := range outputs {
		for _, secret := range []string{tokens.AccessToken, tokens.RefreshToken} {
			if strings.Contains(out, secret) {
				t.Errorf("%s output %q contains a token", name, out)
			}
		}
	}
}

func ptr(s string) *string { return &s }
