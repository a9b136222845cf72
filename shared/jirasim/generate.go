package jirasim

import (
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
)

// sizeSpec sets the shape of a generated dataset.
type sizeSpec struct {
	users      int
	groups     int
	projects   int
	categories int
	// hugeShares are the fractions of eligible users in each huge group;
	// the first is the renamed jira-software default group.
	hugeShares []float64
	bigGroups  int // groups with bigMin..bigMax members
	bigMin     int
	bigMax     int
	smallMean  float64 // mean size of the remaining groups (exponential)
}

var sizeSpecs = map[Size]sizeSpec{
	SizeSmall: {users: 200, groups: 16, projects: 8, categories: 3,
		hugeShares: []float64{0.6}, bigGroups: 1, bigMin: 40, bigMax: 80, smallMean: 6},
	SizeMedium: {users: 10_000, groups: 1_000, projects: 200, categories: 10,
		hugeShares: []float64{0.6, 0.35}, bigGroups: 10, bigMin: 300, bigMax: 2_000, smallMean: 10},
	SizeLarge: {users: 100_000, groups: 20_000, projects: 2_500, categories: 12,
		hugeShares: []float64{0.6, 0.4, 0.25}, bigGroups: 20, bigMin: 1_000, bigMax: 5_000, smallMean: 12},
}

// Role IDs of the generated global project roles.
const (
	RoleAdministrators int64 = 10002
	RoleAddonsAccess   int64 = 10003
	RoleMember         int64 = 10100
	RoleViewer         int64 = 10101
	RoleServiceDesk    int64 = 10102
)

// generator is the state of one Generate call.
type generator struct {
	spec      sizeSpec
	rng       *rand.Rand
	d         *Dataset
	usedIDs   map[string]bool
	eligible  []int // indexes of users that may be group members
	appUsers  []int // indexes of app accounts
	adminPool []int // indexes of active atlassian users
	named     map[string]int
}

// Generate builds a deterministic dataset: the same size and seed always give
// the same data. It returns an error for an unknown size.
func Generate(size Size, seed int64) (*Dataset, error) {
	spec, ok := sizeSpecs[size]
	if !ok {
		return nil, fmt.Errorf("unknown dataset size %q: use %q, %q or %q", size, SizeSmall, SizeMedium, SizeLarge)
	}
	h := fnv.New64a()
	h.Write([]byte(size))
	g := &generator{
		spec:    spec,
		rng:     rand.New(rand.NewPCG(uint64(seed), h.Sum64())),
		d:       &Dataset{RoleActors: map[ProjectRole]Actors{}},
		usedIDs: map[string]bool{},
		named:   map[string]int{},
	}
	g.sites()
	g.users()
	g.groups()
	g.appRoles()
	g.categories()
	g.projects()
	g.roles()
	g.roleActors()
	return g.d, nil
}

