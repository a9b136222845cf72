package jirasim

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

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
	g.addGroup("jira-servicemanagement-users-acme", g.pickMembers(g.eligible, max(5, len(g.eligible)/100)))
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
