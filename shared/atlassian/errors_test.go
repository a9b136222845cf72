package atlassian

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// errorBody is a Jira error response with both message forms.
const errorBody = `{"errorMessages":["Something is wrong."],"errors":{"name":"Name is taken.","email":"Invalid."}}`

func TestStatusToTypedError(t *testing.T) {
	cases := []struct {
		status int
		path   string // "" means /group/bulk
		check  func(error) bool
		want   string
	}{
		{400, "", func(err error) bool { var e *BadRequestError; return errors.As(err, &e) }, "*BadRequestError"},
		{401, "", func(err error) bool { var e *UnauthorizedError; return errors.As(err, &e) }, "*UnauthorizedError"},
		{403, "", func(err error) bool { var e *ForbiddenError; return errors.As(err, &e) }, "*ForbiddenError"},
		{404, "", func(err error) bool { var e *NotFoundError; return errors.As(err, &e) }, "*NotFoundError"},
		{409, "", func(err error) bool { var e *ConflictError; return errors.As(err, &e) }, "*ConflictError"},
		{409, "users", func(err error) bool { var e *UnavailableError; return errors.As(err, &e) }, "*UnavailableError"},
		{413, "", func(err error) bool { var e *BadRequestError; return errors.As(err, &e) }, "*BadRequestError"},
		{429, "", func(err error) bool { var e *RateLimitedError; return errors.As(err, &e) }, "*RateLimitedError"},
		{500, "", func(err error) bool { var e *UnavailableError; return errors.As(err, &e) }, "*UnavailableError"},
		{501, "", func(err error) bool { var e *UnavailableError; return errors.As(err, &e) }, "*UnavailableError"},
		{502, "", func(err error) bool { var e *UnavailableError; return errors.As(err, &e) }, "*UnavailableError"},
		{503, "", func(err error) bool { var e *UnavailableError; return errors.As(err, &e) }, "*UnavailableError"},
		{504, "", func(err error) bool { var e *UnavailableError; return errors.As(err, &e) }, "*UnavailableError"},
		{304, "", func(err error) bool { var e *MalformedResponseError; return errors.As(err, &e) }, "*MalformedResponseError"},
	}
	for _, tc := range cases {
		name := http.StatusText(tc.status)
		if tc.path != "" {
			name += " on " + tc.path
		}
		t.Run(name, func(t *testing.T) {
			ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
				writeRaw(w, tc.status, errorBody)
			})
			client, _ := newTestClient(t, ts, func(cfg *Config) { cfg.MaxRetries = -1 })

			var err error
			if tc.path == "users" {
				_, err = client.SearchUsers(context.Background(), 0, 10)
			} else {
				_, err = client.BulkGroups(context.Background(), 0, 10)
			}
			if !tc.check(err) {
				t.Fatalf("error = %v (%T), want %s", err, err, tc.want)
			}
			details := errorDetails(err)
			if details.StatusCode != tc.status {
				t.Errorf("StatusCode = %d, want %d", details.StatusCode, tc.status)
			}
			if !strings.HasPrefix(details.Endpoint, "GET /rest/api/3/") {
				t.Errorf("Endpoint = %q", details.Endpoint)
			}
			if strings.Contains(err.Error(), testToken) {
				t.Errorf("error text contains the access token: %s", err)
			}
		})
	}
}

// errorDetails returns the ErrorDetails of any typed error of the package.
func errorDetails(err error) *ErrorDetails {
	var (
		rateLimited  *RateLimitedError
		unauthorized *UnauthorizedError
		forbidden    *ForbiddenError
		notFound     *NotFoundError
		conflict     *ConflictError
		badRequest   *BadRequestError
		unavailable  *UnavailableError
		malformedErr *MalformedResponseError
		ambiguous    *AmbiguousWriteError
	)
	switch {
	case errors.As(err, &ambiguous):
		return &ambiguous.ErrorDetails
	case errors.As(err, &rateLimited):
		return &rateLimited.ErrorDetails
	case errors.As(err, &unauthorized):
		return &unauthorized.ErrorDetails
	case errors.As(err, &forbidden):
		return &forbidden.ErrorDetails
	case errors.As(err, &notFound):
		return &notFound.ErrorDetails
	case errors.As(err, &conflict):
		return &conflict.ErrorDetails
	case errors.As(err, &badRequest):
		return &badRequest.ErrorDetails
	case errors.As(err, &unavailable):
		return &unavailable.ErrorDetails
	case errors.As(err, &malformedErr):
		return &malformedErr.ErrorDetails
	}
	return &ErrorDetails{}
}

func TestErrorCarriesJiraMessages(t *testing.T) {
	ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		writeRaw(w, 400, errorBody)
	})
	client, _ := newTestClient(t, ts, nil)

	_, err := client.CreateGroup(context.Background(), "jira-users")
	var badRequest *BadRequestError
	if !errors.As(err, &badRequest) {
		t.Fatalf("error = %v, want *BadRequestError", err)
	}
	want := []string{"Something is wrong.", "email: Invalid.", "name: Name is taken."}
	if !slices.Equal(badRequest.Messages, want) {
		t.Errorf("Messages = %q, want %q", badRequest.Messages, want)
	}
	if badRequest.Endpoint != "POST /rest/api/3/group" {
		t.Errorf("Endpoint = %q", badRequest.Endpoint)
	}
	if !strings.Contains(err.Error(), "Name is taken.") {
		t.Errorf("error text %q lacks Jira's message", err)
	}
}