func (g *generator) uuid() string {
	var b [16]byte
	for i := range b {
		b[i] = byte(g.rng.Uint32())
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

func (g *generator) sites() {
	for _, name := range []string{"acme", "acme-sandbox", "globex"} {
		g.d.Sites = append(g.d.Sites, Site{CloudID: g.uuid(), Name: name, URL: "https://" + name + ".atlassian.net"})
	}
}

// accountID returns a new unique account ID in one of the formats Atlassian
// uses: 24 hex digits, or a numeric prefix, a colon and a UUID.
func (g *generator) accountID(accountType string) string {
	for {
		var id string
		switch {
		case accountType == "customer":
			id = "qm:" + g.uuid() + ":" + g.uuid()
		case accountType == "app" || g.rng.IntN(100) < 5:
			id = "557058:" + g.uuid()
		case g.rng.IntN(100) < 20:
			id = "712020:" + g.uuid()
		default:
			id = fmt.Sprintf("%08x%08x%08x", g.rng.Uint32(), g.rng.Uint32(), g.rng.Uint32())
		}
		if !g.usedIDs[id] {
			g.usedIDs[id] = true
			return id
		}
	}
}

func (g *generator) users() {
	n := g.spec.users
	apps := max(3, n/100)
	customers := n / 20
	unknown := max(1, n/200)
	g.d.Users = make([]User, 0, n)
	for i := range n {
		var u User
		switch {
		case i < apps:
			u = g.appUser(i)
		case i < apps+customers:
			u = g.person(i, "customer")
		case i < apps+customers+unknown:
			u = g.person(i, "unknown")
		default:
			u = g.person(i, "atlassian")
		}
		g.d.Users = append(g.d.Users, u)
	}
	// users/search returns users in no documented order: shuffle them.
	g.rng.Shuffle(len(g.d.Users), func(i, j int) { g.d.Users[i], g.d.Users[j] = g.d.Users[j], g.d.Users[i] })
	for i, u := range g.d.Users {
		switch {
		case u.AccountType == "app":
			g.appUsers = append(g.appUsers, i)
		case u.AccountType == "customer" || u.Erased:
		default:
			g.eligible = append(g.eligible, i)
			if u.Active && u.AccountType == "atlassian" {
				g.adminPool = append(g.adminPool, i)
			}
		}
	}
}

func (g *generator) appUser(i int) User {
	name := appNames[i%len(appNames)]
	if i >= len(appNames) {
		name += " " + strconv.Itoa(i/len(appNames)+1)
	}
	return User{AccountID: g.accountID("app"), AccountType: "app", Active: g.rng.IntN(10) > 0,
		DisplayName: name, Locale: "en_US", TimeZone: "Etc/UTC"}
}

func (g *generator) person(i int, accountType string) User {
	first := firstNames[g.rng.IntN(len(firstNames))]
	last := lastNames[g.rng.IntN(len(lastNames))]
	u := User{
		AccountID:   g.accountID(accountType),
		AccountType: accountType,
		Active:      g.rng.IntN(100) < 92,
		DisplayName: first.display + " " + last.display,
		Locale:      locales[g.rng.IntN(len(locales))],
		TimeZone:    timeZones[g.rng.IntN(len(timeZones))],
	}
	domain := "example.com"
	if accountType == "customer" {
		domain = "customer.example.org"
	}
	email := first.ascii + "." + last.ascii + strconv.Itoa(i) + "@" + domain
	// Profile visibility hides about a third of the atlassian users' emails.
	if accountType != "atlassian" || g.rng.IntN(100) >= 35 {
		u.Email = &email
	}
	// One atlassian user in 200 is erased on request (the last index of
	// every 200, so that even small has one).
	if accountType == "atlassian" && i%200 == 199 {
		u = User{AccountID: u.AccountID, AccountType: accountType, DisplayName: "Former user", Erased: true}
	}
	return u
}

// pickMembers returns k distinct user indexes from pool, in ascending order.
func (g *generator) pickMembers(pool []int, k int) []int {
	k = min(k, len(pool))
	picked := make(map[int]bool, k)
	out := make([]int, 0, k)
	for len(out) < k {
		i := pool[g.rng.IntN(len(pool))]
		if !picked[i] {
			picked[i] = true
			out = append(out, i)
		}
	}
	slices.Sort(out)
	return out
}

// shareMembers returns each user of pool with probability share.
func (g *generator) shareMembers(pool []int, share float64) []int {
	out := make([]int, 0, int(float64(len(pool))*share*1.1))
	for _, i := range pool {
		if g.rng.Float64() < share {
			out = append(out, i)
		}
	}
	return out
}

func (g *generator) accountIDs(indexes []int) []string {
	ids := make([]string, len(indexes))
	for i, ix := range indexes {
		ids[i] = g.d.Users[ix].AccountID
	}
	return ids
}

func (g *generator) addGroup(name string, members []int) {
	g.named[name] = len(g.d.Groups)
	g.d.Groups = append(g.d.Groups, Group{GroupID: g.uuid(), Name: name, Members: g.accountIDs(members)})
}

// groupID returns the ID of a generated group by name.
func (g *generator) groupID(name string) string {
	return g.d.Groups[g.named[name]].GroupID
}

func (g *generator) groups() {
	adminCount := max(3, len(g.adminPool)/500)
	// "jira-software-users" renamed by the site's admins: key groups by ID.
	g.addGroup("Software Users – Platform", g.shareMembers(g.eligible, g.spec.hugeShares[0]))
	g.addGroup("site-admins", g.pickMembers(g.adminPool, adminCount))
	g.addGroup("jira-admins-acme", g.pickMembers(g.adminPool, adminCount*2))
	g.addGroup("jira-servicemanagement-users-acme", g.pickMembers(g.eligible, max(5, len(g.eligible)/20)))
	g.addGroup("atlassian-addons-admin", g.appUsers)
	g.addGroup("jira-users", g.pickMembers(g.eligible, len(g.eligible)/4))
	g.addGroup("empty group", nil)

	for i, share := range g.spec.hugeShares[1:] {
		g.addGroup(fmt.Sprintf("all staff %d", i+1), g.shareMembers(g.eligible, share))
	}
	for i, name := range specialGroupNames {
		size := g.smallSize()
		if i == 0 {
			size = 51 // one more than a group/member page
		}
		g.addGroup(name, g.pickMembers(g.eligible, size))
	}

	for i := 0; len(g.d.Groups) < g.spec.groups; i++ {
		dept := departments[g.rng.IntN(len(departments))]
		word := teamWords[g.rng.IntN(len(teamWords))]
		sep := "-"
		if strings.ContainsRune(dept, ' ') || g.rng.IntN(4) == 0 {
			sep = " "
		}
		name := dept + sep + word + sep + strconv.Itoa(i)
		size := g.smallSize()
		if i < g.spec.bigGroups {
			size = g.spec.bigMin + g.rng.IntN(g.spec.bigMax-g.spec.bigMin+1)
		}
		g.addGroup(name, g.pickMembers(g.eligible, size))
	}
	g.d.Groups = g.d.Groups[:g.spec.groups]

	// group/bulk lists groups by name.
	slices.SortStableFunc(g.d.Groups, func(a, b Group) int {
		return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name))
	})
	for i, gr := range g.d.Groups {
		g.named[gr.Name] = i
	}
}

