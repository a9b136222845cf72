package atlassian

import (
	"context"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"testing"

	"golang.org/x/oauth2"

	"github.com/idgov/atlassian-cloud-connector/shared/jirasim"
)

const (
	simClientID     = "sim-client"
	simClientSecret = "sim-secret"
	simCallbackURL  = "http://127.0.0.1:9/callback"
)

// simSite is a running simulator with a client connected through the
// OAuth code flow and the OpenAPI-checking transport.
type simSite struct {
	server  *jirasim.Server
	dataset *jirasim.Dataset
	client  *Client
	sleeps  *sleepRecorder
	spec    *specTransport
	token   *oauth2.Token
}

// startSimSite starts the simulator on a small generated site and connects
// a client to its first site. edit, when not nil, adjusts the Config.
func startSimSite(t *testing.T, opts jirasim.Options, edit func(*Config)) *simSite {
	t.Helper()
	dataset, err := jirasim.Generate(jirasim.SizeSmall, 1)
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	opts.ClientID = simClientID
	opts.ClientSecret = simClientSecret
	opts.CallbackURL = simCallbackURL
	server, err := jirasim.Start(dataset, opts)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(server.Close)

	ctx := context.Background()
	token := simAccessToken(t, server.URL())
	cloudID := dataset.Sites[0].CloudID
	spec := newSpecTransport(t, http.DefaultTransport, cloudID, token.AccessToken)
	httpClient := &http.Client{Transport: &oauth2.Transport{Source: oauth2.StaticTokenSource(token), Base: spec}}

	resources, err := AccessibleResources(ctx, httpClient, server.URL())
	if err != nil {
		t.Fatalf("AccessibleResources: %v", err)
	}
	index := slices.IndexFunc(resources, func(r Resource) bool { return r.URL == dataset.Sites[0].URL })
	if index < 0 || resources[index].ID != cloudID {
		t.Fatalf("AccessibleResources = %+v, want site %s with id %s", resources, dataset.Sites[0].URL, cloudID)
	}

	cfg := Config{
		APIURL:        server.URL(),
		CloudID:       resources[index].ID,
		HTTPClient:    httpClient,
		RatePerSecond: math.Inf(1),
		Logger:        slog.New(slog.DiscardHandler),
	}
	if edit != nil {
		edit(&cfg)
	}
	client, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	sleeps := &sleepRecorder{}
	client.sleep = sleeps.sleep
	return &simSite{server: server, dataset: server.Dataset(), client: client, sleeps: sleeps, spec: spec, token: token}
}

