// Command jirasim serves a generated Jira Cloud site and Atlassian's OAuth
// 2.0 (3LO) authorization server on one loopback address, for local runs of
// the connector.
//
//	jirasim -size medium -consent page
//
// It prints the base URL to use as both the auth URL and the API URL, then
// serves until interrupted.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/idgov/atlassian-cloud-connector/shared/jirasim"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "jirasim:", err)
		}
		os.Exit(2)
	}
}

// config is the parsed command line.
type config struct {
	size      string
	seed      int64
	addr      string
	opts      jirasim.Options
	consent   string
	ready     chan<- string // receives the base URL once listening; for tests
	logFormat string
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config

	fs := flag.NewFlagSet("jirasim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.size, "size", "small", "dataset size: small (200 users), medium (10,000) or large (100,000)")
	fs.Int64Var(&c.seed, "seed", 1, "dataset seed; the same size and seed give the same data")
	fs.StringVar(&c.addr, "addr", "127.0.0.1:0", "loopback host:port to listen on; port 0 picks a free port")
	fs.StringVar(&c.opts.ClientID, "client-id", "jirasim-client", "OAuth client ID the auth server accepts")
	fs.StringVar(&c.opts.ClientSecret, "client-secret", "",
		"OAuth client secret the auth server accepts (default: $JIRASIM_CLIENT_SECRET, else jirasim-secret)")
	fs.StringVar(&c.opts.CallbackURL, "callback-url", "", "only redirect_uri accepted by /authorize; empty accepts any http(s) URL")
	fs.StringVar(&c.consent, "consent", "page", "consent mode: auto (redirect at once), decline, or page (Approve link for a person)")
	fs.DurationVar(&c.opts.AccessTokenTTL, "access-ttl", time.Hour, "lifetime of access tokens")
	fs.DurationVar(&c.opts.RefreshGrace, "refresh-grace", 10*time.Minute, "how long a rotated refresh token keeps working")
	fs.Float64Var(&c.opts.RateLimit.BurstPerSecond, "burst-rate", 0, "API requests per second the token bucket refills; 0 disables")
	fs.IntVar(&c.opts.RateLimit.Burst, "burst-size", 0, "token bucket size in requests; 0 means the rate rounded up")
	fs.IntVar(&c.opts.RateLimit.HourlyPoints, "hourly-points", 0,
		"hourly quota in points (1 per request plus 1 per object returned); 0 disables")
	fs.StringVar(&c.logFormat, "log", "text", "log format on stderr: text or json")

	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments %q: jirasim takes flags only", fs.Args())
	}
	if c.opts.ClientSecret == "" {
		c.opts.ClientSecret = os.Getenv("JIRASIM_CLIENT_SECRET")
	}
	if c.opts.ClientSecret == "" {
		c.opts.ClientSecret = "jirasim-secret"
	}

	modes := map[string]jirasim.ConsentMode{
		"auto": jirasim.ConsentAuto, "decline": jirasim.ConsentDecline, "page": jirasim.ConsentPage,
	}
	mode, ok := modes[c.consent]
	if !ok {
		return c, fmt.Errorf("invalid -consent %q: use auto, decline or page", c.consent)
	}
	c.opts.Consent = mode

	if c.logFormat != "text" && c.logFormat != "json" {
		return c, fmt.Errorf("invalid -log %q: use text or json", c.logFormat)
	}
	return c, checkLoopback(c.addr)
}

// checkLoopback rejects listen addresses that are not on a loopback
// interface: the simulator issues tokens and must not be reachable from
// other hosts.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("invalid -addr %q: use host:port, such as 127.0.0.1:8080: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("invalid -addr %q: the host must be a loopback address such as 127.0.0.1 or ::1", addr)
	}
	return nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	return runConfig(ctx, c, stdout, stderr)
}

// runConfig generates the dataset and serves it until ctx ends or the
// process gets SIGINT or SIGTERM.
func runConfig(ctx context.Context, c config, stdout, stderr io.Writer) error {
	var handler slog.Handler = slog.NewTextHandler(stderr, nil)
	if c.logFormat == "json" {
		handler = slog.NewJSONHandler(stderr, nil)
	}
	log := slog.New(handler)
	c.opts.Logger = log

	start := time.Now()
	d, err := jirasim.Generate(jirasim.Size(c.size), c.seed)
	if err != nil {
		return fmt.Errorf("invalid -size: %w", err)
	}
	log.Info("dataset generated", "size", c.size, "seed", c.seed, "users", len(d.Users),
		"groups", len(d.Groups), "projects", len(d.Projects), "elapsed", time.Since(start).Round(time.Millisecond))

	l, err := net.Listen("tcp", c.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", c.addr, err)
	}
	srv := jirasim.New(d, c.opts)
	srv.Serve(l)
	defer srv.Close()

	base := srv.URL()
	site := d.Sites[0]
	fmt.Fprintf(stdout, "Jira simulator listening on %s\n", base)
	fmt.Fprintf(stdout, "  auth URL:  %s  (authorize: %s/authorize, token: %s/oauth/token)\n", base, base, base)
	fmt.Fprintf(stdout, "  API URL:   %s  (sites: %s/oauth/token/accessible-resources)\n", base, base)
	fmt.Fprintf(stdout, "  site:      %s  cloudId %s\n", site.URL, site.CloudID)
	fmt.Fprintf(stdout, "  client ID: %s\n", c.opts.ClientID)
	log.Info("jira simulator started", "url", base, "consent", c.consent)
	if c.ready != nil {
		c.ready <- base
	}

	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	log.Info("jira simulator stopping", "url", base)
	return nil
}
