package atlassian

import (
	"context"
	"errors"
	"net"
	"net/http"
	"slices"
	"sync/atomic"
	"testing"
	"time"
)

// failThenSucceed responds to the first failures requests with status and
// headers, then serves fakeJiraHandler.
func failThenSucceed(failures int, status int, headers map[string]string) http.HandlerFunc {
	var seen atomic.Int64
	return func(w http.ResponseWriter, r *http.Request) {
		if int(seen.Add(1)) <= failures {
			for k, v := range headers {
				w.Header().Set(k, v)
			}
			writeRaw(w, status, `{"errorMessages":["injected failure"]}`)
			return
		}
		fakeJiraHandler(w, r)
	}
}

func TestReadsRetryTransientStatuses(t *testing.T) {
	cases := []struct {
		name   string
		status int
		users  bool // call SearchUsers, where 409 is a timeout
	}{
		{"500", 500, false},
		{"502", 502, false},
		{"503", 503, false},
		{"504", 504, false},
		{"429", 429, false},
		{"409 on users search", 409, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ts := newTestServer(t, failThenSucceed(2, tc.status, nil))
			client, sleeps := newTestClient(t, ts, nil)

			var err error
			if tc.users {
				_, err = client.SearchUsers(context.Background(), 0, 10)
			} else {
				_, err = client.Roles(context.Background())
			}
			if err != nil {
				t.Fatalf("error after retries: %v", err)
			}
			if n := len(ts.Requests()); n != 3 {
				t.Errorf("sent %d requests, want 3", n)
			}
			if got := client.Stats().Snapshot().Retries; got != 2 {
				t.Errorf("Retries = %d, want 2", got)
			}
			// Jitter picks the ceiling in tests: 500 ms, then 1 s.
			if got := sleeps.Delays(); !slices.Equal(got, []time.Duration{500 * time.Millisecond, time.Second}) {
				t.Errorf("waits = %v, want [500ms 1s]", got)
			}
		})
	}
}

func TestReadsDoNotRetryPermanentStatuses(t *testing.T) {
	for _, status := range []int{400, 401, 403, 404, 409, 501} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			ts := newTestServer(t, failThenSucceed(1, status, nil))
			client, _ := newTestClient(t, ts, nil)

			if _, err := client.Roles(context.Background()); err == nil {
				t.Fatal("no error")
			}
			if n := len(ts.Requests()); n != 1 {
				t.Errorf("sent %d requests, want 1", n)
			}
		})
	}
}

func TestRetryAfterHonoured(t *testing.T) {
	cases := []struct {
		name       string
		status     int
		retryAfter string
		want       time.Duration
	}{
		{"429 zero", 429, "0", 0},
		{"429 seconds", 429, "2", 2 * time.Second},
		{"503 seconds", 503, "3", 3 * time.Second},
		{"503 zero", 503, "0", 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ts := newTestServer(t, failThenSucceed(2, tc.status, map[string]string{"Retry-After": tc.retryAfter}))
			client, sleeps := newTestClient(t, ts, nil)

			if _, err := client.Roles(context.Background()); err != nil {
				t.Fatalf("error after retries: %v", err)
			}
			if got := sleeps.Delays(); !slices.Equal(got, []time.Duration{tc.want, tc.want}) {
				t.Errorf("waits = %v, want two of %s", got, tc.want)
			}
		})
	}
}

// TestRetryAfterZeroRealClock runs without the sleep recorder, to show that
// Retry-After: 0 retries at once with the real clock.
func TestRetryAfterZeroRealClock(t *testing.T) {
	ts := newTestServer(t, failThenSucceed(3, 429, map[string]string{"Retry-After": "0"}))
	client, _ := newTestClient(t, ts, nil)
	client.sleep = sleepContext

	start := time.Now()
	if _, err := client.Roles(context.Background()); err != nil {
		t.Fatalf("error after retries: %v", err)
	}
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Errorf("took %s for three immediate retries", elapsed)
	}
	stats := client.Stats().Snapshot()
	if stats.RateLimited != 3 {
		t.Errorf("RateLimited = %d, want 3", stats.RateLimited)
	}
	if stats.Calls != 4 {
		t.Errorf("Calls = %d, want 4", stats.Calls)
	}
}

func TestRetryAfterBeyondMaxBackoff(t *testing.T) {
	ts := newTestServer(t, failThenSucceed(1, 429, map[string]string{"Retry-After": "120"}))
	client, sleeps := newTestClient(t, ts, func(cfg *Config) { cfg.MaxBackoff = 30 * time.Second })

	_, err := client.Roles(context.Background())
	var rateLimited *RateLimitedError
	if !errors.As(err, &rateLimited) {
		t.Fatalf("error = %v, want *RateLimitedError", err)
	}
	if rateLimited.RetryAfter != 2*time.Minute {
		t.Errorf("RetryAfter = %s, want 2m", rateLimited.RetryAfter)
	}
	if n := len(sleeps.Delays()); n != 0 {
		t.Errorf("waited %d times, want 0", n)
	}
}

