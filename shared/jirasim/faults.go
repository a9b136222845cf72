package jirasim

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"path"
	"slices"
	"strings"
	"sync"
	"time"
)

// FaultKind selects what an injected fault does.
type FaultKind string

const (
	// FaultStatus sends Status (default 500), a Jira error body and, when
	// set, RetryAfter. Use it for 429 storms, 500 and 503.
	FaultStatus FaultKind = "status"
	// FaultTimeout waits Delay, then responds 409 as users/search does when a
	// request runs longer than 10 seconds.
	FaultTimeout FaultKind = "timeout"
	// FaultMalformedJSON sends the real status and the first half of the
	// real body, which is not valid JSON.
	FaultMalformedJSON FaultKind = "malformed-json"
	// FaultWrongTypes sends the real body with every number and boolean
	// turned into a string.
	FaultWrongTypes FaultKind = "wrong-types"
	// FaultMissingAccountID sends the real body without the first
	// accountId field in it.
	FaultMissingAccountID FaultKind = "missing-account-id"
	// FaultDelay waits Delay, then responds normally.
	FaultDelay FaultKind = "delay"
	// FaultDrop closes the connection without a response.
	FaultDrop FaultKind = "drop"
	// FaultShortPage makes a paged endpoint return PageSize items (default:
	// half the page requested) on a page that is not the last.
	FaultShortPage FaultKind = "short-page"
	// FaultWriteThenFail runs the request, so a write takes effect, then
	// responds with Status (default 500) in place of the real response.
	FaultWriteThenFail FaultKind = "write-then-fail"
	// FaultWriteThenDrop runs the request, then closes the connection
	// without a response, as when a client times out after the write.
	FaultWriteThenDrop FaultKind = "write-then-drop"
)

// Fault is a failure to inject into matching requests.
type Fault struct {
	// Method matches the request method; "" matches any.
	Method string
	// Path is a path.Match pattern. API requests match it against the path
	// after /rest/api/3 (such as "/group/member" or "/project/*/role/*");
	// every request also matches it against the full path (such as
	// "/oauth/token"). "" matches any path.
	Path string
	Kind FaultKind
	// Status is the status that FaultStatus and FaultWriteThenFail send.
	Status int
	// RetryAfter is the Retry-After header value, such as "0" or "5"; ""
	// sends none.
	RetryAfter string
	// Delay is the wait of FaultDelay and FaultTimeout.
	Delay time.Duration
	// PageSize is the number of items FaultShortPage returns.
	PageSize int
	// After lets this many matching requests through before the fault fires.
	After int
	// Count is how many times the fault fires; 0 means on every match.
	Count int
	// Probability is the chance that the fault fires on a match; 0 means always.
	Probability float64
}

type activeFault struct {
	Fault
	matched int
	fired   int
}

type faultSet struct {
	mu     sync.Mutex
	faults []*activeFault
	rng    *rand.Rand // seeded, so probabilistic faults repeat from run to run
}

func newFaultSet() *faultSet {
	return &faultSet{rng: rand.New(rand.NewPCG(1, 2))}
}

func (fs *faultSet) add(f Fault) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.faults = append(fs.faults, &activeFault{Fault: f})
}

func (fs *faultSet) clear() {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.faults = nil
}

// apiPath returns the part of an API path after /rest/api/3, or "".
func apiPath(p string) string {
	rest, ok := strings.CutPrefix(p, "/ex/jira/")
	if !ok {
		return ""
	}
	_, rel, ok := strings.Cut(rest, "/rest/api/3")
	if !ok {
		return ""
	}
	return rel
}

func (f *Fault) matches(r *http.Request) bool {
	if f.Method != "" && !strings.EqualFold(f.Method, r.Method) {
		return false
	}
	if f.Path == "" {
		return true
	}
	if ok, _ := path.Match(f.Path, r.URL.Path); ok {
		return true
	}
	rel := apiPath(r.URL.Path)
	ok, _ := path.Match(f.Path, rel)
	return rel != "" && ok
}

// pick returns the fault that fires for r, or nil.
func (fs *faultSet) pick(r *http.Request) *Fault {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for _, f := range fs.faults {
		if !f.matches(r) {
			continue
		}
		f.matched++
		if f.matched <= f.After || (f.Count > 0 && f.fired >= f.Count) {
			continue
		}
		if f.Probability > 0 && f.Probability < 1 && fs.rng.Float64() >= f.Probability {
			continue
		}
		f.fired++
		fired := f.Fault
		return &fired
	}
	return nil
}

