package atlassian

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"sync/atomic"
	"time"
)

// request is one logical call: it may take several attempts.
type request struct {
	method string
	path   string // escaped, such as "/rest/api/3/project/ABC/role/10002"
	query  url.Values
	body   any // encoded as JSON when not nil
	// write marks a call that changes state in Jira, so it is retried only
	// when Jira did not act on it.
	write bool
	// conflictIsTimeout marks GET /users/search, where 409 means the search
	// took longer than 10 s and a retry may succeed.
	conflictIsTimeout bool
}

// endpoint names the call in errors and logs: method, path and query.
func (r request) endpoint() string {
	if len(r.query) == 0 {
		return r.method + " " + r.path
	}
	return r.method + " " + r.path + "?" + r.query.Encode()
}

// attemptResult is the outcome of one HTTP attempt.
type attemptResult struct {
	status int
	body   []byte
	err    error // nil on success
	// retryable reports whether this request may be repeated after err.
	retryable bool
	// retryAfter is the parsed Retry-After header. hasRetryAfter reports
	// whether one was present, because 0 means "retry now".
	retryAfter    time.Duration
	hasRetryAfter bool
}

// response is a 2xx response: status and body.
type response struct {
	status int
	body   []byte
}

// do runs r with pacing and retries and returns the 2xx response.
func (c *Client) do(ctx context.Context, r request) (response, error) {
	var payload []byte
	if r.body != nil {
		encoded, err := json.Marshal(r.body)
		if err != nil {
			return response{}, fmt.Errorf("atlassian: encoding the body of %s: %w", r.endpoint(), err)
		}
		payload = encoded
	}

	for attempt := 0; ; attempt++ {
		if err := c.pacer.wait(ctx, c.sleep); err != nil {
			return response{}, fmt.Errorf("jira %s: waiting for the client-side rate limiter: %w", r.endpoint(), err)
		}
		result := c.attempt(ctx, r, payload)
		if result.err == nil {
			return response{status: result.status, body: result.body}, nil
		}
		if !result.retryable || attempt >= c.maxRetries {
			return response{}, result.err
		}

		delay := c.backoff(attempt)
		if result.hasRetryAfter {
			if result.retryAfter > c.maxBackoff {
				// Waiting longer than MaxBackoff would hold a worker idle,
				// so the caller gets the wait in the error instead.
				return response{}, result.err
			}
			delay = result.retryAfter
		}
		c.stats.retries.Add(1)
		c.logger.LogAttrs(ctx, slog.LevelWarn, "retrying Jira request",
			slog.String("endpoint", r.endpoint()),
			slog.Int("attempt", attempt+1),
			slog.Duration("delay", delay),
			slog.String("error", result.err.Error()))
		if err := c.sleep(ctx, delay); err != nil {
			// The context ended during the wait. The last failure shows
			// what Jira returned, which helps the caller more.
			return response{}, result.err
		}
	}
}

// backoff returns the wait before retry number attempt+1 when Jira sent no
// Retry-After: full jitter over min(MaxBackoff, baseBackoff·2^attempt).
func (c *Client) backoff(attempt int) time.Duration {
	ceiling := c.maxBackoff
	if attempt < 30 {
		ceiling = min(ceiling, baseBackoff<<attempt)
	}
	return c.jitter(ceiling)
}

// attempt sends r once and classifies the outcome.
func (c *Client) attempt(ctx context.Context, r request, payload []byte) attemptResult {
	var bodyReader io.Reader
	if payload != nil {
		bodyReader = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, c.siteURL+r.path, bodyReader)
	if err != nil {
		return attemptResult{err: fmt.Errorf("atlassian: building %s: %w", r.endpoint(), err)}
	}
	req.URL.RawQuery = r.query.Encode()
	req.Header.Set("Accept", "application/json")
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}

	// sent turns true once the request headers are on the wire: from then on
	// Jira may act on a write even if no response arrives.
	var sent atomic.Bool
	trace := &httptrace.ClientTrace{WroteHeaders: func() { sent.Store(true) }}
	req = req.WithContext(httptrace.WithClientTrace(ctx, trace))

	c.stats.calls.Add(1)
	resp, err := c.httpClient.Do(req)
	if err != nil {
		return c.transportFailure(ctx, r, err, sent.Load())
	}
	defer resp.Body.Close()

	c.observeRateLimitHeaders(ctx, r, resp)
	data, readErr := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	return c.classify(ctx, r, resp, data, readErr)
}

// observeRateLimitHeaders slows the pacer when Jira reports that the quota
// is nearly used or that the client is rate limited.
func (c *Client) observeRateLimitHeaders(ctx context.Context, r request, resp *http.Response) {
	nearLimit := resp.Header.Get("X-RateLimit-NearLimit") == "true"
	if nearLimit {
		c.stats.nearLimit.Add(1)
	}
	if resp.StatusCode == http.StatusTooManyRequests {
		c.stats.rateLimited.Add(1)
	}
	if nearLimit || resp.StatusCode == http.StatusTooManyRequests {
		c.pacer.slowDown()
		c.logger.LogAttrs(ctx, slog.LevelInfo, "slowing Jira requests",
			slog.String("endpoint", r.endpoint()),
			slog.Int("status", resp.StatusCode),
			slog.Bool("near_limit", nearLimit),
			slog.String("reason", resp.Header.Get("RateLimit-Reason")),
			slog.Float64("rate_per_second", c.pacer.limit()))
	}
}

