package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/idgov/atlassian-cloud-connector/shared/jirasim"
)

func TestParseFlagsRejectsInvalidValues(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"public address", []string{"-addr", "0.0.0.0:8080"}, "loopback"},
		{"host name", []string{"-addr", "example.com:8080"}, "loopback"},
		{"no port", []string{"-addr", "127.0.0.1"}, "host:port"},
		{"consent mode", []string{"-consent", "maybe"}, `"maybe"`},
		{"log format", []string{"-log", "xml"}, `"xml"`},
		{"positional argument", []string{"serve"}, "flags only"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := parseFlags(c.args, io.Discard)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}

func TestParseFlagsDefaults(t *testing.T) {
	t.Setenv("JIRASIM_CLIENT_SECRET", "from-env")
	c, err := parseFlags([]string{"-addr", "[::1]:0", "-consent", "auto", "-burst-rate", "5"}, io.Discard)
	if err != nil {
		t.Fatalf("parseFlags: %v", err)
	}
	if c.opts.ClientSecret != "from-env" {
		t.Errorf("client secret %q, want the value of JIRASIM_CLIENT_SECRET", c.opts.ClientSecret)
	}
	if c.opts.Consent != jirasim.ConsentAuto {
		t.Errorf("consent %v, want ConsentAuto", c.opts.Consent)
	}
	if c.opts.RateLimit.BurstPerSecond != 5 {
		t.Errorf("burst rate %v, want 5", c.opts.RateLimit.BurstPerSecond)
	}
}

func TestRunUnknownSize(t *testing.T) {
	err := run(context.Background(), []string{"-size", "huge"}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), `"huge"`) {
		t.Errorf("error %v, want one naming the size", err)
	}
}

func TestRunServesUntilCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr bytes.Buffer
	ready := make(chan string, 1)
	done := make(chan error, 1)
	c, err := parseFlags([]string{"-consent", "page"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	c.ready = ready

	go func() { done <- runConfig(ctx, c, &stdout, &stderr) }()
	var base string
	select {
	case base = <-ready:
	case err := <-done:
		t.Fatalf("run ended early: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("run did not start within 10s")
	}

	resp, err := http.Get(base + "/oauth/token/accessible-resources")
	if err != nil {
		t.Fatalf("GET accessible-resources: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("accessible-resources without a token: status %d, want 401", resp.StatusCode)
	}

	cancel()
	if err := <-done; err != nil {
		t.Errorf("run: %v", err)
	}
	if !strings.Contains(stdout.String(), base) {
		t.Errorf("stdout %q does not show the URL %s", stdout.String(), base)
	}
	if strings.Contains(stdout.String()+stderr.String(), c.opts.ClientSecret) {
		t.Error("the client secret was printed")
	}
}
