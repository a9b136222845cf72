package atlassian

import (
	"context"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

const (
	// nearLimitSlowdown is how long the pacer keeps a reduced rate after
	// the last X-RateLimit-NearLimit or 429 response.
	nearLimitSlowdown = time.Minute
	// minRateDivisor bounds repeated halving: the rate never drops below
	// the configured rate divided by this number.
	minRateDivisor = 16
)

// pacer spaces requests with a token bucket. Jira's X-RateLimit-NearLimit
// header (under 20% of the quota left) and 429 responses halve the rate, down
// to a floor, and the configured rate returns nearLimitSlowdown after the
// last such signal.
type pacer struct {
	mu        sync.Mutex
	limiter   *rate.Limiter
	base      rate.Limit
	slowUntil time.Time
	now       func() time.Time
}

func newPacer(perSecond float64, burst int) *pacer {
	return &pacer{
		limiter: rate.NewLimiter(rate.Limit(perSecond), burst),
		base:    rate.Limit(perSecond),
		now:     time.Now,
	}
}

// wait blocks until the next request may go, or ctx ends.
func (p *pacer) wait(ctx context.Context, sleep func(context.Context, time.Duration) error) error {
	p.mu.Lock()
	now := p.now()
	if !p.slowUntil.IsZero() && now.After(p.slowUntil) {
		p.limiter.SetLimitAt(now, p.base)
		p.slowUntil = time.Time{}
	}
	reservation := p.limiter.ReserveN(now, 1)
	p.mu.Unlock()

	delay := reservation.DelayFrom(now)
	if delay <= 0 {
		return nil
	}
	if err := sleep(ctx, delay); err != nil {
		reservation.Cancel()
		return err
	}
	return nil
}

// slowDown halves the current rate, bounded below by base/minRateDivisor,
// and restarts the slowdown period.
func (p *pacer) slowDown() {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	limit := max(p.limiter.Limit()/2, p.base/minRateDivisor)
	p.limiter.SetLimitAt(now, limit)
	p.slowUntil = now.Add(nearLimitSlowdown)
}

// limit returns the rate in force now, in requests per second.
func (p *pacer) limit() float64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return float64(p.limiter.Limit())
}