func TestGatewayUnauthorizedMessage(t *testing.T) {
	ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		writeRaw(w, 401, `{"code":401,"message":"Unauthorized"}`)
	})
	client, _ := newTestClient(t, ts, nil)

	_, err := client.Roles(context.Background())
	var unauthorized *UnauthorizedError
	if !errors.As(err, &unauthorized) {
		t.Fatalf("error = %v, want *UnauthorizedError", err)
	}
	if !slices.Equal(unauthorized.Messages, []string{"Unauthorized"}) {
		t.Errorf("Messages = %q", unauthorized.Messages)
	}
	if n := len(ts.Requests()); n != 1 {
		t.Errorf("sent %d requests, want 1 (401 is not retried)", n)
	}
}

func TestHTMLErrorBodyGivesNoMessages(t *testing.T) {
	ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(404)
		_, _ = w.Write([]byte("<html>Not Found</html>"))
	})
	client, _ := newTestClient(t, ts, nil)

	_, err := client.GetUser(context.Background(), "nobody")
	var notFound *NotFoundError
	if !errors.As(err, &notFound) {
		t.Fatalf("error = %v, want *NotFoundError", err)
	}
	if len(notFound.Messages) != 0 {
		t.Errorf("Messages = %q, want none", notFound.Messages)
	}
}

// failingTokenSource fails like an oauth2 refresh that the token endpoint
// rejected.
type failingTokenSource struct{}

func (failingTokenSource) Token() (*oauth2.Token, error) {
	return nil, &oauth2.RetrieveError{
		Response:         &http.Response{StatusCode: 403},
		Body:             []byte(`{"error":"invalid_grant","error_description":"Unknown or invalid refresh token."}`),
		ErrorCode:        "invalid_grant",
		ErrorDescription: "Unknown or invalid refresh token.",
	}
}

func TestTokenRefreshFailureIsUnauthorized(t *testing.T) {
	ts := newTestServer(t, fakeJiraHandler)
	client, _ := newTestClient(t, ts, func(cfg *Config) {
		cfg.HTTPClient = &http.Client{Transport: &oauth2.Transport{Source: failingTokenSource{}}}
	})

	_, err := client.Roles(context.Background())
	var unauthorized *UnauthorizedError
	if !errors.As(err, &unauthorized) {
		t.Fatalf("error = %v, want *UnauthorizedError", err)
	}
	if !slices.Contains(unauthorized.Messages, "invalid_grant") {
		t.Errorf("Messages = %q, want invalid_grant among them", unauthorized.Messages)
	}
	if n := len(ts.Requests()); n != 0 {
		t.Errorf("server saw %d requests, want 0", n)
	}
}

// errTokenStore is an error of a token source that is not an oauth2 refresh.
var errTokenStore = errors.New("token store unavailable")

type brokenTokenSource struct{}

func (brokenTokenSource) Token() (*oauth2.Token, error) { return nil, errTokenStore }

func TestTokenSourceErrorPassesThrough(t *testing.T) {
	ts := newTestServer(t, fakeJiraHandler)
	client, sleeps := newTestClient(t, ts, func(cfg *Config) {
		cfg.HTTPClient = &http.Client{Transport: &oauth2.Transport{Source: brokenTokenSource{}}}
	})

	_, err := client.Roles(context.Background())
	if !errors.Is(err, errTokenStore) {
		t.Fatalf("error = %v, want errTokenStore", err)
	}
	if n := len(sleeps.Delays()); n != 0 {
		t.Errorf("retried %d times, want 0", n)
	}
}

func TestConnectionRefusedIsUnavailable(t *testing.T) {
	ts := newTestServer(t, fakeJiraHandler)
	client, _ := newTestClient(t, ts, func(cfg *Config) { cfg.MaxRetries = 2 })
	ts.Close()

	_, err := client.Roles(context.Background())
	var unavailable *UnavailableError
	if !errors.As(err, &unavailable) {
		t.Fatalf("error = %v, want *UnavailableError", err)
	}
	if unavailable.StatusCode != 0 {
		t.Errorf("StatusCode = %d, want 0", unavailable.StatusCode)
	}
	if got := client.Stats().Snapshot().Calls; got != 3 {
		t.Errorf("Calls = %d, want 3 (first attempt and 2 retries)", got)
	}
}

func TestRateLimitedErrorFields(t *testing.T) {
	ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "7")
		w.Header().Set("RateLimit-Reason", "jira-quota-tenant-based")
		writeRaw(w, 429, `{"errorMessages":["Rate limit exceeded."]}`)
	})
	client, _ := newTestClient(t, ts, func(cfg *Config) { cfg.MaxRetries = -1 })

	_, err := client.SearchProjects(context.Background(), 0, 10)
	var rateLimited *RateLimitedError
	if !errors.As(err, &rateLimited) {
		t.Fatalf("error = %v, want *RateLimitedError", err)
	}
	if rateLimited.RetryAfter != 7*time.Second {
		t.Errorf("RetryAfter = %s, want 7s", rateLimited.RetryAfter)
	}
	if rateLimited.Reason != "jira-quota-tenant-based" {
		t.Errorf("Reason = %q", rateLimited.Reason)
	}
}

func TestContextCanceledBeforeSend(t *testing.T) {
	ts := newTestServer(t, fakeJiraHandler)
	client, _ := newTestClient(t, ts, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()

	_, err := client.Roles(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error = %v, want context.Canceled", err)
	}
}
