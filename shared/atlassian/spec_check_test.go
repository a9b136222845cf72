package atlassian

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// fakeT collects the failures that specTransport reports, so that a test
// can check that the transport rejects bad requests.
type fakeT struct {
	testing.TB
	errors []string
}

func (f *fakeT) Errorf(format string, args ...any) {
	f.errors = append(f.errors, fmt.Sprintf(format, args...))
}
func (f *fakeT) Helper() {}

func TestSpecTransportRejectsBadRequests(t *testing.T) {
	cases := []struct {
		name, method, target, body string
		want                       string // fragment of the reported failure
	}{
		{"unknown path", "GET", sitePrefix + "/rest/api/3/users/everyone", "", "no matching operation"},
		{"wrong method", "PATCH", sitePrefix + "/rest/api/3/users/search", "", "method not allowed"},
		{"bad integer", "GET", sitePrefix + "/rest/api/3/users/search?maxResults=many", "", `"maxResults"`},
		{"undeclared parameter", "GET", sitePrefix + "/rest/api/3/group/bulk?limit=5", "", `"limit" is not declared`},
		{"body missing products", "POST", sitePrefix + "/rest/api/3/user", `{"emailAddress":"a@example.com"}`, `"products" is missing`},
		{"no site prefix", "GET", "/rest/api/3/users/search", "", "path is not under"},
		{"wrong role id type", "GET", sitePrefix + "/rest/api/3/project/ABC/role/admin", "", `"id" in path`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			recorder := &fakeT{TB: t}
			transport := newSpecTransport(recorder, http.DefaultTransport, testCloudID, testToken)
			req, err := http.NewRequest(tc.method, "http://127.0.0.1:1"+tc.target, strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			if tc.body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			req.Header.Set("Authorization", "Bearer "+testToken)
			if _, err := transport.RoundTrip(req); err == nil {
				t.Errorf("RoundTrip accepted %s %s", tc.method, tc.target)
			}
			if len(recorder.errors) != 1 {
				t.Fatalf("reported %d failures, want 1: %q", len(recorder.errors), recorder.errors)
			}
			if !strings.Contains(recorder.errors[0], tc.want) {
				t.Errorf("failure %q does not mention %q", recorder.errors[0], tc.want)
			}
		})
	}
}

func TestSpecTransportRejectsMissingToken(t *testing.T) {
	recorder := &fakeT{TB: t}
	transport := newSpecTransport(recorder, http.DefaultTransport, testCloudID, testToken)
	req, err := http.NewRequest("GET", "http://127.0.0.1:1"+sitePrefix+"/rest/api/3/role", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := transport.RoundTrip(req); err == nil {
		t.Error("RoundTrip accepted a request without Authorization")
	}
}
