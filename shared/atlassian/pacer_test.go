package atlassian

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"
)

// fakeClock is a settable clock for the pacer.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func TestPacerSpacesRequests(t *testing.T) {
	clock := &fakeClock{now: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}
	p := newPacer(20, 1)
	p.now = clock.Now
	sleeps := &sleepRecorder{}

	for range 3 {
		if err := p.wait(context.Background(), sleeps.sleep); err != nil {
			t.Fatal(err)
		}
	}
	// The first request uses the burst; the next two wait 50 ms and 100 ms
	// because the fake clock does not move.
	want := []time.Duration{50 * time.Millisecond, 100 * time.Millisecond}
	got := sleeps.Delays()
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("waits = %v, want %v", got, want)
	}
}

func TestPacerSlowDownAndRecovery(t *testing.T) {
	clock := &fakeClock{now: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}
	p := newPacer(20, 1)
	p.now = clock.Now
	noWait := func(context.Context, time.Duration) error { return nil }

	p.slowDown()
	if got := p.limit(); got != 10 {
		t.Errorf("limit after one signal = %v, want 10", got)
	}
	for range 10 {
		p.slowDown()
	}
	if got := p.limit(); got != 20.0/minRateDivisor {
		t.Errorf("limit after many signals = %v, want the floor %v", got, 20.0/minRateDivisor)
	}

	clock.Advance(nearLimitSlowdown - time.Second)
	_ = p.wait(context.Background(), noWait)
	if got := p.limit(); got != 20.0/minRateDivisor {
		t.Errorf("limit before the slowdown ends = %v, want %v", got, 20.0/minRateDivisor)
	}

	clock.Advance(2 * time.Second)
	_ = p.wait(context.Background(), noWait)
	if got := p.limit(); got != 20 {
		t.Errorf("limit after the slowdown = %v, want 20", got)
	}
}

func TestPacerWaitHonoursContext(t *testing.T) {
	p := newPacer(0.001, 1)
	ctx, cancel := context.WithCancel(context.Background())
	if err := p.wait(ctx, sleepContext); err != nil {
		t.Fatalf("first wait: %v", err)
	}
	cancel()
	if err := p.wait(ctx, sleepContext); err == nil {
		t.Error("second wait returned nil after cancel, want the context error")
	}
}

func TestNearLimitHeaderSlowsClient(t *testing.T) {
	ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-RateLimit-NearLimit", "true")
		fakeJiraHandler(w, r)
	})
	client, _ := newTestClient(t, ts, func(cfg *Config) { cfg.RatePerSecond = 40 })

	if _, err := client.Roles(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := client.pacer.limit(); got != 20 {
		t.Errorf("rate after a near-limit response = %v, want 20", got)
	}
	if got := client.Stats().Snapshot().NearLimit; got != 1 {
		t.Errorf("NearLimit = %d, want 1", got)
	}
}

func TestRateLimitedResponseSlowsClient(t *testing.T) {
	ts := newTestServer(t, failThenSucceed(1, 429, map[string]string{"Retry-After": "0"}))
	client, _ := newTestClient(t, ts, func(cfg *Config) { cfg.RatePerSecond = 40 })

	if _, err := client.Roles(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := client.pacer.limit(); got != 20 {
		t.Errorf("rate after a 429 = %v, want 20", got)
	}
}

func TestStatsSharedAcrossClients(t *testing.T) {
	ts := newTestServer(t, fakeJiraHandler)
	stats := &Stats{}
	first, _ := newTestClient(t, ts, func(cfg *Config) { cfg.Stats = stats })
	second, _ := newTestClient(t, ts, func(cfg *Config) { cfg.Stats = stats })

	var wg sync.WaitGroup
	for _, c := range []*Client{first, second} {
		for range 10 {
			wg.Go(func() {
				if _, err := c.Roles(context.Background()); err != nil {
					t.Error(err)
				}
			})
		}
	}
	wg.Wait()
	if got := stats.Snapshot().Calls; got != 20 {
		t.Errorf("Calls = %d, want 20", got)
	}
}
