package jirasim

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"testing"
)

// fixtures are records of the small dataset that the fidelity cases use.
type fixtures struct {
	active, inactive, inactiveWithEmail User
	emailUser                           User // active, visible email
	group                               Group
	member, nonMember                   string
	project                             Project
}

func pickFixtures(t *testing.T, d *Dataset) fixtures {
	t.Helper()
	var f fixtures
	for _, u := range d.Users {
		switch {
		case u.AccountType != "atlassian" || u.Erased:
		case u.Active && f.active.AccountID == "":
			f.active = u
		case u.Active && u.Email != nil && f.emailUser.AccountID == "":
			f.emailUser = u
		case !u.Active && f.inactive.AccountID == "":
			f.inactive = u
		case !u.Active && u.Email != nil && f.inactiveWithEmail.AccountID == "":
			f.inactiveWithEmail = u
		}
	}
	for _, g := range d.Groups {
		if len(g.Members) > 2 {
			f.group = g
			f.member = g.Members[0]
			break
		}
	}
	for _, u := range d.Users {
		if u.Active && u.AccountType == "atlassian" && !slices.Contains(f.group.Members, u.AccountID) {
			f.nonMember = u.AccountID
			break
		}
	}
	f.project = d.Projects[0]
	if f.inactive.AccountID == "" || f.inactiveWithEmail.AccountID == "" || f.emailUser.AccountID == "" ||
		f.group.GroupID == "" || f.nonMember == "" {
		t.Fatalf("small dataset lacks a fixture: %+v", f)
	}
	return f
}

type fidelityCase struct {
	name   string
	method string
	path   string
	body   any
	token  string // "" uses the full-scope token; "-" sends none
	want   int
}

