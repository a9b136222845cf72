package jirasim

import (
	"fmt"
	"net/url"
	"strconv"
	"testing"
)

type page struct {
	StartAt    int              `json:"startAt"`
	MaxResults int              `json:"maxResults"`
	Total      int              `json:"total"`
	IsLast     bool             `json:"isLast"`
	NextPage   string           `json:"nextPage"`
	Values     []map[string]any `json:"values"`
}

// datasetWith returns a small dataset with n users, n groups and n projects.
func datasetWith(t *testing.T, n int) *Dataset {
	t.Helper()
	d := mustGenerate(t, SizeSmall)
	d.Users, d.Groups, d.Projects, d.RoleActors = nil, nil, nil, map[ProjectRole]Actors{}
	d.AppRoles = nil
	for i := range n {
		d.Users = append(d.Users, NewUser(fmt.Sprintf("User %d", i), ""))
		d.Groups = append(d.Groups, Group{GroupID: randomUUID(), Name: fmt.Sprintf("group %04d", i)})
		d.Projects = append(d.Projects, Project{ID: strconv.Itoa(10000 + i), Key: fmt.Sprintf("P%04d", i), Name: "Project"})
	}
	return d
}

func TestPagingDefaultsAndMaximums(t *testing.T) {
	d := datasetWith(t, 1200)
	for _, u := range d.Users[:120] {
		d.Groups[0].Members = append(d.Groups[0].Members, u.AccountID)
	}
	e := startEnv(t, d, Options{})
	g := url.QueryEscape(d.Groups[0].GroupID)
	cases := []struct {
		name      string
		path      string
		wantItems int
		wantMax   int
	}{
		{"users/search default", "/users/search", 50, 0},
		{"users/search max 1000", "/users/search?maxResults=5000", 1000, 0},
		{"group/bulk default", "/group/bulk", 50, 50},
		{"group/bulk max 50", "/group/bulk?maxResults=1000", 50, 50},
		{"group/member default", "/group/member?groupId=" + g, 50, 50},
		{"group/member max 50", "/group/member?groupId=" + g + "&maxResults=1000", 50, 50},
		{"project/search default", "/project/search", 50, 50},
		{"project/search max 100", "/project/search?maxResults=1000", 100, 100},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.wantMax == 0 {
				var users []map[string]any
				e.get(c.path, &users)
				if len(users) != c.wantItems {
					t.Errorf("got %d users, want %d", len(users), c.wantItems)
				}
				return
			}
			var p page
			e.get(c.path, &p)
			if len(p.Values) != c.wantItems {
				t.Errorf("got %d values, want %d", len(p.Values), c.wantItems)
			}
			if p.MaxResults != c.wantMax {
				t.Errorf("maxResults = %d, want %d", p.MaxResults, c.wantMax)
			}
			if p.IsLast {
				t.Error("first page of many has isLast true")
			}
			if p.NextPage == "" {
				t.Error("page that is not the last has no nextPage")
			}
		})
	}
}

func TestPagingEmptySite(t *testing.T) {
	e := startEnv(t, datasetWith(t, 0), Options{})
	var users []map[string]any
	e.get("/users/search", &users)
	if len(users) != 0 {
		t.Errorf("users/search on an empty site returned %d users", len(users))
	}
	for _, path := range []string{"/group/bulk", "/project/search"} {
		var p page
		e.get(path, &p)
		if p.Total != 0 {
			t.Errorf("%s: total = %d, want 0", path, p.Total)
		}
		if !p.IsLast {
			t.Errorf("%s: isLast = false on an empty site", path)
		}
		if p.Values == nil {
			t.Errorf("%s: values is absent or null, want []", path)
		}
	}
}

func TestPagingExactlyOneFullPage(t *testing.T) {
	e := startEnv(t, datasetWith(t, 50), Options{})
	for _, path := range []string{"/group/bulk", "/project/search"} {
		var p page
		e.get(path, &p)
		if len(p.Values) != 50 {
			t.Errorf("%s: %d values, want 50", path, len(p.Values))
		}
		if !p.IsLast {
			t.Errorf("%s: a full page that holds everything has isLast false", path)
		}
	}
	var users []map[string]any
	e.get("/users/search?maxResults=50", &users)
	if len(users) != 50 {
		t.Fatalf("users/search first page: %d users, want 50", len(users))
	}
	e.get("/users/search?startAt=50&maxResults=50", &users)
	if len(users) != 0 {
		t.Errorf("users/search after the last user: %d users, want an empty page", len(users))
	}
}

