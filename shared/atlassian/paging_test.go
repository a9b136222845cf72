package atlassian

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"testing"
)

// pageSpec describes one response of a paged endpoint: size values, and
// isLast as "true", "false" or "" for an absent field.
type pageSpec struct {
	size   int
	isLast string
}

// pagedHandler responds to the i-th request with pages[i], giving values ids
// that continue from the request's startAt, so that a repeated or skipped
// item shows up in the ids.
func pagedHandler(pages []pageSpec, value func(id string) any, bare bool) http.HandlerFunc {
	next := 0
	return func(w http.ResponseWriter, r *http.Request) {
		if next >= len(pages) {
			writeRaw(w, 500, `{"errorMessages":["more pages requested than the test serves"]}`)
			return
		}
		spec := pages[next]
		next++
		startAt, _ := strconv.Atoi(r.URL.Query().Get("startAt"))
		values := make([]any, spec.size)
		for i := range values {
			values[i] = value("id-" + strconv.Itoa(startAt+i))
		}
		if bare {
			writeJSON(w, 200, values)
			return
		}
		maxResults, _ := strconv.Atoi(r.URL.Query().Get("maxResults"))
		page := map[string]any{"startAt": startAt, "maxResults": maxResults, "values": values}
		if spec.isLast != "" {
			page["isLast"] = spec.isLast == "true"
		}
		writeJSON(w, 200, page)
	}
}

func groupValue(id string) any { return map[string]any{"groupId": id, "name": "name " + id} }
func userValue(id string) any  { return userJSON(id) }

// sequentialIDs returns id-0 … id-(n-1).
func sequentialIDs(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = "id-" + strconv.Itoa(i)
	}
	return ids
}

// queryValues returns one query parameter of each recorded request.
func queryValues(requests []recordedRequest, name string) []string {
	values := make([]string, len(requests))
	for i, r := range requests {
		values[i] = r.Query.Get(name)
	}
	return values
}

func TestAllUsersPaging(t *testing.T) {
	cases := []struct {
		name     string
		sizes    []int
		startAts []string
	}{
		{"short page that is not the last", []int{1000, 400, 1000, 0}, []string{"0", "1000", "1400", "2400"}},
		{"empty site", []int{0}, []string{"0"}},
		{"exactly one full page", []int{1000, 0}, []string{"0", "1000"}},
		{"single short page", []int{3, 0}, []string{"0", "3"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pages := make([]pageSpec, len(tc.sizes))
			total := 0
			for i, size := range tc.sizes {
				pages[i] = pageSpec{size: size}
				total += size
			}
			ts := newTestServer(t, pagedHandler(pages, userValue, true))
			client, _ := newTestClient(t, ts, nil)

			users, err := client.AllUsers(context.Background())
			if err != nil {
				t.Fatalf("AllUsers: %v", err)
			}
			ids := make([]string, len(users))
			for i, u := range users {
				ids[i] = u.AccountID
			}
			if !slices.Equal(ids, sequentialIDs(total)) {
				t.Errorf("got %d users with ids %v…, want id-0 … id-%d", len(ids), ids[:min(3, len(ids))], total-1)
			}
			requests := ts.Requests()
			if got := queryValues(requests, "startAt"); !slices.Equal(got, tc.startAts) {
				t.Errorf("startAt sequence = %v, want %v", got, tc.startAts)
			}
			for _, maxResults := range queryValues(requests, "maxResults") {
				if maxResults != "1000" {
					t.Errorf("maxResults = %s, want 1000", maxResults)
				}
			}
		})
	}
}

func TestAllGroupsPaging(t *testing.T) {
	cases := []struct {
		name     string
		pages    []pageSpec
		startAts []string
	}{
		{"isLast on a full page", []pageSpec{{50, "true"}}, []string{"0"}},
		{"short page that is not the last", []pageSpec{{50, "false"}, {20, "false"}, {50, "true"}}, []string{"0", "50", "70"}},
		{"no isLast, ends on an empty page", []pageSpec{{50, ""}, {10, ""}, {0, ""}}, []string{"0", "50", "60"}},
		{"empty site", []pageSpec{{0, "true"}}, []string{"0"}},
		{"short last page", []pageSpec{{50, "false"}, {7, "true"}}, []string{"0", "50"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			total := 0
			for _, p := range tc.pages {
				total += p.size
			}
			ts := newTestServer(t, pagedHandler(tc.pages, groupValue, false))
			client, _ := newTestClient(t, ts, nil)

			groups, err := client.AllGroups(context.Background())
			if err != nil {
				t.Fatalf("AllGroups: %v", err)
			}
			ids := make([]string, len(groups))
			for i, g := range groups {
				ids[i] = g.GroupID
			}
			if !slices.Equal(ids, sequentialIDs(total)) {
				t.Errorf("got %d groups, want %d in order", len(ids), total)
			}
			requests := ts.Requests()
			if got := queryValues(requests, "startAt"); !slices.Equal(got, tc.startAts) {
				t.Errorf("startAt sequence = %v, want %v", got, tc.startAts)
			}
			for _, maxResults := range queryValues(requests, "maxResults") {
				if maxResults != "50" {
					t.Errorf("maxResults = %s, want 50", maxResults)
				}
			}
		})
	}
}