// simAccessToken runs the authorization code flow against the simulator.
func simAccessToken(t *testing.T, baseURL string) *oauth2.Token {
	t.Helper()
	cfg := oauth2.Config{
		ClientID:     simClientID,
		ClientSecret: simClientSecret,
		Endpoint: oauth2.Endpoint{
			AuthURL:   baseURL + "/authorize",
			TokenURL:  baseURL + "/oauth/token",
			AuthStyle: oauth2.AuthStyleInParams,
		},
		RedirectURL: simCallbackURL,
		Scopes:      jirasim.ClassicScopes,
	}

	authorizeURL := cfg.AuthCodeURL("state-1",
		oauth2.SetAuthURLParam("audience", "api.atlassian.com"),
		oauth2.SetAuthURLParam("prompt", "consent"))
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.Get(authorizeURL)
	if err != nil {
		t.Fatalf("authorize: %v", err)
	}
	_ = resp.Body.Close()

	location, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || location.Query().Get("code") == "" {
		t.Fatalf("authorize responded %d without a code in Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}

	token, err := cfg.Exchange(context.Background(), location.Query().Get("code"))
	if err != nil {
		t.Fatalf("code exchange: %v", err)
	}
	return token
}

// TestReadWholeSimulatedSite reads every collection of the small site and
// compares it with the generated dataset.
func TestReadWholeSimulatedSite(t *testing.T) {
	site := startSimSite(t, jirasim.Options{}, nil)
	compareSiteWithDataset(t, site)
}

// TestReadSiteThroughFaults reads the site while the simulator returns
// short pages, 429s with Retry-After: 0, 503s, dropped connections and
// users/search timeouts. The result must still match the dataset.
func TestReadSiteThroughFaults(t *testing.T) {
	site := startSimSite(t, jirasim.Options{}, func(cfg *Config) { cfg.MaxRetries = 10 })
	faults := []jirasim.Fault{
		{Path: "/users/search", Kind: jirasim.FaultShortPage, PageSize: 137, Count: 1},
		{Path: "/group/member", Kind: jirasim.FaultShortPage, PageSize: 7, Count: 6, After: 2},
		{Path: "/group/bulk", Kind: jirasim.FaultShortPage, PageSize: 3, Count: 2},
		{Kind: jirasim.FaultStatus, Status: 429, RetryAfter: "0", Count: 4, After: 20},
		{Kind: jirasim.FaultStatus, Status: 503, Count: 3, After: 5},
		{Kind: jirasim.FaultDrop, Count: 2, After: 11},
		{Path: "/users/search", Kind: jirasim.FaultTimeout, Count: 1, After: 1},
	}
	for _, f := range faults {
		site.server.InjectFault(f)
	}

	compareSiteWithDataset(t, site)

	statuses := map[int]int{}
	for _, r := range site.server.Requests() {
		statuses[r.Status]++
	}
	for _, status := range []int{429, 503, 409, 0} {
		if statuses[status] == 0 {
			t.Errorf("no response with status %d, so that fault did not fire (statuses: %v)", status, statuses)
		}
	}
	if got := site.client.Stats().Snapshot().RateLimited; got != int64(statuses[429]) {
		t.Errorf("RateLimited = %d, want %d", got, statuses[429])
	}
}

// compareSiteWithDataset reads everything through the client and compares
// it with the simulator's dataset.
func compareSiteWithDataset(t *testing.T, site *simSite) {
	t.Helper()
	ctx := context.Background()
	client, want := site.client, site.dataset
	if len(want.Users) == 0 || len(want.Groups) == 0 || len(want.Projects) == 0 || len(want.RoleActors) == 0 {
		t.Fatalf("dataset has %d users, %d groups, %d projects and %d role assignments; the comparison needs all four",
			len(want.Users), len(want.Groups), len(want.Projects), len(want.RoleActors))
	}

	users, err := client.AllUsers(ctx)
	if err != nil {
		t.Fatalf("AllUsers: %v", err)
	}
	wantUsers := make([]User, len(want.Users))
	for i, u := range want.Users {
		wantUsers[i] = User{
			AccountID: u.AccountID, AccountType: u.AccountType, Active: u.Active, DisplayName: u.DisplayName,
			EmailAddress: u.Email, Locale: u.Locale, TimeZone: u.TimeZone,
		}
	}
	if !reflect.DeepEqual(users, wantUsers) {
		t.Errorf("AllUsers returned %d users that differ from the %d in the dataset", len(users), len(wantUsers))
		for i := range min(len(users), len(wantUsers)) {
			if !reflect.DeepEqual(users[i], wantUsers[i]) {
				t.Errorf("first difference at %d: got %+v, want %+v", i, users[i], wantUsers[i])
				break
			}
		}
	}

	groups, err := client.AllGroups(ctx)
	if err != nil {
		t.Fatalf("AllGroups: %v", err)
	}
	wantGroups := make([]Group, len(want.Groups))
	for i, g := range want.Groups {
		wantGroups[i] = Group{GroupID: g.GroupID, Name: g.Name}
	}
	if !sameElements(groups, wantGroups, func(g Group) string { return g.GroupID }) {
		t.Errorf("AllGroups = %+v, want %+v", groups, wantGroups)
	}

	for _, g := range want.Groups {
		members, err := client.AllGroupMembers(ctx, g.GroupID)
		if err != nil {
			t.Fatalf("AllGroupMembers(%s): %v", g.GroupID, err)
		}
		ids := make([]string, len(members))
		for i, m := range members {
			ids[i] = m.AccountID
		}
		if !slices.Equal(ids, g.Members) && !(len(ids) == 0 && len(g.Members) == 0) {
			t.Errorf("group %s (%s): %d members, want %d in dataset order", g.GroupID, g.Name, len(ids), len(g.Members))
		}
	}

	appRoles, err := client.ApplicationRoles(ctx)
	if err != nil {
		t.Fatalf("ApplicationRoles: %v", err)
	}
	if len(appRoles) != len(want.AppRoles) {
		t.Errorf("ApplicationRoles returned %d roles, want %d", len(appRoles), len(want.AppRoles))
	}
	for _, w := range want.AppRoles {
		i := slices.IndexFunc(appRoles, func(r ApplicationRole) bool { return r.Key == w.Key })
		if i < 0 {
			t.Errorf("application role %s missing", w.Key)
			continue
		}
		got := appRoles[i]
		if !sameStrings(got.GroupIDs, w.GroupIDs) || !sameStrings(got.DefaultGroupIDs, w.DefaultGroupIDs) {
			t.Errorf("application role %s groups = %v default %v, want %v default %v", w.Key, got.GroupIDs, got.DefaultGroupIDs, w.GroupIDs, w.DefaultGroupIDs)
		}
		if got.Name != w.Name || got.HasUnlimitedSeats != w.HasUnlimitedSeats || got.NumberOfSeats != w.NumberOfSeats {
			t.Errorf("application role %s = %+v, want %+v", w.Key, got, w)
		}
	}

	projects, err := client.AllProjects(ctx)
	if err != nil {
		t.Fatalf("AllProjects: %v", err)
	}
	wantProjects := make([]Project, len(want.Projects))
	for i, p := range want.Projects {
		wantProjects[i] = Project{ID: p.ID, Key: p.Key, Name: p.Name, CategoryID: p.CategoryID}
	}
	if !sameElements(projects, wantProjects, func(p Project) string { return p.ID }) {
		t.Errorf("AllProjects = %+v, want %+v", projects, wantProjects)
	}

	roles, err := client.Roles(ctx)
	if err != nil {
		t.Fatalf("Roles: %v", err)
	}
	wantRoles := make([]Role, len(want.Roles))
	for i, r := range want.Roles {
		wantRoles[i] = Role{ID: r.ID, Name: r.Name, Description: r.Description}
	}
	if !sameElements(roles, wantRoles, func(r Role) string { return r.Name }) {
		t.Errorf("Roles = %+v, want %+v", roles, wantRoles)
	}

	for _, p := range want.Projects {
		compareProjectRoles(t, client, want, p, wantRoles)
	}

	categories, err := client.ProjectCategories(ctx)
	if err != nil {
		t.Fatalf("ProjectCategories: %v", err)
	}
	wantCategories := make([]ProjectCategory, len(want.Categories))
	for i, c := range want.Categories {
		wantCategories[i] = ProjectCategory{ID: c.ID, Name: c.Name, Description: c.Description}
	}
	if !sameElements(categories, wantCategories, func(c ProjectCategory) string { return c.ID }) {
		t.Errorf("ProjectCategories = %+v, want %+v", categories, wantCategories)
	}
}

// compareProjectRoles checks a project's role map and each role's actors.
func compareProjectRoles(t *testing.T, client *Client, want *jirasim.Dataset, p jirasim.Project, roles []Role) {
	t.Helper()
	ctx := context.Background()
	roleIDs, err := client.ProjectRoles(ctx, p.Key)
	if err != nil {
		t.Fatalf("ProjectRoles(%s): %v", p.Key, err)
	}
	wantRoleIDs := map[string]int64{}
	for _, r := range roles {
		wantRoleIDs[r.Name] = r.ID
	}
	if !reflect.DeepEqual(roleIDs, wantRoleIDs) {
		t.Errorf("ProjectRoles(%s) = %v, want %v", p.Key, roleIDs, wantRoleIDs)
	}
	for _, roleID := range roleIDs {
		details, err := client.ProjectRole(ctx, p.Key, roleID)
		if err != nil {
			t.Fatalf("ProjectRole(%s, %d): %v", p.Key, roleID, err)
		}
		var accounts, groupIDs []string
		for _, a := range details.Actors {
			if a.Type == ActorTypeUser {
				accounts = append(accounts, a.AccountID)
			} else {
				groupIDs = append(groupIDs, a.GroupID)
			}
		}
		actors := want.RoleActors[jirasim.ProjectRole{ProjectID: p.ID, RoleID: roleID}]
		if !sameStrings(accounts, actors.AccountIDs) || !sameStrings(groupIDs, actors.GroupIDs) {
			t.Errorf("project %s role %d actors = users %v groups %v, want users %v groups %v",
				p.Key, roleID, accounts, groupIDs, actors.AccountIDs, actors.GroupIDs)
		}
	}
}

// sameElements reports whether got and want hold equal elements, in any
// order, matched by key.
func sameElements[T any](got, want []T, key func(T) string) bool {
	if len(got) != len(want) {
		return false
	}
	byKey := map[string]T{}
	for _, w := range want {
		byKey[key(w)] = w
	}
	for _, g := range got {
		w, ok := byKey[key(g)]
		if !ok || !reflect.DeepEqual(g, w) {
			return false
		}
	}
	return true
}

func sameStrings(got, want []string) bool {
	return slices.Equal(slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(want)))
}
