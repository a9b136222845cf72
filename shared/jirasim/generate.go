package jirasim

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"strconv"
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