func TestAllGroupsEmptyPageNotLast(t *testing.T) {
	ts := newTestServer(t, pagedHandler([]pageSpec{{50, "false"}, {0, "false"}}, groupValue, false))
	client, _ := newTestClient(t, ts, nil)

	groups, err := client.AllGroups(context.Background())
	var malformedErr *MalformedResponseError
	if !errors.As(err, &malformedErr) {
		t.Fatalf("error = %v, want *MalformedResponseError", err)
	}
	if groups != nil {
		t.Errorf("returned %d groups with the error, want none", len(groups))
	}
}

func TestAllGroupMembersQuery(t *testing.T) {
	ts := newTestServer(t, pagedHandler([]pageSpec{{50, "false"}, {50, "false"}, {3, "true"}}, userValue, false))
	client, _ := newTestClient(t, ts, nil)

	members, err := client.AllGroupMembers(context.Background(), "276f955c-63d7-42c8-9520-92d01dca0625")
	if err != nil {
		t.Fatalf("AllGroupMembers: %v", err)
	}
	if len(members) != 103 {
		t.Errorf("got %d members, want 103", len(members))
	}
	for i, r := range ts.Requests() {
		if r.Path != "/rest/api/3/group/member" {
			t.Errorf("request %d path = %s", i, r.Path)
		}
		if got := r.Query.Get("groupId"); got != "276f955c-63d7-42c8-9520-92d01dca0625" {
			t.Errorf("request %d groupId = %q", i, got)
		}
		if got := r.Query.Get("includeInactiveUsers"); got != "true" {
			t.Errorf("request %d includeInactiveUsers = %q, want true", i, got)
		}
		if got := r.Query.Get("maxResults"); got != "50" {
			t.Errorf("request %d maxResults = %q, want 50", i, got)
		}
	}
}

func TestAllProjectsPageSize(t *testing.T) {
	projectValue := func(id string) any { return map[string]any{"id": id, "key": "K" + id, "name": "Project " + id} }
	ts := newTestServer(t, pagedHandler([]pageSpec{{100, "false"}, {1, "true"}}, projectValue, false))
	client, _ := newTestClient(t, ts, nil)

	projects, err := client.AllProjects(context.Background())
	if err != nil {
		t.Fatalf("AllProjects: %v", err)
	}
	if len(projects) != 101 {
		t.Errorf("got %d projects, want 101", len(projects))
	}
	if got := queryValues(ts.Requests(), "maxResults"); !slices.Equal(got, []string{"100", "100"}) {
		t.Errorf("maxResults sequence = %v, want [100 100]", got)
	}
}

func TestPageStartAtMismatch(t *testing.T) {
	ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		writeRaw(w, 200, `{"startAt":0,"maxResults":50,"isLast":false,"values":[{"groupId":"g","name":"n"}]}`)
	})
	client, _ := newTestClient(t, ts, nil)

	_, err := client.BulkGroups(context.Background(), 50, MaxGroupsPage)
	var malformedErr *MalformedResponseError
	if !errors.As(err, &malformedErr) {
		t.Fatalf("error = %v, want *MalformedResponseError", err)
	}
	if malformedErr.Problem != "startAt is 0 but 50 was requested" {
		t.Errorf("Problem = %q", malformedErr.Problem)
	}
}

func TestPageArgumentsRejected(t *testing.T) {
	ts := newTestServer(t, fakeJiraHandler)
	client, _ := newTestClient(t, ts, nil)
	ctx := context.Background()

	cases := []struct {
		name string
		call func() error
	}{
		{"users startAt negative", func() error { _, err := client.SearchUsers(ctx, -1, 10); return err }},
		{"users maxResults zero", func() error { _, err := client.SearchUsers(ctx, 0, 0); return err }},
		{"users maxResults above 1000", func() error { _, err := client.SearchUsers(ctx, 0, 1001); return err }},
		{"groups maxResults above 50", func() error { _, err := client.BulkGroups(ctx, 0, 51); return err }},
		{"members maxResults above 50", func() error { _, err := client.GroupMembers(ctx, "g", 0, 51); return err }},
		{"members without group", func() error { _, err := client.GroupMembers(ctx, "", 0, 50); return err }},
		{"projects maxResults above 100", func() error { _, err := client.SearchProjects(ctx, 0, 101); return err }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.call(); err == nil {
				t.Error("no error")
			}
		})
	}
	if n := len(ts.Requests()); n != 0 {
		t.Errorf("sent %d requests for invalid arguments, want 0", n)
	}
}

// TestPageArgumentMessage pins the error text, which names the argument and
// the range to use.
func TestPageArgumentMessage(t *testing.T) {
	_, err := pageQuery("BulkGroups", 0, 51, MaxGroupsPage)
	want := fmt.Sprintf("atlassian: BulkGroups: maxResults 51 is out of range; pass 1 to %d", MaxGroupsPage)
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %q", err, want)
	}
}
