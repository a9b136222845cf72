package jirasim

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"
)

// RecordedRequest is one request the server received and the status it sent.
type RecordedRequest struct {
	Method string
	Path   string // URL path, such as /ex/jira/{cloudId}/rest/api/3/users/search
	Query  string // raw query string
	// Body is the request body as sent. For POST /oauth/token it contains
	// the client secret and the code or refresh token.
	Body []byte
	// Status is the HTTP status sent, or 0 when the connection was dropped
	// without a response.
	Status int
	Time   time.Time // when the request arrived
}

type requestLog struct {
	mu       sync.Mutex
	requests []RecordedRequest
}

func (l *requestLog) add(r RecordedRequest) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.requests = append(l.requests, r)
}

func (l *requestLog) list() []RecordedRequest {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.requests)
}

func (l *requestLog) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.requests = nil
}

// statusWriter remembers the status written through it and still lets
// handlers hijack the connection.
type statusWriter struct {
	http.ResponseWriter
	status   int
	hijacked bool
}

func (w *statusWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	w.hijacked = true
	return http.NewResponseController(w.ResponseWriter).Hijack()
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// recordRequests records every request with its body and final status.
func (s *Server) recordRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived := s.now()
		body, err := io.ReadAll(r.Body)
		if err != nil {
			writeErrors(w, http.StatusBadRequest, "Failed to read the request body: "+err.Error())
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			status := sw.status
			if sw.hijacked {
				status = 0
			}
			s.recorder.add(RecordedRequest{
				Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery,
				Body: body, Status: status, Time: arrived,
			})
			s.log.Debug("jira simulator request", "method", r.Method, "path", r.URL.Path, "status", status)
		}()
		next.ServeHTTP(sw, r)
	})
}
