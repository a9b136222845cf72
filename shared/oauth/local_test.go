package oauth

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/idgov/atlassian-cloud-connector/shared/connection"
	"github.com/idgov/atlassian-cloud-connector/shared/jirasim"
)

func localOptions(h *harness, key connection.Key, out *strings.Builder) LocalConnectOptions {
	return LocalConnectOptions{
		Config: connection.Config{
			Key:          key,
			SiteURL:      h.dataset.Sites[0].URL,
			ClientID:     testClientID,
			ClientSecret: h.clientSecret,
			Schedule:     connection.Schedule{Expression: connection.ScheduleManual},
		},
		Connections: h.conns,
		States:      h.states,
		Secrets:     h.secrets,
		Sync:        h.starter,
		AuthURL:     h.srv.URL(),
		APIURL:      h.srv.URL(),
		Out:         out,
		Headless:    true,
		Logger:      h.logger,
		Now:         h.clock.Now,
	}
}

func TestConnectLocallyHeadless(t *testing.T) {
	h := newHarness(t, nil)
	key := connection.Key{Tenant: "acme", ID: "local"}
	var out strings.Builder
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	result, err := ConnectLocally(ctx, localOptions(h, key, &out))
	if err != nil {
		t.Fatalf("ConnectLocally: %v", err)
	}
	if result.Connection.Status != connection.StatusConnected {
		t.Errorf("status = %q, want connected", result.Connection.Status)
	}
	if result.Connection.CloudID != h.dataset.Sites[0].CloudID {
		t.Errorf("cloudId = %q, want %q", result.Connection.CloudID, h.dataset.Sites[0].CloudID)
	}
	if !strings.HasPrefix(result.Connection.RedirectURL, "http://127.0.0.1:") {
		t.Errorf("redirect URL = %q, want the loopback callback", result.Connection.RedirectURL)
	}
	if !strings.HasPrefix(result.RunID, "run-consent-") {
		t.Errorf("run id = %q, want the first sync's run", result.RunID)
	}
	if !strings.Contains(out.String(), h.srv.URL()+"/authorize?") {
		t.Errorf("output does not show the authorize URL:\n%s", out.String())
	}
	if _, err := h.provider().Token(context.Background(), key); err != nil {
		t.Errorf("Token after local connect: %v", err)
	}

	// Reconnecting reuses the stored redirect URL and its port.
	opts := localOptions(h, key, &out)
	opts.Reconnect = true
	again, err := ConnectLocally(ctx, opts)
	if err != nil {
		t.Fatalf("ConnectLocally reconnect: %v", err)
	}
	if again.Connection.RedirectURL != result.Connection.RedirectURL {
		t.Errorf("reconnect redirect URL = %q, want %q", again.Connection.RedirectURL, result.Connection.RedirectURL)
	}
}

func TestConnectLocallyFailures(t *testing.T) {
	cases := []struct {
		name    string
		consent jirasim.ConsentMode
		change  func(*LocalConnectOptions)
		want    string
	}{
		{"declined", jirasim.ConsentDecline, nil, "Authorization declined"},
		{"consent page needs a person", jirasim.ConsentPage, nil, "needs a person"},
		{"non-loopback listen address", jirasim.ConsentAuto, func(o *LocalConnectOptions) { o.Listen = "0.0.0.0:0" }, "not a loopback address"},
		{"invalid site", jirasim.ConsentAuto, func(o *LocalConnectOptions) { o.Config.SiteURL = "http://acme.atlassian.net" }, "siteUrl"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, func(o *jirasim.Options) { o.Consent = tc.consent })
			var out strings.Builder
			opts := localOptions(h, connection.Key{Tenant: "acme", ID: "local"}, &out)
			if tc.change != nil {
				tc.change(&opts)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			_, err := ConnectLocally(ctx, opts)
			if err == nil {
				t.Fatalf("ConnectLocally error = nil, want one containing %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %q, want it to contain %q", err, tc.want)
			}
			if errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("ConnectLocally waited for the deadline, want an immediate error")
			}
		})
	}
}