// requestState is per-request data shared between the fault layer, the rate
// limiter and the handlers.
type requestState struct {
	shortPage int // > 0: paged endpoints return at most this many items; -1: half the page
	objects   int // objects returned, for rate-limit points
}

type stateKey struct{}

func stateOf(r *http.Request) *requestState {
	if st, ok := r.Context().Value(stateKey{}).(*requestState); ok {
		return st
	}
	return &requestState{}
}

// applyFaults attaches the request state and applies the fault that fires.
func (s *Server) applyFaults(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := &requestState{}
		r = r.WithContext(context.WithValue(r.Context(), stateKey{}, st))
		f := s.faults.pick(r)
		if f == nil {
			next.ServeHTTP(w, r)
			return
		}
		s.log.Info("jira simulator injects a fault", "kind", f.Kind, "method", r.Method, "path", r.URL.Path)
		s.serveFault(w, r, f, st, next)
	})
}

func (s *Server) serveFault(w http.ResponseWriter, r *http.Request, f *Fault, st *requestState, next http.Handler) {
	switch f.Kind {
	case FaultStatus:
		sendFaultStatus(w, f, http.StatusInternalServerError)
	case FaultTimeout:
		if !sleep(r.Context(), f.Delay) {
			return
		}
		writeErrors(w, http.StatusConflict, "The request took longer than 10 seconds and was interrupted. Retry it.")
	case FaultDelay:
		if sleep(r.Context(), f.Delay) {
			next.ServeHTTP(w, r)
		}
	case FaultDrop:
		dropConnection(w)
	case FaultShortPage:
		st.shortPage = f.PageSize
		if st.shortPage <= 0 {
			st.shortPage = -1 // half of the page requested
		}
		next.ServeHTTP(w, r)
	case FaultMalformedJSON, FaultWrongTypes, FaultMissingAccountID:
		rec := runBuffered(next, r)
		body := rec.body.Bytes()
		switch f.Kind {
		case FaultMalformedJSON:
			body = body[:len(body)/2]
		case FaultWrongTypes:
			body = stringifyScalars(body)
		default:
			body = dropFirstAccountID(body)
		}
		rec.copyHeaders(w)
		w.Header().Del("Content-Length")
		w.WriteHeader(rec.status)
		_, _ = w.Write(body)
	case FaultWriteThenFail:
		runBuffered(next, r)
		sendFaultStatus(w, f, http.StatusInternalServerError)
	case FaultWriteThenDrop:
		runBuffered(next, r)
		dropConnection(w)
	default:
		writeErrors(w, http.StatusInternalServerError,
			fmt.Sprintf("Invalid fault kind %q: use one of the FaultKind constants.", f.Kind))
	}
}

func sendFaultStatus(w http.ResponseWriter, f *Fault, fallback int) {
	status := f.Status
	if status == 0 {
		status = fallback
	}
	if f.RetryAfter != "" {
		w.Header().Set("Retry-After", f.RetryAfter)
	}
	message := http.StatusText(status) + "."
	if status == http.StatusTooManyRequests {
		w.Header().Set("RateLimit-Reason", ReasonBurst)
		message = "Rate limit exceeded."
	}
	writeErrors(w, status, message)
}

// sleep waits d or until ctx ends, and reports whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// dropConnection closes the client connection without a response.
func dropConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		// HTTP/2 and recorders cannot hijack: abort the handler instead,
		// which resets the stream.
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}

// bufferedResponse captures what a handler writes.
type bufferedResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedResponse) Header() http.Header { return b.header }
func (b *bufferedResponse) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}
func (b *bufferedResponse) WriteHeader(status int) {
	if b.status == 0 {
		b.status = status
	}
}

func (b *bufferedResponse) copyHeaders(w http.ResponseWriter) {
	for k, v := range b.header {
		w.Header()[k] = slices.Clone(v)
	}
}

// runBuffered runs next for r and returns what it wrote.
func runBuffered(next http.Handler, r *http.Request) *bufferedResponse {
	rec := &bufferedResponse{header: http.Header{}}
	next.ServeHTTP(rec, r)
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	return rec
}
