package jirasim

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// handleApplicationRoles serves GET /applicationrole. userCount counts the
// distinct active users in a role's groups.
func (s *Server) handleApplicationRoles(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	siteURL := s.data.site().URL
	x := s.indexLocked()
	if x.roleCounts == nil {
		x.roleCounts = map[string]int{}
		for _, role := range s.data.AppRoles {
			seen := map[string]bool{}
			for _, gid := range role.GroupIDs {
				if gi, ok := x.groups[gid]; ok {
					for _, id := range s.groupMembersLocked(gi).active {
						seen[id] = true
					}
				}
			}
			x.roleCounts[role.Key] = len(seen)
		}
	}
	details := func(ids []string) ([]string, []groupDetailsJSON) {
		names, out := []string{}, []groupDetailsJSON{}
		for _, id := range ids {
			if gi, ok := x.groups[id]; ok {
				g := s.data.Groups[gi]
				names = append(names, g.Name)
				out = append(out, groupDetailsJSON{Name: g.Name, GroupID: g.GroupID, Self: groupSelf(siteURL, g.GroupID)})
			}
		}
		return names, out
	}
	out := make([]applicationRoleJSON, 0, len(s.data.AppRoles))
	for _, role := range s.data.AppRoles {
		j := applicationRoleJSON{
			Key: role.Key, Name: role.Name, Defined: true, NumberOfSeats: role.NumberOfSeats,
			UserCount: x.roleCounts[role.Key], UserCountDescription: "users",
			HasUnlimitedSeats: role.HasUnlimitedSeats, Platform: role.Key == "jira-core",
		}
		j.Groups, j.GroupDetails = details(role.GroupIDs)
		j.DefaultGroups, j.DefaultGroupsDetails = details(role.DefaultGroupIDs)
		j.RemainingSeats = -1
		if !role.HasUnlimitedSeats {
			j.RemainingSeats = role.NumberOfSeats - j.UserCount
		}
		out = append(out, j)
	}
	s.mu.Unlock()
	stateOf(r).objects = len(out)
	writeJSON(w, http.StatusOK, out)
}

// projectOrders are the orderBy values of project/search the simulator
// sorts by; the other values of the documented enum sort by key.
var projectOrders = map[string]func(a, b Project) int{
	"key":  func(a, b Project) int { return strings.Compare(a.Key, b.Key) },
	"name": func(a, b Project) int { return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) },
}

var projectOrderEnum = []string{
	"category", "issueCount", "key", "lastIssueUpdatedDate", "name", "owner", "archivedDate", "deletedDate",
}

// handleProjectSearch serves GET /project/search ordered by orderBy
// (default key), filtered by id, keys, query and categoryId.
func (s *Server) handleProjectSearch(w http.ResponseWriter, r *http.Request) {
	p, ok := readPage(w, r, 100)
	if !ok {
		return
	}
	q := r.URL.Query()
	orderBy := q.Get("orderBy")
	field := strings.TrimLeft(orderBy, "+-")
	if orderBy != "" && !slices.Contains(projectOrderEnum, field) {
		writeErrors(w, http.StatusBadRequest, fmt.Sprintf("Invalid orderBy %q: use key, name or another documented field.", orderBy))
		return
	}
	cmp, ok := projectOrders[field]
	if !ok {
		cmp = projectOrders["key"] // NOTE: category, owner and the date orders sort by key here
	}

	ids, keys := q["id"], q["keys"]
	query, categoryID := strings.ToLower(q.Get("query")), q.Get("categoryId")
	keep := func(pr Project) bool {
		return (len(ids) == 0 || slices.Contains(ids, pr.ID)) &&
			(len(keys) == 0 || slices.ContainsFunc(keys, func(k string) bool { return strings.EqualFold(k, pr.Key) })) &&
			(query == "" || strings.Contains(strings.ToLower(pr.Key), query) || strings.Contains(strings.ToLower(pr.Name), query)) &&
			(categoryID == "" || pr.CategoryID == categoryID)
	}

	st := stateOf(r)
	s.mu.Lock()
	siteURL := s.data.site().URL
	x := s.indexLocked()
	projects := slices.DeleteFunc(slices.Clone(s.data.Projects), func(pr Project) bool { return !keep(pr) })
	slices.SortStableFunc(projects, cmp)
	if strings.HasPrefix(orderBy, "-") {
		slices.Reverse(projects)
	}

	start, end := p.window(len(projects), st)
	values := make([]projectJSON, 0, end-start)
	for _, pr := range projects[start:end] {
		j := projectJSON{
			Expand: "description,lead,issueTypes,url,projectKeys,permissions,insight",
			Self:   siteURL + "/rest/api/3/project/" + pr.ID, ID: pr.ID, Key: pr.Key, Name: pr.Name,
			AvatarURLs: projectAvatars, ProjectTypeKey: "software", Style: "classic", Properties: map[string]any{},
		}
		if ci, ok := x.categories[pr.CategoryID]; ok {
			c := toCategoryJSON(siteURL, s.data.Categories[ci])
			j.ProjectCategory = &c
		}
		values = append(values, j)
	}
	s.mu.Unlock()
	st.objects = len(values)
	writeJSON(w, http.StatusOK, envelope(r, siteURL, "/project/search", p, start, len(projects), values))
}

// handleRoles serves GET /role: the global project roles.
func (s *Server) handleRoles(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	siteURL := s.data.site().URL
	out := make([]projectRoleJSON, 0, len(s.data.Roles))
	for _, role := range s.data.Roles {
		out = append(out, projectRoleJSON{
			Self: siteURL + "/rest/api/3/role/" + strconv.FormatInt(role.ID, 10),
			Name: role.Name, ID: role.ID, Description: role.Description,
		})
	}
	s.mu.Unlock()
	stateOf(r).objects = len(out)
	writeJSON(w, http.StatusOK, out)
}

// handleProjectRoles serves GET /project/{projectIdOrKey}/role: a map from
// role name to the role's URL, whose last segment is the role ID.
func (s *Server) handleProjectRoles(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	pi, ok := s.projectParamLocked(w, r)
	if !ok {
		return
	}
	siteURL := s.data.site().URL
	out := make(map[string]string, len(s.data.Roles))
	for _, role := range s.data.Roles {
		out[role.Name] = siteURL + "/rest/api/3/project/" + s.data.Projects[pi].Key + "/role/" + strconv.FormatInt(role.ID, 10)
	}
	stateOf(r).objects = len(out)
	writeJSON(w, http.StatusOK, out)
}

// projectParamLocked resolves {projectIdOrKey}; the caller holds s.mu. It
// sends 404 and returns false for an unknown project.
func (s *Server) projectParamLocked(w http.ResponseWriter, r *http.Request) (int, bool) {
	idOrKey := r.PathValue("projectIdOrKey")
	pi, ok := s.findProjectLocked(idOrKey)
	if !ok {
		writeErrors(w, http.StatusNotFound, fmt.Sprintf("No project could be found with id or key %q.", idOrKey))
	}
	return pi, ok
}

// handleCategories serves GET /projectCategory.
func (s *Server) handleCategories(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	siteURL := s.data.site().URL
	out := make([]categoryJSON, 0, len(s.data.Categories))
	for _, c := range s.data.Categories {
		out = append(out, toCategoryJSON(siteURL, c))
	}
	s.mu.Unlock()
	stateOf(r).objects = len(out)
	writeJSON(w, http.StatusOK, out)
}
