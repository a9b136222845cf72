package jirasim

import (
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestGenerateIsDeterministic(t *testing.T) {
	a := mustGenerate(t, SizeMedium)
	b := mustGenerate(t, SizeMedium)
	if !reflect.DeepEqual(a, b) {
		t.Error("two datasets of the same size and seed differ")
	}
	c, err := Generate(SizeMedium, 2)
	if err != nil {
		t.Fatal(err)
	}
	if reflect.DeepEqual(a.Users, c.Users) {
		t.Error("seeds 1 and 2 give the same users")
	}
}

func TestGenerateUnknownSize(t *testing.T) {
	_, err := Generate("huge", 1)
	if err == nil || !strings.Contains(err.Error(), `"huge"`) {
		t.Errorf("error %v, want one that names the size", err)
	}
}

func TestGenerateCounts(t *testing.T) {
	for size, spec := range sizeSpecs {
		t.Run(string(size), func(t *testing.T) {
			d := mustGenerate(t, size)
			if len(d.Users) != spec.users {
				t.Errorf("%d users, want %d", len(d.Users), spec.users)
			}
			if len(d.Groups) != spec.groups {
				t.Errorf("%d groups, want %d", len(d.Groups), spec.groups)
			}
			if len(d.Projects) != spec.projects {
				t.Errorf("%d projects, want %d", len(d.Projects), spec.projects)
			}
			if len(d.Roles) != 5 {
				t.Errorf("%d roles, want 5", len(d.Roles))
			}
			if len(d.Sites) < 2 {
				t.Errorf("%d sites, want several", len(d.Sites))
			}
		})
	}
}

// TestGenerateContent checks that the quirks a connector must handle are
// present in every size.
func TestGenerateContent(t *testing.T) {
	for size := range sizeSpecs {
		t.Run(string(size), func(t *testing.T) {
			d := mustGenerate(t, size)
			count := func(f func(User) bool) int {
				return len(slices.DeleteFunc(slices.Clone(d.Users), func(u User) bool { return !f(u) }))
			}
			users := map[string]int{
				"hidden email": count(func(u User) bool { return u.Email == nil && !u.Erased && u.AccountType == "atlassian" }),
				"app":          count(func(u User) bool { return u.AccountType == "app" }),
				"customer":     count(func(u User) bool { return u.AccountType == "customer" }),
				"unknown":      count(func(u User) bool { return u.AccountType == "unknown" }),
				"inactive":     count(func(u User) bool { return !u.Active && !u.Erased }),
				"erased":       count(func(u User) bool { return u.Erased }),
				"non-ASCII":    count(func(u User) bool { return strings.ContainsFunc(u.DisplayName, func(r rune) bool { return r > 127 }) }),
			}
			for kind, n := range users {
				if n == 0 {
					t.Errorf("no %s users", kind)
				}
			}
			names := map[string]bool{}
			maxMembers, empty := 0, 0
			for _, g := range d.Groups {
				names[g.Name] = true
				maxMembers = max(maxMembers, len(g.Members))
				if len(g.Members) == 0 {
					empty++
				}
			}
			for _, want := range append(slices.Clone(specialGroupNames), "Software Users – Platform") {
				if !names[want] {
					t.Errorf("no group named %q", want)
				}
			}
			if names["jira-software-users"] {
				t.Error("the jira-software default group is not renamed")
			}
			if maxMembers <= 50 {
				t.Errorf("largest group has %d members, want more than one page", maxMembers)
			}
			if empty == 0 {
				t.Error("no empty group")
			}
			var userActors, groupActors int
			for _, a := range d.RoleActors {
				userActors += len(a.AccountIDs)
				groupActors += len(a.GroupIDs)
			}
			if userActors == 0 || groupActors == 0 {
				t.Errorf("role actors: %d users, %d groups; want both", userActors, groupActors)
			}
			for _, r := range d.AppRoles[:3] {
				if len(r.GroupIDs) == 0 || len(r.DefaultGroupIDs) == 0 {
					t.Errorf("application role %s has no groups", r.Key)
				}
			}
		})
	}
}

func TestGenerateMembersAreUsers(t *testing.T) {
	d := mustGenerate(t, SizeMedium)
	ids := map[string]bool{}
	for _, u := range d.Users {
		if ids[u.AccountID] {
			t.Fatalf("duplicate accountId %s", u.AccountID)
		}
		ids[u.AccountID] = true
	}
	for _, g := range d.Groups {
		for _, m := range g.Members {
			if !ids[m] {
				t.Fatalf("group %q has unknown member %s", g.Name, m)
			}
		}
	}
}

// TestGenerateLargeCost measures the time and memory of the large dataset.
func TestGenerateLargeSizes(t *testing.T) {
	if testing.Short() {
		t.Skip("generating the large site allocates about 80 MiB")
	}
	d := mustGenerate(t, SizeLarge)
	members, pages := 0, 0
	for _, g := range d.Groups {
		members += len(g.Members)
		pages += max(1, (len(g.Members)+49)/50)
	}
	t.Logf("large: %d users, %d groups, %d memberships in %d member pages, %d projects",
		len(d.Users), len(d.Groups), members, pages, len(d.Projects))
	if len(d.Users) != 100_000 {
		t.Errorf("users = %d, want 100,000", len(d.Users))
	}
	if len(d.Groups) != 20_000 {
		t.Errorf("groups = %d, want 20,000", len(d.Groups))
	}
	if len(d.Projects) != 2_500 {
		t.Errorf("projects = %d, want 2,500", len(d.Projects))
	}
}

// BenchmarkGenerateLarge measures the time and memory to generate the
// large site; docs/benchmarks.md records a run.
func BenchmarkGenerateLarge(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Generate(SizeLarge, 1); err != nil {
			b.Fatal(err)
		}
	}
}

func TestCloneIsDeep(t *testing.T) {
	d := mustGenerate(t, SizeSmall)
	c := d.Clone()
	if !reflect.DeepEqual(d, c) {
		t.Fatal("clone differs from the original")
	}
	withEmail := slices.IndexFunc(c.Users, func(u User) bool { return u.Email != nil })
	*c.Users[withEmail].Email = "changed@example.com"
	c.Groups[0].Members = append(c.Groups[0].Members[:0], "x")
	for pr, a := range c.RoleActors {
		if len(a.AccountIDs) > 0 {
			c.RoleActors[pr].AccountIDs[0] = "x"
			break
		}
	}
	c.AppRoles[0].GroupIDs[0] = "x"
	if reflect.DeepEqual(d, c) {
		t.Error("changes to the clone reached the original")
	}
	if *d.Users[withEmail].Email == "changed@example.com" {
		t.Error("clone shares email pointers")
	}
}
