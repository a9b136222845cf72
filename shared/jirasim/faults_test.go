package jirasim

import (
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestFaultStatuses(t *testing.T) {
	e := startEnv(t, mustGenerate(t, SizeSmall), Options{})
	cases := []struct {
		name       string
		fault      Fault
		wantStatus int
		wantRetry  string
		wantReason string
	}{
		{"429 with Retry-After 0", Fault{Kind: FaultStatus, Status: 429, RetryAfter: "0"}, 429, "0", ReasonBurst},
		{"429 with Retry-After 3", Fault{Kind: FaultStatus, Status: 429, RetryAfter: "3"}, 429, "3", ReasonBurst},
		{"503 with Retry-After", Fault{Kind: FaultStatus, Status: 503, RetryAfter: "5"}, 503, "5", ""},
		{"500 by default", Fault{Kind: FaultStatus}, 500, "", ""},
		{"409 timeout", Fault{Kind: FaultTimeout, Delay: 10 * time.Millisecond}, 409, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e.srv.ClearFaults()
			c.fault.Path = "/users/search"
			e.srv.InjectFault(c.fault)
			status, header, body := e.do("GET", "/users/search", e.token, nil)
			if status != c.wantStatus {
				t.Errorf("status %d, want %d", status, c.wantStatus)
			}
			if got := header.Get("Retry-After"); got != c.wantRetry {
				t.Errorf("Retry-After %q, want %q", got, c.wantRetry)
			}
			if got := header.Get("RateLimit-Reason"); got != c.wantReason {
				t.Errorf("RateLimit-Reason %q, want %q", got, c.wantReason)
			}
			var ec errorCollection
			if err := json.Unmarshal(body, &ec); err != nil || len(ec.ErrorMessages) == 0 {
				t.Errorf("body %s is not a Jira error with a message", body)
			}
		})
	}
	e.srv.ClearFaults()
	if status, _, _ := e.do("GET", "/users/search", e.token, nil); status != 200 {
		t.Errorf("after ClearFaults: status %d, want 200", status)
	}
}

func TestFaultBrokenBodies(t *testing.T) {
	d := mustGenerate(t, SizeSmall)
	e := startEnv(t, d, Options{})
	g := url.QueryEscape(d.Groups[0].GroupID)

	e.srv.InjectFault(Fault{Path: "/users/search", Kind: FaultMalformedJSON, Count: 1})
	status, _, body, err := e.doRaw("GET", "/users/search", nil)
	if err != nil || status != 200 {
		t.Fatalf("malformed JSON: status %d, err %v", status, err)
	}
	if json.Valid(body) {
		t.Errorf("malformed JSON fault sent valid JSON %.80s", body)
	}

	e.srv.InjectFault(Fault{Path: "/group/member", Kind: FaultWrongTypes, Count: 1})
	_, _, body, _ = e.doRaw("GET", "/group/member?includeInactiveUsers=true&groupId="+g, nil)
	var typed map[string]any
	if err := json.Unmarshal(body, &typed); err != nil {
		t.Fatalf("wrong types body %s: %v", body, err)
	}
	if _, ok := typed["total"].(string); !ok {
		t.Errorf("total is %T, want a string", typed["total"])
	}
	if _, ok := typed["isLast"].(string); !ok {
		t.Errorf("isLast is %T, want a string", typed["isLast"])
	}

	e.srv.InjectFault(Fault{Path: "/users/search", Kind: FaultMissingAccountID, Count: 1})
	_, _, body, _ = e.doRaw("GET", "/users/search", nil)
	var users []map[string]any
	if err := json.Unmarshal(body, &users); err != nil {
		t.Fatalf("missing accountId body: %v", err)
	}
	if _, has := users[0]["accountId"]; has {
		t.Error("first user still has accountId")
	}
	if _, has := users[1]["accountId"]; !has {
		t.Error("second user lost accountId too; only the first should")
	}
}

func TestFaultDelay(t *testing.T) {
	e := startEnv(t, mustGenerate(t, SizeSmall), Options{})
	e.srv.InjectFault(Fault{Path: "/role", Kind: FaultDelay, Delay: 200 * time.Millisecond})
	start := time.Now()
	status, _, _ := e.do("GET", "/role", e.token, nil)
	if elapsed := time.Since(start); elapsed < 200*time.Millisecond {
		t.Errorf("response after %v, want at least 200ms", elapsed)
	}
	if status != 200 {
		t.Errorf("status %d, want 200 after the delay", status)
	}
}

