package atlassian

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

// writeCall is one write method with fixed arguments.
type writeCall struct {
	name string
	call func(ctx context.Context, c *Client) error
}

var writeCalls = []writeCall{
	{"CreateUser", func(ctx context.Context, c *Client) error {
		_, err := c.CreateUser(ctx, "mia@example.com", []string{})
		return err
	}},
	{"DeleteUser", func(ctx context.Context, c *Client) error { return c.DeleteUser(ctx, "u-0") }},
	{"CreateGroup", func(ctx context.Context, c *Client) error {
		_, err := c.CreateGroup(ctx, "jira-users")
		return err
	}},
	{"AddUserToGroup", func(ctx context.Context, c *Client) error { return c.AddUserToGroup(ctx, "g-1", "u-0") }},
	{"RemoveUserFromGroup", func(ctx context.Context, c *Client) error { return c.RemoveUserFromGroup(ctx, "g-1", "u-0") }},
	{"AddProjectRoleActors", func(ctx context.Context, c *Client) error {
		_, err := c.AddProjectRoleActors(ctx, "ABC", 10002, []string{"u-0"}, nil)
		return err
	}},
	{"RemoveProjectRoleActor", func(ctx context.Context, c *Client) error {
		return c.RemoveProjectRoleActor(ctx, "ABC", 10002, "", "g-1")
	}},
}

func TestWritesAmbiguousOn5xx(t *testing.T) {
	for _, status := range []int{500, 502, 503, 504} {
		for _, w := range writeCalls {
			t.Run(http.StatusText(status)+"/"+w.name, func(t *testing.T) {
				ts := newTestServer(t, failThenSucceed(1, status, nil))
				client, _ := newTestClient(t, ts, nil)

				err := w.call(context.Background(), client)
				var ambiguous *AmbiguousWriteError
				if !errors.As(err, &ambiguous) {
					t.Fatalf("error = %v, want *AmbiguousWriteError", err)
				}
				var unavailable *UnavailableError
				if !errors.As(err, &unavailable) {
					t.Errorf("error %v does not wrap *UnavailableError", err)
				}
				if n := len(ts.Requests()); n != 1 {
					t.Errorf("sent %d requests, want 1", n)
				}
			})
		}
	}
}

func TestWritesRetriedWhenJiraDidNotAct(t *testing.T) {
	cases := []struct {
		name    string
		status  int
		headers map[string]string
	}{
		{"429 without Retry-After", 429, nil},
		{"429 with Retry-After 0", 429, map[string]string{"Retry-After": "0"}},
		{"503 with Retry-After", 503, map[string]string{"Retry-After": "1"}},
	}
	for _, tc := range cases {
		for _, w := range writeCalls {
			t.Run(tc.name+"/"+w.name, func(t *testing.T) {
				ts := newTestServer(t, failThenSucceed(2, tc.status, tc.headers))
				client, _ := newTestClient(t, ts, nil)

				if err := w.call(context.Background(), client); err != nil {
					t.Fatalf("error after retries: %v", err)
				}
				if n := len(ts.Requests()); n != 3 {
					t.Errorf("sent %d requests, want 3", n)
				}
			})
		}
	}
}

func TestWriteRateLimitExhausted(t *testing.T) {
	ts := newTestServer(t, failThenSucceed(1000, 429, map[string]string{"Retry-After": "0"}))
	client, _ := newTestClient(t, ts, func(cfg *Config) { cfg.MaxRetries = 2 })

	err := client.AddUserToGroup(context.Background(), "g-1", "u-0")
	var rateLimited *RateLimitedError
	if !errors.As(err, &rateLimited) {
		t.Fatalf("error = %v, want *RateLimitedError", err)
	}
	var ambiguous *AmbiguousWriteError
	if errors.As(err, &ambiguous) {
		t.Errorf("error %v is ambiguous, but Jira did not act on a 429", err)
	}
}

func TestWriteTimeoutIsAmbiguous(t *testing.T) {
	release := make(chan struct{})
	ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	t.Cleanup(func() { close(release) })
	client, _ := newTestClient(t, ts, nil)
	client.httpClient.Timeout = 200 * time.Millisecond

	err := client.AddUserToGroup(context.Background(), "g-1", "u-0")
	var ambiguous *AmbiguousWriteError
	if !errors.As(err, &ambiguous) {
		t.Fatalf("error = %v, want *AmbiguousWriteError", err)
	}
	if n := len(ts.Requests()); n != 1 {
		t.Errorf("sent %d requests, want 1", n)
	}
}

