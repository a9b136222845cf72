package jirasim

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
)

func (e *testEnv) accessibleResources(token string) (int, []accessibleResource) {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.srv.URL()+"/oauth/token/accessible-resources", nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatalf("GET accessible-resources: %v", err)
	}
	defer resp.Body.Close()
	var out []accessibleResource
	if resp.StatusCode == http.StatusOK {
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			e.t.Fatalf("decode accessible-resources: %v", err)
		}
	}
	return resp.StatusCode, out
}

func TestAccessibleResources(t *testing.T) {
	d := mustGenerate(t, SizeSmall)
	e := startEnv(t, d, Options{})
	orders := map[string]bool{}
	for range 30 {
		status, sites := e.accessibleResources(e.token)
		if status != http.StatusOK {
			t.Fatalf("status %d, want 200", status)
		}
		if len(sites) != len(d.Sites) {
			t.Fatalf("got %d sites, want %d", len(sites), len(d.Sites))
		}
		var ids []string
		for _, s := range sites {
			ids = append(ids, s.ID)
			if slices.Contains(s.Scopes, "offline_access") {
				t.Errorf("site %s lists offline_access among its scopes", s.Name)
			}
			if !slices.Contains(s.Scopes, "read:jira-user") {
				t.Errorf("site %s scopes %v lack read:jira-user", s.Name, s.Scopes)
			}
			if s.AvatarURL == "" || s.URL == "" || s.Name == "" {
				t.Errorf("site %+v lacks a field", s)
			}
		}
		orders[strings.Join(ids, ",")] = true
	}
	if len(orders) < 2 {
		t.Errorf("30 calls returned one order of sites; want them shuffled")
	}
	if status, _ := e.accessibleResources(""); status != http.StatusUnauthorized {
		t.Errorf("without a token: status %d, want 401", status)
	}
}

func TestAPIRejectsBadSiteAndToken(t *testing.T) {
	d := mustGenerate(t, SizeSmall)
	e := startEnv(t, d, Options{})
	get := func(cloudID, token string) int {
		req, _ := http.NewRequest(http.MethodGet, e.srv.URL()+"/ex/jira/"+cloudID+"/rest/api/3/projectCategory", nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("GET: %v", err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	cases := []struct {
		name    string
		cloudID string
		token   string
		want    int
	}{
		{"primary site", d.Sites[0].CloudID, e.token, 200},
		{"unknown cloudId", "00000000-0000-0000-0000-000000000000", e.token, 404},
		{"other accessible site", d.Sites[1].CloudID, e.token, 404},
		{"no token", d.Sites[0].CloudID, "", 401},
		{"unknown token", d.Sites[0].CloudID, AccessTokenPrefix + "forged", 401},
		{"refresh token as bearer", d.Sites[0].CloudID, e.pair.RefreshToken, 401},
	}
	for _, c := range cases {
		if got := get(c.cloudID, c.token); got != c.want {
			t.Errorf("%s: status %d, want %d", c.name, got, c.want)
		}
	}
}

func TestGranularScopesAllowOperation(t *testing.T) {
	e := startEnv(t, mustGenerate(t, SizeSmall), Options{})
	granular := e.connect([]string{"read:user:jira", "read:application-role:jira", "read:avatar:jira", "read:group:jira"})
	if status, _, _ := e.do("GET", "/users/search", granular.AccessToken, nil); status != http.StatusOK {
		t.Errorf("users/search with its granular scopes: status %d, want 200", status)
	}
	partial := e.connect([]string{"read:user:jira", "read:group:jira"})
	if status, _, _ := e.do("GET", "/users/search", partial.AccessToken, nil); status != http.StatusForbidden {
		t.Errorf("users/search with half its granular scopes: status %d, want 403", status)
	}
}

func TestUnknownAPIPath(t *testing.T) {
	e := startEnv(t, mustGenerate(t, SizeSmall), Options{})
	req, _ := http.NewRequest(http.MethodGet, e.apiURL("/myself"), nil)
	req.Header.Set("Authorization", "Bearer "+e.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET /myself: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("status %d, want 404", resp.StatusCode)
	}
	var ec errorCollection
	if err := json.Unmarshal(body, &ec); err != nil || len(ec.ErrorMessages) == 0 {
		t.Errorf("body %s is not a Jira error with a message", body)
	}
}

func TestRequestsAreRecorded(t *testing.T) {
	e := startEnv(t, mustGenerate(t, SizeSmall), Options{})
	e.srv.ResetRequests()
	e.do("POST", "/group", e.token, map[string]string{"name": "recorded"})
	e.do("GET", "/users/search?startAt=5", e.token, nil)
	reqs := e.srv.Requests()
	if len(reqs) != 2 {
		t.Fatalf("recorded %d requests, want 2", len(reqs))
	}
	if reqs[0].Method != "POST" || !strings.HasSuffix(reqs[0].Path, "/rest/api/3/group") {
		t.Errorf("first request %s %s, want POST …/group", reqs[0].Method, reqs[0].Path)
	}
	if string(reqs[0].Body) != `{"name":"recorded"}` {
		t.Errorf("first request body %q", reqs[0].Body)
	}
	if reqs[0].Status != http.StatusCreated {
		t.Errorf("first request status %d, want 201", reqs[0].Status)
	}
	if reqs[1].Query != "startAt=5" {
		t.Errorf("second request query %q, want startAt=5", reqs[1].Query)
	}
	if reqs[1].Time.IsZero() {
		t.Error("second request has no time")
	}
	e.srv.ResetRequests()
	if n := len(e.srv.Requests()); n != 0 {
		t.Errorf("after ResetRequests: %d requests, want 0", n)
	}
}