func TestFaultDropConnection(t *testing.T) {
	e := startEnv(t, mustGenerate(t, SizeSmall), Options{})
	e.srv.ResetRequests()
	// Go's transport retries a GET once on a reused connection that closes
	// without a response, so the fault fires on every request here.
	e.srv.InjectFault(Fault{Path: "/role", Kind: FaultDrop})
	if _, _, _, err := e.doRaw("GET", "/role", nil); err == nil {
		t.Error("dropped connection: the client got a response")
	}
	reqs := e.srv.Requests()
	if len(reqs) == 0 {
		t.Fatal("no request recorded")
	}
	for _, r := range reqs {
		if r.Status != 0 {
			t.Errorf("recorded status %d for a dropped request, want 0", r.Status)
		}
	}
	e.srv.ClearFaults()
	if status, _, _ := e.do("GET", "/role", e.token, nil); status != 200 {
		t.Errorf("after ClearFaults: status %d, want 200", status)
	}
}

func TestFaultWriteThenFail(t *testing.T) {
	cases := []struct {
		kind       FaultKind
		wantErr    bool
		wantStatus int
	}{
		{FaultWriteThenFail, false, 504},
		{FaultWriteThenDrop, true, 0},
	}
	for _, c := range cases {
		t.Run(string(c.kind), func(t *testing.T) {
			d := mustGenerate(t, SizeSmall)
			e := startEnv(t, d, Options{})
			var group Group
			var user string
			for _, g := range d.Groups {
				for _, u := range d.Users {
					if u.Active && u.AccountType == "atlassian" && !slices.Contains(g.Members, u.AccountID) {
						group, user = g, u.AccountID
					}
				}
			}
			e.srv.InjectFault(Fault{Method: "POST", Path: "/group/user", Kind: c.kind, Status: 504})
			status, _, _, err := e.doRaw("POST", "/group/user?groupId="+url.QueryEscape(group.GroupID), map[string]string{"accountId": user})
			if (err != nil) != c.wantErr {
				t.Errorf("transport error %v, want an error: %v", err, c.wantErr)
			}
			if status != c.wantStatus {
				t.Errorf("status %d, want %d", status, c.wantStatus)
			}
			after := e.srv.Dataset()
			i := slices.IndexFunc(after.Groups, func(g Group) bool { return g.GroupID == group.GroupID })
			if !slices.Contains(after.Groups[i].Members, user) {
				t.Error("the write did not take effect before the failure")
			}
		})
	}
}

func TestFaultMatching(t *testing.T) {
	d := mustGenerate(t, SizeSmall)
	e := startEnv(t, d, Options{})
	statuses := func(n int, path string) []int {
		var out []int
		for range n {
			s, _, _ := e.do("GET", path, e.token, nil)
			out = append(out, s)
		}
		return out
	}
	roleOf := "/project/" + d.Projects[0].Key + "/role/" + "10002"
	cases := []struct {
		name  string
		fault Fault
		path  string
		want  []int
	}{
		{"after and count", Fault{Path: "/role", Kind: FaultStatus, Status: 503, After: 1, Count: 2}, "/role", []int{200, 503, 503, 200}},
		{"glob over path segments", Fault{Path: "/project/*/role/*", Kind: FaultStatus, Status: 500}, roleOf, []int{500, 500}},
		{"other method", Fault{Method: "POST", Path: "/role", Kind: FaultStatus}, "/role", []int{200}},
		{"other path", Fault{Path: "/group/bulk", Kind: FaultStatus}, "/role", []int{200}},
		{"full path", Fault{Path: "/ex/jira/*/rest/api/3/role", Kind: FaultStatus, Status: 503}, "/role", []int{503}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e.srv.ClearFaults()
			e.srv.InjectFault(c.fault)
			if got := statuses(len(c.want), c.path); !slices.Equal(got, c.want) {
				t.Errorf("statuses %v, want %v", got, c.want)
			}
		})
	}
	t.Run("probability", func(t *testing.T) {
		e.srv.ClearFaults()
		e.srv.InjectFault(Fault{Path: "/role", Kind: FaultStatus, Probability: 0.5})
		got := statuses(200, "/role")
		failed := len(slices.DeleteFunc(got, func(s int) bool { return s == 200 }))
		if failed < 60 || failed > 140 {
			t.Errorf("%d of 200 requests failed with probability 0.5", failed)
		}
	})
	t.Run("token endpoint", func(t *testing.T) {
		e.srv.ClearFaults()
		e.srv.InjectFault(Fault{Path: "/oauth/token", Kind: FaultStatus, Status: 503, Count: 1})
		status, _, _ := e.refresh(e.pair.RefreshToken)
		if status != 503 {
			t.Errorf("refresh under a fault: status %d, want 503", status)
		}
	})
	e.srv.ClearFaults()
}

func TestFaultKindIsNamedInUnknownKindError(t *testing.T) {
	e := startEnv(t, mustGenerate(t, SizeSmall), Options{})
	e.srv.InjectFault(Fault{Kind: "bogus"})
	_, _, body, _ := e.doRaw("GET", "/role", nil)
	if !strings.Contains(string(body), "bogus") {
		t.Errorf("body %s does not name the unknown kind", body)
	}
}