func TestWriteContextDeadlineIsAmbiguous(t *testing.T) {
	release := make(chan struct{})
	ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	t.Cleanup(func() { close(release) })
	client, _ := newTestClient(t, ts, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()

	_, err := client.CreateGroup(ctx, "jira-users")
	var ambiguous *AmbiguousWriteError
	if !errors.As(err, &ambiguous) {
		t.Fatalf("error = %v, want *AmbiguousWriteError", err)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error %v does not wrap context.DeadlineExceeded", err)
	}
}

func TestWriteDroppedConnectionIsAmbiguous(t *testing.T) {
	ts := newTestServer(t, closeAfterRequest(1))
	client, _ := newTestClient(t, ts, nil)

	err := client.DeleteUser(context.Background(), "u-0")
	var ambiguous *AmbiguousWriteError
	if !errors.As(err, &ambiguous) {
		t.Fatalf("error = %v, want *AmbiguousWriteError", err)
	}
	if n := len(ts.Requests()); n != 1 {
		t.Errorf("sent %d requests, want 1", n)
	}
}

// TestWriteRetriedWhenNeverSent checks that a write that could not connect
// is retried, because Jira never saw it.
func TestWriteRetriedWhenNeverSent(t *testing.T) {
	ts := newTestServer(t, fakeJiraHandler)
	client, sleeps := newTestClient(t, ts, func(cfg *Config) { cfg.MaxRetries = 2 })
	ts.Close()

	err := client.AddUserToGroup(context.Background(), "g-1", "u-0")
	var unavailable *UnavailableError
	if !errors.As(err, &unavailable) {
		t.Fatalf("error = %v, want *UnavailableError", err)
	}
	var ambiguous *AmbiguousWriteError
	if errors.As(err, &ambiguous) {
		t.Errorf("error %v is ambiguous, but nothing was sent", err)
	}
	if n := len(sleeps.Delays()); n != 2 {
		t.Errorf("retried %d times, want 2", n)
	}
}

func TestWriteClientErrorsAreTyped(t *testing.T) {
	cases := []struct {
		status int
		check  func(error) bool
	}{
		{400, func(err error) bool { var e *BadRequestError; return errors.As(err, &e) }},
		{403, func(err error) bool { var e *ForbiddenError; return errors.As(err, &e) }},
		{404, func(err error) bool { var e *NotFoundError; return errors.As(err, &e) }},
		{409, func(err error) bool { var e *ConflictError; return errors.As(err, &e) }},
	}
	for _, tc := range cases {
		t.Run(http.StatusText(tc.status), func(t *testing.T) {
			ts := newTestServer(t, failThenSucceed(1, tc.status, nil))
			client, _ := newTestClient(t, ts, nil)

			err := client.AddUserToGroup(context.Background(), "g-1", "u-0")
			if !tc.check(err) {
				t.Errorf("error = %v (%T)", err, err)
			}
			var ambiguous *AmbiguousWriteError
			if errors.As(err, &ambiguous) {
				t.Errorf("error %v is ambiguous", err)
			}
		})
	}
}

func TestWriteArgumentsRejected(t *testing.T) {
	ts := newTestServer(t, fakeJiraHandler)
	client, _ := newTestClient(t, ts, nil)
	ctx := context.Background()

	cases := []struct {
		name string
		call func() error
		want string // fragment of the error text
	}{
		{"CreateUser nil products", func() error { _, err := client.CreateUser(ctx, "mia@example.com", nil); return err }, "products is nil"},
		{"CreateUser empty email", func() error { _, err := client.CreateUser(ctx, "", []string{}); return err }, "email is empty"},
		{"DeleteUser empty id", func() error { return client.DeleteUser(ctx, "") }, "accountID is empty"},
		{"CreateGroup empty name", func() error { _, err := client.CreateGroup(ctx, ""); return err }, "name is empty"},
		{"AddUserToGroup empty group", func() error { return client.AddUserToGroup(ctx, "", "u-0") }, "must both be set"},
		{"RemoveUserFromGroup empty account", func() error { return client.RemoveUserFromGroup(ctx, "g-1", "") }, "must both be set"},
		{"AddProjectRoleActors no actors", func() error {
			_, err := client.AddProjectRoleActors(ctx, "ABC", 10002, nil, []string{})
			return err
		}, "pass at least one"},
		{"AddProjectRoleActors bad role", func() error {
			_, err := client.AddProjectRoleActors(ctx, "ABC", 0, []string{"u-0"}, nil)
			return err
		}, "role id 0 is invalid"},
		{"RemoveProjectRoleActor both", func() error { return client.RemoveProjectRoleActor(ctx, "ABC", 10002, "u-0", "g-1") }, "pass exactly one"},
		{"RemoveProjectRoleActor neither", func() error { return client.RemoveProjectRoleActor(ctx, "ABC", 10002, "", "") }, "pass exactly one"},
		{"RemoveProjectRoleActor empty project", func() error { return client.RemoveProjectRoleActor(ctx, "", 10002, "u-0", "") }, "projectIDOrKey is empty"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want one containing %q", err, tc.want)
			}
		})
	}
	if n := len(ts.Requests()); n != 0 {
		t.Errorf("sent %d requests for invalid arguments, want 0", n)
	}
}