// details builds the ErrorDetails for a response with status and body.
func details(r request, status int, body []byte, cause error) ErrorDetails {
	return ErrorDetails{
		Endpoint:   r.endpoint(),
		StatusCode: status,
		Messages:   jiraMessages(body),
		Err:        cause,
	}
}

// transportFailure classifies an error from http.Client.Do.
func (c *Client) transportFailure(ctx context.Context, r request, err error, sent bool) attemptResult {
	if ctx.Err() != nil {
		if r.write && sent {
			return attemptResult{err: &AmbiguousWriteError{ErrorDetails{Endpoint: r.endpoint(), Err: ctx.Err()}}}
		}
		return attemptResult{err: fmt.Errorf("jira %s: %w", r.endpoint(), ctx.Err())}
	}

	var urlErr *url.Error
	cause := err
	if errors.As(err, &urlErr) {
		cause = urlErr.Err
	}
	if tokenErr := asTokenError(cause); tokenErr != nil {
		return attemptResult{err: tokenErr(r.endpoint())}
	}
	if !isNetworkError(cause) {
		// Not a transport failure, for example an error of the token source:
		// pass it on with its own type.
		return attemptResult{err: fmt.Errorf("jira %s: %w", r.endpoint(), err)}
	}

	unavailable := &UnavailableError{ErrorDetails: ErrorDetails{Endpoint: r.endpoint(), Err: cause}}
	if r.write && sent {
		return attemptResult{err: &AmbiguousWriteError{ErrorDetails{Endpoint: r.endpoint(), Err: unavailable}}}
	}
	return attemptResult{err: unavailable, retryable: true}
}

// classify turns an HTTP response into a body or a typed error.
func (c *Client) classify(ctx context.Context, r request, resp *http.Response, data []byte, readErr error) attemptResult {
	status := resp.StatusCode
	retryAfter, hasRetryAfter := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())

	if status >= 200 && status < 300 {
		switch {
		case readErr != nil && ctx.Err() != nil && !r.write:
			return attemptResult{err: fmt.Errorf("jira %s: reading the response: %w", r.endpoint(), ctx.Err())}
		case readErr != nil:
			unavailable := &UnavailableError{ErrorDetails: ErrorDetails{Endpoint: r.endpoint(), StatusCode: status, Err: readErr}}
			if r.write {
				// Jira acted, but the response that describes the result is lost.
				return attemptResult{err: &AmbiguousWriteError{ErrorDetails{Endpoint: r.endpoint(), Err: unavailable}}}
			}
			return attemptResult{err: unavailable, retryable: true}
		case len(data) > maxResponseBytes:
			return attemptResult{err: malformed(r, status, fmt.Sprintf("body larger than %d bytes", maxResponseBytes), nil)}
		}
		return attemptResult{status: status, body: data}
	}

	// An error response whose body could not be read still has its status.
	d := details(r, status, data, nil)
	switch {
	case status == http.StatusTooManyRequests:
		return attemptResult{
			err: &RateLimitedError{
				ErrorDetails: d,
				RetryAfter:   retryAfter,
				Reason:       resp.Header.Get("RateLimit-Reason"),
			},
			retryable:     true,
			retryAfter:    retryAfter,
			hasRetryAfter: hasRetryAfter,
		}
	case status == http.StatusServiceUnavailable:
		unavailable := &UnavailableError{ErrorDetails: d, RetryAfter: retryAfter}
		if r.write && !hasRetryAfter {
			// Without Retry-After nothing shows that the request was shed
			// before Jira acted on it.
			return attemptResult{err: &AmbiguousWriteError{ErrorDetails{Endpoint: r.endpoint(), Err: unavailable}}}
		}
		return attemptResult{err: unavailable, retryable: true, retryAfter: retryAfter, hasRetryAfter: hasRetryAfter}
	case status >= 500:
		unavailable := &UnavailableError{ErrorDetails: d}
		if r.write {
			return attemptResult{err: &AmbiguousWriteError{ErrorDetails{Endpoint: r.endpoint(), Err: unavailable}}}
		}
		retryable := status == http.StatusInternalServerError || status == http.StatusBadGateway || status == http.StatusGatewayTimeout
		return attemptResult{err: unavailable, retryable: retryable}
	case status == http.StatusConflict && r.conflictIsTimeout:
		return attemptResult{err: &UnavailableError{ErrorDetails: d}, retryable: true}
	case status == http.StatusUnauthorized:
		return attemptResult{err: &UnauthorizedError{d}}
	case status == http.StatusForbidden:
		return attemptResult{err: &ForbiddenError{d}}
	case status == http.StatusNotFound:
		return attemptResult{err: &NotFoundError{d}}
	case status == http.StatusConflict:
		return attemptResult{err: &ConflictError{d}}
	case status >= 400:
		return attemptResult{err: &BadRequestError{d}}
	}
	return attemptResult{err: malformed(r, status, fmt.Sprintf("unexpected HTTP status %d", status), nil)}
}

// malformed builds a MalformedResponseError for a problem in a response.
func malformed(r request, status int, problem string, cause error) *MalformedResponseError {
	return &MalformedResponseError{
		ErrorDetails: ErrorDetails{Endpoint: r.endpoint(), StatusCode: status, Err: cause},
		Problem:      problem,
	}
}