func TestShortPagesAreNotLast(t *testing.T) {
	d := datasetWith(t, 120)
	for _, u := range d.Users[:120] {
		d.Groups[0].Members = append(d.Groups[0].Members, u.AccountID)
	}
	e := startEnv(t, d, Options{})
	g := url.QueryEscape(d.Groups[0].GroupID)
	paths := map[string]string{
		"/group/bulk":     "/group/bulk?maxResults=50",
		"/group/member":   "/group/member?groupId=" + g,
		"/project/search": "/project/search?maxResults=50",
	}
	for pattern, path := range paths {
		t.Run(pattern, func(t *testing.T) {
			e.srv.ClearFaults()
			e.srv.InjectFault(Fault{Path: pattern, Kind: FaultShortPage, PageSize: 7, Count: 1})
			var p page
			e.get(path, &p)
			if len(p.Values) != 7 {
				t.Errorf("short page has %d values, want 7", len(p.Values))
			}
			if p.IsLast {
				t.Error("short page has isLast true")
			}
			// A client that advances by the items returned reads everything once.
			if read := crawlPages(e, path); read != 120 {
				t.Errorf("crawl read %d values, want 120", read)
			}
		})
	}
	t.Run("/users/search", func(t *testing.T) {
		e.srv.ClearFaults()
		e.srv.InjectFault(Fault{Path: "/users/search", Kind: FaultShortPage})
		var users []map[string]any
		e.get("/users/search?maxResults=100", &users)
		if len(users) != 50 {
			t.Errorf("short users/search page has %d users, want half of 100", len(users))
		}
	})
	e.srv.ClearFaults()
}

func TestGroupMemberInactiveUsers(t *testing.T) {
	d := datasetWith(t, 10)
	for i, u := range d.Users {
		d.Groups[0].Members = append(d.Groups[0].Members, u.AccountID)
		d.Users[i].Active = i%2 == 0
	}
	e := startEnv(t, d, Options{})
	g := url.QueryEscape(d.Groups[0].GroupID)
	cases := []struct {
		query string
		want  int
	}{
		{"", 5},
		{"&includeInactiveUsers=false", 5},
		{"&includeInactiveUsers=true", 10},
	}
	for _, c := range cases {
		var p page
		e.get("/group/member?groupId="+g+c.query, &p)
		if p.Total != c.want || len(p.Values) != c.want {
			t.Errorf("group/member%s: total %d, values %d, want %d", c.query, p.Total, len(p.Values), c.want)
		}
	}
}

func TestPageWindow(t *testing.T) {
	cases := []struct {
		name       string
		p          pageRequest
		total      int
		short      int
		start, end int
	}{
		{"first page", pageRequest{0, 50}, 120, 0, 0, 50},
		{"last partial page", pageRequest{100, 50}, 120, 0, 100, 120},
		{"past the end", pageRequest{500, 50}, 120, 0, 120, 120},
		{"zero page size", pageRequest{0, 0}, 120, 0, 0, 0},
		{"short to 7", pageRequest{0, 50}, 120, 7, 0, 7},
		{"short to half", pageRequest{10, 50}, 120, -1, 10, 35},
		{"short page of one item stays one", pageRequest{119, 50}, 120, -1, 119, 120},
		{"short page of zero size stays empty", pageRequest{0, 0}, 120, -1, 0, 0},
		{"short at the end stays empty", pageRequest{120, 50}, 120, -1, 120, 120},
	}
	for _, c := range cases {
		start, end := c.p.window(c.total, &requestState{shortPage: c.short})
		if start != c.start || end != c.end {
			t.Errorf("%s: window = [%d, %d), want [%d, %d)", c.name, start, end, c.start, c.end)
		}
	}
}
