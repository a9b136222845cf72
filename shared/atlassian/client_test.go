package atlassian

import (
	"net/http"
	"strings"
	"testing"
)

func TestURLFromEnv(t *testing.T) {
	cases := []struct {
		name, value, want string
	}{
		{"unset", "", DefaultAPIURL},
		{"trailing slash", "http://127.0.0.1:8080/", "http://127.0.0.1:8080"},
		{"spaces", "  http://127.0.0.1:8080  ", "http://127.0.0.1:8080"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("ATLASSIAN_API_URL", tc.value)
			if got := APIURLFromEnv(); got != tc.want {
				t.Errorf("APIURLFromEnv() = %q, want %q", got, tc.want)
			}
		})
	}
	t.Run("auth", func(t *testing.T) {
		t.Setenv("ATLASSIAN_AUTH_URL", "http://127.0.0.1:9090//")
		if got := AuthURLFromEnv(); got != "http://127.0.0.1:9090" {
			t.Errorf("AuthURLFromEnv() = %q", got)
		}
	})
	t.Run("auth unset", func(t *testing.T) {
		t.Setenv("ATLASSIAN_AUTH_URL", "")
		if got := AuthURLFromEnv(); got != DefaultAuthURL {
			t.Errorf("AuthURLFromEnv() = %q, want %q", got, DefaultAuthURL)
		}
	})
}

func TestNewRejectsInvalidConfig(t *testing.T) {
	valid := Config{APIURL: DefaultAPIURL, CloudID: testCloudID, HTTPClient: http.DefaultClient}
	cases := []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"empty API URL", func(c *Config) { c.APIURL = "" }, "API URL"},
		{"relative API URL", func(c *Config) { c.APIURL = "api.atlassian.com" }, "API URL"},
		{"API URL with query", func(c *Config) { c.APIURL = "https://api.atlassian.com?x=1" }, "API URL"},
		{"ftp API URL", func(c *Config) { c.APIURL = "ftp://api.atlassian.com" }, "API URL"},
		{"empty cloud ID", func(c *Config) { c.CloudID = "" }, "CloudID is empty"},
		{"cloud ID with slash", func(c *Config) { c.CloudID = "abc/../def" }, "cloud ID"},
		{"nil HTTP client", func(c *Config) { c.HTTPClient = nil }, "HTTPClient is nil"},
		{"negative rate", func(c *Config) { c.RatePerSecond = -1 }, "must not be negative"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := valid
			tc.edit(&cfg)
			_, err := New(cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("New error = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestNewDefaults(t *testing.T) {
	client, err := New(Config{APIURL: DefaultAPIURL + "/", CloudID: testCloudID, HTTPClient: http.DefaultClient})
	if err != nil {
		t.Fatal(err)
	}
	if want := DefaultAPIURL + "/ex/jira/" + testCloudID; client.siteURL != want {
		t.Errorf("siteURL = %q, want %q", client.siteURL, want)
	}
	if client.maxRetries != defaultMaxRetries {
		t.Errorf("maxRetries = %d, want %d", client.maxRetries, defaultMaxRetries)
	}
	if client.maxBackoff != defaultMaxBackoff {
		t.Errorf("maxBackoff = %s, want %s", client.maxBackoff, defaultMaxBackoff)
	}
	if got := client.pacer.limit(); got != defaultRatePerSecond {
		t.Errorf("rate = %v, want %v", got, defaultRatePerSecond)
	}
	if client.Stats() == nil {
		t.Error("Stats() is nil without Config.Stats")
	}
}