func TestBackoffCap(t *testing.T) {
	ts := newTestServer(t, failThenSucceed(1000, 500, nil))
	client, sleeps := newTestClient(t, ts, func(cfg *Config) {
		cfg.MaxRetries = 8
		cfg.MaxBackoff = 3 * time.Second
	})

	_, err := client.Roles(context.Background())
	var unavailable *UnavailableError
	if !errors.As(err, &unavailable) {
		t.Fatalf("error = %v, want *UnavailableError", err)
	}
	want := []time.Duration{
		500 * time.Millisecond, time.Second, 2 * time.Second,
		3 * time.Second, 3 * time.Second, 3 * time.Second, 3 * time.Second, 3 * time.Second,
	}
	if got := sleeps.Delays(); !slices.Equal(got, want) {
		t.Errorf("waits = %v, want %v", got, want)
	}
	if n := len(ts.Requests()); n != 9 {
		t.Errorf("sent %d requests, want 9", n)
	}
}

func TestBackoffLargeAttempt(t *testing.T) {
	client := newClient("http://127.0.0.1:1", Config{MaxBackoff: time.Minute})
	client.jitter = func(d time.Duration) time.Duration { return d }
	for _, attempt := range []int{29, 30, 62, 63, 64, 1000} {
		if got := client.backoff(attempt); got != time.Minute {
			t.Errorf("backoff(%d) = %s, want the 1m cap", attempt, got)
		}
	}
}

func TestFullJitterRange(t *testing.T) {
	for range 1000 {
		if got := fullJitter(time.Second); got < 0 || got > time.Second {
			t.Fatalf("fullJitter(1s) = %s, outside [0, 1s]", got)
		}
	}
	if got := fullJitter(0); got != 0 {
		t.Errorf("fullJitter(0) = %s, want 0", got)
	}
}

func TestDefaultMaxRetries(t *testing.T) {
	ts := newTestServer(t, failThenSucceed(1000, 503, nil))
	client, _ := newTestClient(t, ts, nil)

	_, err := client.Roles(context.Background())
	var unavailable *UnavailableError
	if !errors.As(err, &unavailable) {
		t.Fatalf("error = %v, want *UnavailableError", err)
	}
	if n := len(ts.Requests()); n != 1+defaultMaxRetries {
		t.Errorf("sent %d requests, want %d", n, 1+defaultMaxRetries)
	}
}

func TestNegativeMaxRetriesMeansNone(t *testing.T) {
	ts := newTestServer(t, failThenSucceed(1, 503, nil))
	client, _ := newTestClient(t, ts, func(cfg *Config) { cfg.MaxRetries = -1 })

	if _, err := client.Roles(context.Background()); err == nil {
		t.Fatal("no error")
	}
	if n := len(ts.Requests()); n != 1 {
		t.Errorf("sent %d requests, want 1", n)
	}
}

func TestContextEndsDuringBackoff(t *testing.T) {
	ts := newTestServer(t, failThenSucceed(1000, 502, nil))
	client, _ := newTestClient(t, ts, nil)
	ctx, cancel := context.WithCancel(context.Background())
	client.sleep = func(context.Context, time.Duration) error {
		cancel()
		return ctx.Err()
	}

	_, err := client.Roles(ctx)
	var unavailable *UnavailableError
	if !errors.As(err, &unavailable) {
		t.Fatalf("error = %v, want the last *UnavailableError", err)
	}
	if n := len(ts.Requests()); n != 1 {
		t.Errorf("sent %d requests, want 1", n)
	}
}

// closeAfterRequest reads a request and closes the connection without a
// response, as a crashed proxy would.
func closeAfterRequest(failures int) http.HandlerFunc {
	var seen atomic.Int64
	return func(w http.ResponseWriter, r *http.Request) {
		if int(seen.Add(1)) <= failures {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				_ = conn.(*net.TCPConn).SetLinger(0)
				_ = conn.Close()
			}
			return
		}
		fakeJiraHandler(w, r)
	}
}

func TestReadsRetryDroppedConnection(t *testing.T) {
	ts := newTestServer(t, closeAfterRequest(2))
	client, _ := newTestClient(t, ts, nil)

	roles, err := client.Roles(context.Background())
	if err != nil {
		t.Fatalf("error after retries: %v", err)
	}
	if len(roles) != 2 {
		t.Errorf("got %d roles, want 2", len(roles))
	}
	if got := client.Stats().Snapshot().Retries; got != 2 {
		t.Errorf("Retries = %d, want 2", got)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		value   string
		want    time.Duration
		present bool
	}{
		{"", 0, false},
		{"0", 0, true},
		{"5", 5 * time.Second, true},
		{" 5 ", 5 * time.Second, true},
		{"-1", 0, false},
		{"soon", 0, false},
		{"1.5", 0, false},
		{"99999999999", 24 * time.Hour, true},
		{"Sun, 01 Mar 2026 12:00:30 GMT", 30 * time.Second, true},
		{"Sun, 01 Mar 2026 11:00:00 GMT", 0, true},
	}
	for _, tc := range cases {
		got, present := parseRetryAfter(tc.value, now)
		if present != tc.present {
			t.Errorf("parseRetryAfter(%q) present = %v, want %v", tc.value, present, tc.present)
		}
		if got != tc.want {
			t.Errorf("parseRetryAfter(%q) = %s, want %s", tc.value, got, tc.want)
		}
	}
}