// TestFidelityEveryEndpoint sends success and error requests to every
// endpoint; the client's transport validates each response against the
// OpenAPI document.
func TestFidelityEveryEndpoint(t *testing.T) {
	doc, _ := loadSpec(t)
	t.Logf("OpenAPI document loaded in %v", spec.loadTime)
	d := mustGenerate(t, SizeSmall)
	e := startEnv(t, d, Options{})
	f := pickFixtures(t, d)
	narrow := e.connect([]string{"read:jira-work"}).AccessToken
	q := url.QueryEscape
	g, p := f.group.GroupID, f.project.Key
	role := "/project/" + p + "/role/" + strconv.FormatInt(RoleMember, 10)

	cases := []fidelityCase{
		{"users/search first page", "GET", "/users/search", nil, "", 200},
		{"users/search max page", "GET", "/users/search?startAt=10&maxResults=1000", nil, "", 200},
		{"users/search past the end", "GET", "/users/search?startAt=100000", nil, "", 200},
		{"users/search bad startAt", "GET", "/users/search?startAt=x", nil, "", 400},
		{"users/search no token", "GET", "/users/search", nil, "-", 401},
		{"users/search missing scope", "GET", "/users/search", nil, narrow, 403},
		{"user get", "GET", "/user?accountId=" + q(f.active.AccountID), nil, "", 200},
		{"user get unknown", "GET", "/user?accountId=nobody", nil, "", 404},
		{"user get no token", "GET", "/user?accountId=nobody", nil, "-", 401},
		{"user create", "POST", "/user", map[string]any{"emailAddress": "new.person@example.com", "products": []string{"jira-software"}}, "", 201},
		{"user create existing", "POST", "/user", map[string]any{"emailAddress": *f.emailUser.Email, "products": []string{}}, "", 201},
		{"user create existing inactive", "POST", "/user", map[string]any{"emailAddress": *f.inactiveWithEmail.Email, "products": []string{}}, "", 400},
		{"user create without products", "POST", "/user", map[string]any{"emailAddress": "x@example.com"}, "", 400},
		{"user create without email", "POST", "/user", map[string]any{"products": []string{}}, "", 400},
		{"user create unknown product", "POST", "/user", map[string]any{"emailAddress": "y@example.com", "products": []string{"confluence"}}, "", 400},
		{"user create missing scope", "POST", "/user", map[string]any{"emailAddress": "z@example.com", "products": []string{}}, narrow, 403},
		{"user delete", "DELETE", "/user?accountId=" + q(f.inactive.AccountID), nil, "", 204},
		{"user delete again", "DELETE", "/user?accountId=" + q(f.inactive.AccountID), nil, "", 404},
		{"user delete without accountId", "DELETE", "/user", nil, "", 400},
		{"group/bulk", "GET", "/group/bulk", nil, "", 200},
		{"group/bulk by id", "GET", "/group/bulk?groupId=" + q(g), nil, "", 200},
		{"group/bulk bad maxResults", "GET", "/group/bulk?maxResults=-1", nil, "", 400},
		{"group/member", "GET", "/group/member?groupId=" + q(g), nil, "", 200},
		{"group/member inactive too", "GET", "/group/member?groupId=" + q(g) + "&includeInactiveUsers=true&maxResults=2", nil, "", 200},
		{"group/member by name", "GET", "/group/member?groupname=" + q(f.group.Name), nil, "", 200},
		{"group/member no group", "GET", "/group/member", nil, "", 400},
		{"group/member unknown group", "GET", "/group/member?groupId=nope", nil, "", 404},
		{"group/member missing scope", "GET", "/group/member?groupId=" + q(g), nil, narrow, 403},
		{"group/user add", "POST", "/group/user?groupId=" + q(g), map[string]string{"accountId": f.nonMember}, "", 201},
		{"group/user add again", "POST", "/group/user?groupId=" + q(g), map[string]string{"accountId": f.nonMember}, "", 400},
		{"group/user add without accountId", "POST", "/group/user?groupId=" + q(g), map[string]string{}, "", 400},
		{"group/user add unknown user", "POST", "/group/user?groupId=" + q(g), map[string]string{"accountId": "nobody"}, "", 404},
		{"group/user add unknown group", "POST", "/group/user?groupId=nope", map[string]string{"accountId": f.nonMember}, "", 404},
		{"group/user remove", "DELETE", "/group/user?groupId=" + q(g) + "&accountId=" + q(f.nonMember), nil, "", 200},
		{"group/user remove again", "DELETE", "/group/user?groupId=" + q(g) + "&accountId=" + q(f.nonMember), nil, "", 400},
		{"group/user remove without accountId", "DELETE", "/group/user?groupId=" + q(g), nil, "", 400},
		{"group/user remove unknown group", "DELETE", "/group/user?groupId=nope&accountId=" + q(f.member), nil, "", 404},
		{"group create", "POST", "/group", map[string]string{"name": "new group ✓"}, "", 201},
		{"group create again", "POST", "/group", map[string]string{"name": "NEW GROUP ✓"}, "", 400},
		{"group create without name", "POST", "/group", map[string]string{}, "", 400},
		{"applicationrole", "GET", "/applicationrole", nil, "", 200},
		{"applicationrole missing scope", "GET", "/applicationrole", nil, narrow, 403},
		{"project/search", "GET", "/project/search", nil, "", 200},
		{"project/search by name desc", "GET", "/project/search?orderBy=-name&maxResults=3", nil, "", 200},
		{"project/search bad orderBy", "GET", "/project/search?orderBy=size", nil, "", 400},
		{"project/search narrow token", "GET", "/project/search", nil, narrow, 200},
		{"role", "GET", "/role", nil, "", 200},
		{"project roles", "GET", "/project/" + p + "/role", nil, "", 200},
		{"project roles by id", "GET", "/project/" + f.project.ID + "/role", nil, "", 200},
		{"project roles unknown project", "GET", "/project/NOPE/role", nil, "", 404},
		{"project role", "GET", role, nil, "", 200},
		{"project role active only", "GET", role + "?excludeInactiveUsers=true", nil, "", 200},
		{"project role unknown role", "GET", "/project/" + p + "/role/1", nil, "", 404},
		{"project role bad id", "GET", "/project/" + p + "/role/x", nil, "", 400},
		{"project role add user", "POST", role, map[string][]string{"user": {f.nonMember}}, "", 200},
		{"project role add user again", "POST", role, map[string][]string{"user": {f.nonMember}}, "", 400},
		{"project role add group", "POST", role, map[string][]string{"groupId": {g}}, "", 200},
		{"project role add inactive user", "POST", role, map[string][]string{"user": {f.inactiveWithEmail.AccountID}}, "", 404},
		{"project role add nothing", "POST", role, map[string][]string{}, "", 400},
		{"project role add unknown project", "POST", "/project/NOPE/role/10100", map[string][]string{"user": {f.nonMember}}, "", 404},
		{"project role remove user", "DELETE", role + "?user=" + q(f.nonMember), nil, "", 204},
		{"project role remove group", "DELETE", role + "?groupId=" + q(g), nil, "", 204},
		{"project role remove non-actor", "DELETE", role + "?groupId=" + q(g), nil, "", 400},
		{"project role remove nothing", "DELETE", role, nil, "", 400},
		{"projectCategory", "GET", "/projectCategory", nil, "", 200},
		{"projectCategory no token", "GET", "/projectCategory", nil, "-", 401},
	}
	for _, c := range cases {
		token := c.token
		switch token {
		case "":
			token = e.token
		case "-":
			token = ""
		}
		status, _, body := e.do(c.method, c.path, token, c.body)
		if status != c.want {
			t.Errorf("%s: %s %s: status %d, want %d; body %s", c.name, c.method, c.path, status, c.want, body)
		}
	}

	e.srv.InjectFault(Fault{Path: "/users/search", Kind: FaultTimeout})
	if status, _, _ := e.do("GET", "/users/search", e.token, nil); status != http.StatusConflict {
		t.Errorf("users/search timeout fault: status %d, want 409", status)
	}
	e.srv.ClearFaults()

	// Every operation must have returned both a success and an error.
	statuses := e.client.Transport.(*validatingTransport).statuses
	for _, op := range apiOperations {
		opID := doc.Paths.Find("/rest/api/3" + op.path).GetOperation(op.method).OperationID
		got := statuses[opID]
		if !slices.ContainsFunc(got, func(s int) bool { return s < 300 }) {
			t.Errorf("%s %s (%s): no success response validated; statuses %v", op.method, op.path, opID, got)
		}
		if opID != "getAllApplicationRoles" && opID != "getAllProjectRoles" &&
			!slices.ContainsFunc(got, func(s int) bool { return s >= 400 }) {
			t.Errorf("%s %s (%s): no error response validated; statuses %v", op.method, op.path, opID, got)
		}
	}
}