// smallSize draws a group size from an exponential distribution, so most
// groups fit in one page and a few spill over.
func (g *generator) smallSize() int {
	if g.rng.IntN(30) == 0 {
		return 0
	}
	return 1 + int(-g.spec.smallMean*math.Log(1-g.rng.Float64()))
}

func (g *generator) appRoles() {
	software := g.groupID("Software Users – Platform")
	admins := g.groupID("jira-admins-acme")
	siteAdmins := g.groupID("site-admins")
	jsm := g.groupID("jira-servicemanagement-users-acme")
	users := g.groupID("jira-users")
	seats := (g.spec.users*8/10 + 99) / 100 * 100
	g.d.AppRoles = []AppRole{
		{Key: "jira-software", Name: "Jira Software", GroupIDs: []string{software, admins, siteAdmins},
			DefaultGroupIDs: []string{software}, NumberOfSeats: seats},
		{Key: "jira-servicedesk", Name: "Jira Service Management", GroupIDs: []string{jsm, siteAdmins},
			DefaultGroupIDs: []string{jsm}, NumberOfSeats: max(10, g.spec.users/10)},
		{Key: "jira-core", Name: "Jira Work Management", GroupIDs: []string{users},
			DefaultGroupIDs: []string{users}, NumberOfSeats: -1, HasUnlimitedSeats: true},
		{Key: "jira-product-discovery", Name: "Jira Product Discovery", NumberOfSeats: 3},
	}
}

func (g *generator) categories() {
	for i := range g.spec.categories {
		name := categoryNames[i%len(categoryNames)]
		if i >= len(categoryNames) {
			name += " " + strconv.Itoa(i/len(categoryNames)+1)
		}
		g.d.Categories = append(g.d.Categories, Category{
			ID: strconv.Itoa(10000 + i), Name: name, Description: "Projects of " + name,
		})
	}
}

func (g *generator) projects() {
	keys := map[string]bool{}
	for i := range g.spec.projects {
		word := projectWords[g.rng.IntN(len(projectWords))]
		second := teamWords[g.rng.IntN(len(teamWords))]
		prefix := strings.ToUpper(word[:min(4, len(word))])
		key := prefix
		for n := 2; keys[key]; n++ {
			key = prefix + strconv.Itoa(n)
		}
		keys[key] = true
		p := Project{ID: strconv.Itoa(10000 + i), Key: key, Name: word + " " + second + " (" + key + ")"}
		if g.rng.IntN(5) > 0 {
			p.CategoryID = g.d.Categories[g.rng.IntN(len(g.d.Categories))].ID
		}
		g.d.Projects = append(g.d.Projects, p)
	}
	// project/search orders by key by default.
	slices.SortFunc(g.d.Projects, func(a, b Project) int { return strings.Compare(a.Key, b.Key) })
}

func (g *generator) roles() {
	g.d.Roles = []Role{
		{ID: RoleAdministrators, Name: "Administrators", Description: "Administrators of the project"},
		{ID: RoleAddonsAccess, Name: "atlassian-addons-project-access", Description: "Apps that need access to the project"},
		{ID: RoleMember, Name: "Member", Description: "Members of the project"},
		{ID: RoleViewer, Name: "Viewer", Description: "People who can view the project"},
		{ID: RoleServiceDesk, Name: "Service Desk Team", Description: "Agents of the service project"},
	}
}

func (g *generator) roleActors() {
	admins := g.groupID("jira-admins-acme")
	jsm := g.groupID("jira-servicemanagement-users-acme")
	users := g.groupID("jira-users")
	set := func(p Project, role int64, a Actors) {
		if len(a.AccountIDs)+len(a.GroupIDs) > 0 {
			g.d.RoleActors[ProjectRole{ProjectID: p.ID, RoleID: role}] = a
		}
	}
	randomGroups := func(n int) []string {
		ids := make([]string, 0, n)
		for range n {
			id := g.d.Groups[g.rng.IntN(len(g.d.Groups))].GroupID
			if !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
		return ids
	}
	for _, p := range g.d.Projects {
		set(p, RoleAdministrators, Actors{
			AccountIDs: g.accountIDs(g.pickMembers(g.adminPool, 1+g.rng.IntN(2))),
			GroupIDs:   []string{admins},
		})
		set(p, RoleAddonsAccess, Actors{AccountIDs: g.accountIDs(g.pickMembers(g.appUsers, 1+g.rng.IntN(2)))})
		set(p, RoleMember, Actors{
			AccountIDs: g.accountIDs(g.pickMembers(g.eligible, g.rng.IntN(5))),
			GroupIDs:   randomGroups(g.rng.IntN(4)),
		})
		if g.rng.IntN(2) == 0 {
			set(p, RoleViewer, Actors{GroupIDs: []string{users}})
		}
		if g.rng.IntN(5) == 0 {
			set(p, RoleServiceDesk, Actors{
				AccountIDs: g.accountIDs(g.pickMembers(g.adminPool, g.rng.IntN(3))),
				GroupIDs:   []string{jsm},
			})
		}
	}
}
