package oauth

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/idgov/atlassian-cloud-connector/shared/connection"
)

func TestAuthorizeURL(t *testing.T) {
	conn := connection.Connection{
		ClientID:    "client-1",
		RedirectURL: "https://acme.connect.example.com/application/oauthProcessCode/atlassian-cloud",
		Scopes:      RequiredScopes,
	}
	raw := AuthorizeURL("https://auth.atlassian.com/", conn, "state-value")
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("parse %q: %v", raw, err)
	}
	if got := u.Scheme + "://" + u.Host + u.Path; got != "https://auth.atlassian.com/authorize" {
		t.Errorf("endpoint = %q, want https://auth.atlassian.com/authorize", got)
	}
	want := map[string]string{
		"audience":      "api.atlassian.com",
		"client_id":     "client-1",
		"redirect_uri":  conn.RedirectURL,
		"state":         "state-value",
		"response_type": "code",
		"prompt":        "consent",
		"scope":         strings.Join(RequiredScopes, " "),
	}
	query := u.Query()
	for name, value := range want {
		if got := query.Get(name); got != value {
			t.Errorf("parameter %s = %q, want %q", name, got, value)
		}
	}
	if len(query) != len(want) {
		t.Errorf("parameters = %v, want exactly %d", query, len(want))
	}
}

func TestRequiredScopes(t *testing.T) {
	if len(RequiredScopes) != 23 {
		t.Errorf("len(RequiredScopes) = %d, want 22 Jira scopes plus offline_access", len(RequiredScopes))
	}
	if !slices.Contains(RequiredScopes, ScopeOfflineAccess) {
		t.Errorf("RequiredScopes lacks offline_access")
	}
	seen := map[string]bool{}
	for _, scope := range RequiredScopes {
		if seen[scope] {
			t.Errorf("scope %q listed twice", scope)
		}
		seen[scope] = true
	}
}

func TestMissingScopes(t *testing.T) {
	required := []string{"read:user:jira", "write:group:jira", ScopeOfflineAccess}
	cases := []struct {
		name       string
		granted    string
		hasRefresh bool
		want       []string
	}{
		{"all granted", "read:user:jira write:group:jira offline_access", true, nil},
		{"offline_access implied by a refresh token", "write:group:jira read:user:jira", true, nil},
		{"no refresh token", "read:user:jira write:group:jira", false, []string{ScopeOfflineAccess}},
		{"one missing", "read:user:jira offline_access", true, []string{"write:group:jira"}},
		{"none granted", "", false, required},
		{"prefix is not a match", "read:user:jira:extra write:group:jira", true, []string{"read:user:jira"}},
	}
	for _, tc := range cases {
		got := MissingScopes(required, tc.granted, tc.hasRefresh)
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: MissingScopes = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestTenantFromHost(t *testing.T) {
	const suffix = ".connect.example.com"
	cases := []struct {
		host, want string
	}{
		{"acme.connect.example.com", "acme"},
		{"ACME.Connect.Example.com", "acme"},
		{"acme.connect.example.com:443", "acme"},
		{"acme-2.connect.example.com", "acme-2"},
		{"connect.example.com", ""},
		{".connect.example.com", ""},
		{"a.b.connect.example.com", ""},
		{"acme.connect.example.com.evil.test", ""},
		{"acmeconnect.example.com", ""},
		{"acme_x.connect.example.com", ""},
		{"", ""},
	}
	for _, tc := range cases {
		got, err := TenantFromHost(tc.host, suffix)
		if tc.want == "" {
			if err == nil {
				t.Errorf("TenantFromHost(%q) = %q, want an error", tc.host, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("TenantFromHost(%q) = %q, %v; want %q", tc.host, got, err, tc.want)
		}
	}
	if _, err := TenantFromHost("acme.connect.example.com", ""); err == nil {
		t.Errorf("TenantFromHost with no suffix configured error = nil, want an error (no default tenant)")
	}
}

func TestRedact(t *testing.T) {
	body := map[string]string{
		"grant_type":    "refresh_token",
		"client_id":     "client-1",
		"client_secret": "secret-value",
		"refresh_token": "refresh-value",
	}
	got := redact("token refresh-value with secret-value for client-1", body)
	if strings.Contains(got, "refresh-value") || strings.Contains(got, "secret-value") {
		t.Errorf("redact left a secret in %q", got)
	}
	if !strings.Contains(got, "client-1") {
		t.Errorf("redact removed the client ID from %q, want it kept", got)
	}
	if long := redact(strings.Repeat("x", 500), body); len(long) > 204 {
		t.Errorf("redact kept %d bytes, want at most 200 plus an ellipsis", len(long))
	}
}
