package connection

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestNormalizeSiteURL(t *testing.T) {
	valid := []struct{ in, want string }{
		{"https://acme.atlassian.net", "https://acme.atlassian.net"},
		{"https://acme.atlassian.net/", "https://acme.atlassian.net"},
		{"HTTPS://ACME.Atlassian.NET/", "https://acme.atlassian.net"},
		{"  https://acme-eu.atlassian.net  ", "https://acme-eu.atlassian.net"},
		{"https://legacy.jira.com", "https://legacy.jira.com"},
	}
	for _, tc := range valid {
		got, err := NormalizeSiteURL(tc.in)
		if err != nil {
			t.Errorf("NormalizeSiteURL(%q) error = %v, want nil", tc.in, err)
			continue
		}
		if got != tc.want {
			t.Errorf("NormalizeSiteURL(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	invalid := []string{
		"",
		"acme.atlassian.net",
		"http://acme.atlassian.net",
		"ftp://acme.atlassian.net",
		"https://acme.atlassian.net/jira",
		"https://acme.atlassian.net/?x=1",
		"https://acme.atlassian.net/#top",
		"https://acme.atlassian.net:8443",
		"https://user@acme.atlassian.net",
		"https://atlassian.net",
		"https://a.b.atlassian.net",
		"https://acme.atlassian.net.evil.example",
		"https://acme.example.com",
		"https://-acme.atlassian.net",
	}
	for _, in := range invalid {
		_, err := NormalizeSiteURL(in)
		var verr *ValidationError
		if !errors.As(err, &verr) {
			t.Errorf("NormalizeSiteURL(%q) error = %v, want *ValidationError", in, err)
			continue
		}
		if verr.Field != "siteUrl" {
			t.Errorf("NormalizeSiteURL(%q) field = %q, want siteUrl", in, verr.Field)
		}
	}
}

func TestSameSite(t *testing.T) {
	cases := []struct {
		configured, returned string
		want                 bool
	}{
		{"https://acme.atlassian.net", "https://acme.atlassian.net", true},
		{"https://acme.atlassian.net", "https://ACME.atlassian.net/", true},
		{"https://acme.atlassian.net", "acme.atlassian.net", true},
		{"https://acme.atlassian.net", "https://acme2.atlassian.net", false},
		{"https://acme.atlassian.net", "https://acme.atlassian.net/wiki", false},
		{"", "", false},
	}
	for _, tc := range cases {
		if got := SameSite(tc.configured, tc.returned); got != tc.want {
			t.Errorf("SameSite(%q, %q) = %v, want %v", tc.configured, tc.returned, got, tc.want)
		}
	}
}

func TestValidateNames(t *testing.T) {
	cases := []struct {
		name string
		ok   bool
	}{
		{"acme", true},
		{"atlassian-cloud-2", true},
		{"0", true},
		{strings.Repeat("a", 64), true},
		{"", false},
		{strings.Repeat("a", 65), false},
		{"Acme", false},
		{"acme#1", false},
		{"acme/x", false},
		{"acme_x", false},
		{"acme.x", false},
	}
	for _, tc := range cases {
		if err := ValidateTenant(tc.name); (err == nil) != tc.ok {
			t.Errorf("ValidateTenant(%q) error = %v, want ok=%v", tc.name, err, tc.ok)
		}
		if err := ValidateID(tc.name); (err == nil) != tc.ok {
			t.Errorf("ValidateID(%q) error = %v, want ok=%v", tc.name, err, tc.ok)
		}
	}
}

func validConfig() Config {
	return Config{
		Key:          Key{Tenant: "acme", ID: DefaultID},
		SiteURL:      "https://Acme.atlassian.net/",
		ClientID:     "client-id",
		ClientSecret: "client-secret-value",
		RedirectURL:  "https://acme.connect.example.com/application/oauthProcessCode/atlassian-cloud",
		Schedule:     Schedule{Expression: "rate(6 hours)"},
		Scopes:       []string{"read:user:jira", "offline_access"},
	}
}

func TestNewConnectionDefaults(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	conn, err := NewConnection(validConfig(), now)
	if err != nil {
		t.Fatalf("NewConnection error = %v", err)
	}
	if conn.SiteURL != "https://acme.atlassian.net" {
		t.Errorf("SiteURL = %q, want normalized https://acme.atlassian.net", conn.SiteURL)
	}
	if conn.Status != StatusPending {
		t.Errorf("Status = %q, want pending", conn.Status)
	}
	if conn.UserSettings != DefaultUserSettings() {
		t.Errorf("UserSettings = %+v, want every kind included", conn.UserSettings)
	}
	if !conn.CreatedAt.Equal(now) {
		t.Errorf("CreatedAt = %v, want %v", conn.CreatedAt, now)
	}
}

func TestNewConnectionRejects(t *testing.T) {
	cases := []struct {
		name   string
		change func(*Config)
		field  string
	}{
		{"bad tenant", func(c *Config) { c.Tenant = "ACME" }, "tenant"},
		{"bad identifier", func(c *Config) { c.ID = "atlassian cloud" }, "connectionId"},
		{"http site", func(c *Config) { c.SiteURL = "http://acme.atlassian.net" }, "siteUrl"},
		{"missing client id", func(c *Config) { c.ClientID = " " }, "clientId"},
		{"missing client secret", func(c *Config) { c.ClientSecret = "" }, "clientSecret"},
		{"http redirect", func(c *Config) { c.RedirectURL = "http://acme.example.com/cb" }, "redirectUrl"},
		{"relative return", func(c *Config) { c.ReturnURL = "/done" }, "returnUrl"},
		{"bad schedule", func(c *Config) { c.Schedule.Expression = "hourly" }, "schedule.expression"},
		{"no scopes", func(c *Config) { c.Scopes = nil }, "scopes"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := validConfig()
			tc.change(&cfg)
			_, err := NewConnection(cfg, time.Now())
			var verr *ValidationError
			if !errors.As(err, &verr) {
				t.Fatalf("error = %v, want *ValidationError", err)
			}
			if verr.Field != tc.field {
				t.Errorf("field = %q, want %q", verr.Field, tc.field)
			}
			if strings.Contains(err.Error(), "client-secret-value") {
				t.Errorf("error %q contains the client secret", err)
			}
		})
	}
}

func TestNewConnectionAllowsLoopbackHTTP(t *testing.T) {
	cfg := validConfig()
	cfg.RedirectURL = "http://127.0.0.1:8080/application/oauthProcessCode/atlassian-cloud"
	if _, err := NewConnection(cfg, time.Now()); err != nil {
		t.Errorf("NewConnection with a loopback http redirect error = %v, want nil", err)
	}
}
