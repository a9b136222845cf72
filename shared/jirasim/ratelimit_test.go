package jirasim

import (
	"net/http"
	"strconv"
	"testing"
	"time"
)

func TestBurstLimit(t *testing.T) {
	clock := newFakeClock()
	e := startEnv(t, mustGenerate(t, SizeSmall), Options{Now: clock.Now, RateLimit: RateLimit{BurstPerSecond: 2, Burst: 2}})
	for i := range 2 {
		if status, _, _ := e.do("GET", "/role", e.token, nil); status != http.StatusOK {
			t.Fatalf("request %d within the burst: status %d", i+1, status)
		}
	}

	status, h, _ := e.do("GET", "/role", e.token, nil)
	if status != http.StatusTooManyRequests {
		t.Fatalf("third request: status %d, want 429", status)
	}
	checks := map[string]string{
		"Retry-After":           "0", // a wait of 0.5 s rounds down
		"RateLimit-Reason":      ReasonBurst,
		"X-RateLimit-Limit":     "2",
		"X-RateLimit-Remaining": "0",
	}
	for name, want := range checks {
		if got := h.Get(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}

	reset, err := time.Parse(time.RFC3339, h.Get("X-RateLimit-Reset"))
	if err != nil {
		t.Errorf("X-RateLimit-Reset %q is not ISO-8601: %v", h.Get("X-RateLimit-Reset"), err)
	}
	if !reset.After(clock.Now().Add(-time.Second)) {
		t.Errorf("X-RateLimit-Reset %v is in the past", reset)
	}

	clock.Advance(500 * time.Millisecond)
	if status, _, _ := e.do("GET", "/role", e.token, nil); status != http.StatusOK {
		t.Errorf("after the bucket refilled: status %d, want 200", status)
	}
}

func TestBurstLimitLongWait(t *testing.T) {
	clock := newFakeClock()
	e := startEnv(t, mustGenerate(t, SizeSmall), Options{Now: clock.Now, RateLimit: RateLimit{BurstPerSecond: 0.2}})
	e.do("GET", "/role", e.token, nil)
	_, h, _ := e.do("GET", "/role", e.token, nil)
	if got := h.Get("Retry-After"); got != "5" {
		t.Errorf("Retry-After = %q, want 5 at 0.2 requests per second", got)
	}
}

func TestHourlyQuota(t *testing.T) {
	clock := newFakeClock() // 10:30 UTC
	e := startEnv(t, mustGenerate(t, SizeSmall), Options{Now: clock.Now, RateLimit: RateLimit{HourlyPoints: 20}})
	// GET /role returns 5 roles, so it costs 1 point on admission and 5 after.
	_, h, _ := e.do("GET", "/role", e.token, nil)
	if got := h.Get("X-RateLimit-Limit"); got != "20" {
		t.Errorf("X-RateLimit-Limit = %q, want 20", got)
	}
	if got := h.Get("X-RateLimit-Remaining"); got != "19" {
		t.Errorf("X-RateLimit-Remaining after the first request = %q, want 19", got)
	}
	if got := h.Get("X-RateLimit-Reset"); got != "2026-03-02T11:00:00Z" {
		t.Errorf("X-RateLimit-Reset = %q, want the end of the hour", got)
	}

	_, h, _ = e.do("GET", "/role", e.token, nil) // 6 points used before, 7 after admission
	if got := h.Get("X-RateLimit-Remaining"); got != "13" {
		t.Errorf("X-RateLimit-Remaining = %q, want 13", got)
	}
	if h.Get("X-RateLimit-NearLimit") != "" {
		t.Error("X-RateLimit-NearLimit set with 65% left")
	}
	_, h, _ = e.do("GET", "/role", e.token, nil) // 12 used before, 13 after
	if got := h.Get("X-RateLimit-Remaining"); got != "7" {
		t.Errorf("X-RateLimit-Remaining = %q, want 7", got)
	}
	_, h, _ = e.do("GET", "/role", e.token, nil) // 18 used before, 19 after
	if got := h.Get("X-RateLimit-NearLimit"); got != "true" {
		t.Errorf("X-RateLimit-NearLimit = %q with 1 of 20 left, want true", got)
	}

	status, h, _ := e.do("GET", "/role", e.token, nil)
	if status != http.StatusTooManyRequests {
		t.Fatalf("over the quota: status %d, want 429", status)
	}
	if got := h.Get("RateLimit-Reason"); got != ReasonQuota {
		t.Errorf("RateLimit-Reason = %q, want %s", got, ReasonQuota)
	}
	if got := h.Get("Retry-After"); got != strconv.Itoa(30*60) {
		t.Errorf("Retry-After = %q, want the 1800 seconds to the end of the hour", got)
	}

	clock.Advance(30 * time.Minute)
	if status, _, _ := e.do("GET", "/role", e.token, nil); status != http.StatusOK {
		t.Errorf("in the next hour: status %d, want 200", status)
	}
}

func TestRateLimitSkipsAuthPaths(t *testing.T) {
	e := startEnv(t, mustGenerate(t, SizeSmall), Options{RateLimit: RateLimit{BurstPerSecond: 0.001, Burst: 1}})
	for range 3 {
		if status, _ := e.accessibleResources(e.token); status != http.StatusOK {
			t.Errorf("accessible-resources under a rate limit: status %d, want 200", status)
		}
	}
}
