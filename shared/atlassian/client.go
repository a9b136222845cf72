package atlassian

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

const (
	// DefaultAPIURL is the gateway that serves the REST APIs to 3LO tokens.
	DefaultAPIURL = "https://api.atlassian.com"
	// DefaultAuthURL is the OAuth 2.0 authorization server.
	DefaultAuthURL = "https://auth.atlassian.com"
)

// Maximum page sizes (maxResults) per endpoint. The parameter descriptions
// in Atlassian's OpenAPI document for the platform REST API v3 state 1000
// for users, 50 for members and 100 for projects.
//
// NOTE: the document states no maximum for /group/bulk. 50 is its default
// page size, and larger values are untested against Jira.
const (
	MaxUsersPage    = 1000 // GET /users/search
	MaxGroupsPage   = 50   // GET /group/bulk
	MaxMembersPage  = 50   // GET /group/member
	MaxProjectsPage = 100  // GET /project/search
)

const (
	defaultRatePerSecond = 20
	defaultBurst         = 1
	defaultMaxRetries    = 6
	defaultMaxBackoff    = 30 * time.Second
	// baseBackoff is the backoff ceiling of the first retry. It doubles
	// with each retry up to Config.MaxBackoff.
	baseBackoff = 500 * time.Millisecond
	// maxResponseBytes bounds a response body. A full users page is about
	// 1 MB, so a larger body is treated as malformed.
	maxResponseBytes = 64 << 20
)

// APIURLFromEnv returns ATLASSIAN_API_URL, or DefaultAPIURL when it is unset
// or empty, without a trailing slash.
func APIURLFromEnv() string { return urlFromEnv("ATLASSIAN_API_URL", DefaultAPIURL) }

// AuthURLFromEnv returns ATLASSIAN_AUTH_URL, or DefaultAuthURL when it is
// unset or empty, without a trailing slash.
func AuthURLFromEnv() string { return urlFromEnv("ATLASSIAN_AUTH_URL", DefaultAuthURL) }

func urlFromEnv(name, fallback string) string {
	value := strings.TrimSpace(os.Getenv(name))
	if value == "" {
		value = fallback
	}
	return strings.TrimRight(value, "/")
}

// Config sets up a Client for one Jira site.
type Config struct {
	// APIURL is the API gateway, such as DefaultAPIURL.
	APIURL string
	// CloudID is the site's cloudId from AccessibleResources. Requests go to
	// APIURL + "/ex/jira/" + CloudID + "/rest/api/3".
	CloudID string
	// HTTPClient sends the requests and adds the bearer token, typically
	// oauth2.NewClient with a TokenSource. Its Timeout bounds each attempt.
	HTTPClient *http.Client
	// RatePerSecond is the client-side pace in requests per second. 0 means 20.
	RatePerSecond float64
	// Burst is the number of requests that may go at once. 0 means 1.
	Burst int
	// MaxRetries is the number of retries after the first attempt. 0 means
	// 6, and a negative value means none.
	MaxRetries int
	// MaxBackoff caps the wait between attempts. 0 means 30 s. A Retry-After
	// longer than this is not waited for but returned in the error.
	MaxBackoff time.Duration
	// Logger receives retry and rate-limit records. nil means slog.Default().
	Logger *slog.Logger
	// Stats, when set, receives this client's counts. Clients may share one.
	Stats *Stats
}

// Client calls one Jira site. It is safe for concurrent use.
type Client struct {
	siteURL    string // APIURL + "/ex/jira/" + CloudID
	httpClient *http.Client
	maxRetries int
	maxBackoff time.Duration
	logger     *slog.Logger
	stats      *Stats
	pacer      *pacer

	// sleep waits for d or until ctx ends. Tests replace it.
	sleep func(ctx context.Context, d time.Duration) error
	// jitter returns a uniform random duration in [0, d]. Tests replace it.
	jitter func(d time.Duration) time.Duration
}

// New validates cfg and returns a Client for its site.
func New(cfg Config) (*Client, error) {
	apiURL, err := validateAPIURL(cfg.APIURL)
	if err != nil {
		return nil, err
	}
	if err := validateCloudID(cfg.CloudID); err != nil {
		return nil, err
	}
	if cfg.HTTPClient == nil {
		return nil, errors.New("atlassian: Config.HTTPClient is nil; pass the client that adds the bearer token, such as oauth2.NewClient(ctx, tokenSource)")
	}
	if cfg.RatePerSecond < 0 || cfg.Burst < 0 || cfg.MaxBackoff < 0 {
		return nil, fmt.Errorf("atlassian: RatePerSecond %v, Burst %d and MaxBackoff %s must not be negative", cfg.RatePerSecond, cfg.Burst, cfg.MaxBackoff)
	}
	return newClient(apiURL+"/ex/jira/"+cfg.CloudID, cfg), nil
}

// newClient applies the defaults of cfg without validating it.
func newClient(siteURL string, cfg Config) *Client {
	ratePerSecond := cfg.RatePerSecond
	if ratePerSecond == 0 {
		ratePerSecond = defaultRatePerSecond
	}

	burst := cfg.Burst
	if burst == 0 {
		burst = defaultBurst
	}

	maxRetries := cfg.MaxRetries
	switch {
	case maxRetries == 0:
		maxRetries = defaultMaxRetries
	case maxRetries < 0:
		maxRetries = 0
	}

	maxBackoff := cfg.MaxBackoff
	if maxBackoff == 0 {
		maxBackoff = defaultMaxBackoff
	}

	logger := cfg.Logger
	if logger == nil {
		logger = slog.Default()
	}

	stats := cfg.Stats
	if stats == nil {
		stats = &Stats{}
	}

	return &Client{
		siteURL:    siteURL,
		httpClient: cfg.HTTPClient,
		maxRetries: maxRetries,
		maxBackoff: maxBackoff,
		logger:     logger,
		stats:      stats,
		pacer:      newPacer(ratePerSecond, burst),
		sleep:      sleepContext,
		jitter:     fullJitter,
	}
}

// Stats returns the counters this client adds to: Config.Stats, or its own.
func (c *Client) Stats() *Stats { return c.stats }

func validateAPIURL(raw string) (string, error) {
	trimmed := strings.TrimRight(strings.TrimSpace(raw), "/")
	parsed, err := url.Parse(trimmed)
	if err != nil || (parsed.Scheme != "https" && parsed.Scheme != "http") || parsed.Host == "" ||
		parsed.RawQuery != "" || parsed.Fragment != "" {
		return "", fmt.Errorf("atlassian: API URL %q is invalid; expected an absolute http(s) URL without query, such as %s", raw, DefaultAPIURL)
	}
	return trimmed, nil
}

func validateCloudID(cloudID string) error {
	if cloudID == "" {
		return errors.New("atlassian: Config.CloudID is empty; take the site's id from AccessibleResources")
	}
	for _, r := range cloudID {
		ok := r == '-' || (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')
		if !ok {
			return fmt.Errorf("atlassian: cloud ID %q is invalid; expected letters, digits and hyphens, as in the id from AccessibleResources", cloudID)
		}
	}
	return nil
}

func sleepContext(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

func fullJitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return time.Duration(rand.Int64N(int64(d) + 1))
}
