package atlassian

import "sync/atomic"

// Stats counts what clients sent and received. One Stats may be shared by
// several clients and goroutines. The zero value is ready to use.
type Stats struct {
	calls       atomic.Int64
	rateLimited atomic.Int64
	retries     atomic.Int64
	nearLimit   atomic.Int64
}

// StatsSnapshot is a copy of the counters of a Stats at one moment.
type StatsSnapshot struct {
	// Calls is the number of HTTP requests sent, retries included.
	Calls int64
	// RateLimited is the number of 429 responses received.
	RateLimited int64
	// Retries is the number of requests repeated after a failed attempt.
	Retries int64
	// NearLimit is the number of responses that carried X-RateLimit-NearLimit: true.
	NearLimit int64
}

// Snapshot returns the current counter values. Each counter is read
// atomically, but not all four at the same instant.
func (s *Stats) Snapshot() StatsSnapshot {
	return StatsSnapshot{
		Calls:       s.calls.Load(),
		RateLimited: s.rateLimited.Load(),
		Retries:     s.retries.Load(),
		NearLimit:   s.nearLimit.Load(),
	}
}
