package jirasim

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// RateLimit configures Jira Cloud's limits for the API paths. Zero fields
// disable their limit.
type RateLimit struct {
	// BurstPerSecond is the token bucket's refill rate in requests per second.
	BurstPerSecond float64
	// Burst is the bucket size; 0 means ceil(BurstPerSecond).
	Burst int
	// HourlyPoints is the quota per clock hour. A request costs 1 point plus
	// 1 point per object it returns.
	HourlyPoints int
}

// Values of the RateLimit-Reason header.
const (
	ReasonBurst = "jira-burst-based"
	ReasonQuota = "jira-quota-tenant-based"
)

type rateLimiter struct {
	cfg    RateLimit
	bucket *rate.Limiter // nil when there is no burst limit

	mu          sync.Mutex
	windowStart time.Time
	used        int
}

func newRateLimiter(cfg RateLimit) *rateLimiter {
	l := &rateLimiter{cfg: cfg}
	if cfg.BurstPerSecond > 0 {
		burst := cfg.Burst
		if burst <= 0 {
			burst = int(math.Ceil(cfg.BurstPerSecond))
		}
		l.cfg.Burst = burst
		l.bucket = rate.NewLimiter(rate.Limit(cfg.BurstPerSecond), burst)
	}
	return l
}

// rollWindow starts a new hourly window when now has left the current one;
// the caller holds l.mu.
func (l *rateLimiter) rollWindow(now time.Time) {
	start := now.Truncate(time.Hour)
	if !start.Equal(l.windowStart) {
		l.windowStart = start
		l.used = 0
	}
}

// admit takes 1 point and one bucket token for a request, and sets the
// X-RateLimit headers. It sends a 429 and returns false when either limit is
// exhausted.
func (l *rateLimiter) admit(w http.ResponseWriter, now time.Time) bool {
	if l.cfg.HourlyPoints <= 0 && l.bucket == nil {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	h := w.Header()
	if l.cfg.HourlyPoints > 0 {
		l.rollWindow(now)
		reset := l.windowStart.Add(time.Hour)
		if l.used >= l.cfg.HourlyPoints {
			l.quotaHeaders(h, reset)
			retry := int(math.Ceil(reset.Sub(now).Seconds()))
			tooMany(w, ReasonQuota, retry, "The hourly rate limit quota of this app on this site is exhausted.")
			return false
		}
	}
	if l.bucket != nil {
		r := l.bucket.ReserveN(now, 1)
		if delay := r.DelayFrom(now); delay > 0 {
			r.CancelAt(now)
			h.Set("X-RateLimit-Limit", strconv.Itoa(l.cfg.Burst))
			h.Set("X-RateLimit-Remaining", "0")
			h.Set("X-RateLimit-Reset", now.Add(delay).UTC().Format(time.RFC3339))
			// Rounding down sends Retry-After: 0 for a wait under a second, a
			// value Jira Cloud also sends.
			tooMany(w, ReasonBurst, int(delay/time.Second), "Too many requests per second: slow down.")
			return false
		}
	}
	if l.cfg.HourlyPoints > 0 {
		l.used++
		l.quotaHeaders(h, l.windowStart.Add(time.Hour))
	}
	return true
}

// quotaHeaders sets the hourly quota headers; the caller holds l.mu.
func (l *rateLimiter) quotaHeaders(h http.Header, reset time.Time) {
	remaining := max(0, l.cfg.HourlyPoints-l.used)
	h.Set("X-RateLimit-Limit", strconv.Itoa(l.cfg.HourlyPoints))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
	h.Set("X-RateLimit-Reset", reset.UTC().Format(time.RFC3339))
	if remaining*5 < l.cfg.HourlyPoints {
		h.Set("X-RateLimit-NearLimit", "true")
	}
}

// charge adds the points for the objects a request returned.
func (l *rateLimiter) charge(objects int, now time.Time) {
	if l.cfg.HourlyPoints <= 0 || objects <= 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.rollWindow(now)
	l.used += objects
}

func tooMany(w http.ResponseWriter, reason string, retryAfterSeconds int, message string) {
	h := w.Header()
	h.Set("Retry-After", strconv.Itoa(retryAfterSeconds))
	h.Set("RateLimit-Reason", reason)
	writeErrors(w, http.StatusTooManyRequests, message)
}