// TestFidelityFullCrawl reads every page of the small dataset and all of
// medium's users, so every generated record passes through the validator.
func TestFidelityFullCrawl(t *testing.T) {
	loadSpec(t)
	for _, size := range []Size{SizeSmall, SizeMedium} {
		t.Run(string(size), func(t *testing.T) {
			d := mustGenerate(t, size)
			e := startEnv(t, d, Options{})
			for start := 0; ; {
				var users []map[string]any
				e.get(fmt.Sprintf("/users/search?startAt=%d&maxResults=1000", start), &users)
				if len(users) == 0 {
					break
				}
				start += len(users)
			}
			if size != SizeSmall {
				return
			}
			for _, g := range d.Groups {
				crawlPages(e, "/group/member?includeInactiveUsers=true&groupId="+url.QueryEscape(g.GroupID))
			}
			crawlPages(e, "/group/bulk?x=1")
			crawlPages(e, "/project/search?x=1")
			var out any
			e.get("/applicationrole", &out)
			e.get("/role", &out)
			e.get("/projectCategory", &out)
			for _, p := range d.Projects {
				for _, r := range d.Roles {
					e.get(fmt.Sprintf("/project/%s/role/%d", p.ID, r.ID), &out)
				}
			}
		})
	}
}

// crawlPages follows a paged endpoint from startAt 0 until isLast and
// returns the number of values read.
func crawlPages(e *testEnv, path string) int {
	e.t.Helper()
	read := 0
	for {
		var page struct {
			IsLast bool  `json:"isLast"`
			Values []any `json:"values"`
		}
		e.get(fmt.Sprintf("%s&startAt=%d", path, read), &page)
		read += len(page.Values)
		if page.IsLast {
			return read
		}
		if len(page.Values) == 0 {
			e.t.Fatalf("%s: empty page at %d that is not the last", path, read)
		}
	}
}
