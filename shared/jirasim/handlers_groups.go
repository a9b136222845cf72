package jirasim

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// Writes that would change nothing (adding a member twice, removing a
// non-member, the same for project role actors) get 400 and a Jira
// error body, as Jira's REST resources do for a failed validation.
// NOTE: this follows Jira Server's GroupResource and ProjectRoleResource;
// the OpenAPI document does not list these cases, and Cloud's status for
// them is not verified here. Clients should decide by status code and then
// re-read the membership, never by the message text.

// handleGroupBulk serves GET /group/bulk, optionally filtered by groupId
// and groupName (both repeatable).
func (s *Server) handleGroupBulk(w http.ResponseWriter, r *http.Request) {
	p, ok := readPage(w, r, 50)
	if !ok {
		return
	}
	q := r.URL.Query()
	ids, names := q["groupId"], q["groupName"]
	st := stateOf(r)
	s.mu.Lock()
	siteURL := s.data.site().URL
	groups := s.data.Groups
	if len(ids)+len(names) > 0 {
		groups = slices.DeleteFunc(slices.Clone(groups), func(g Group) bool {
			return !slices.Contains(ids, g.GroupID) && !slices.Contains(names, g.Name)
		})
	}
	start, end := p.window(len(groups), st)
	values := make([]groupDetailsJSON, 0, end-start)
	for _, g := range groups[start:end] {
		values = append(values, groupDetailsJSON{Name: g.Name, GroupID: g.GroupID})
	}
	total := len(groups)
	s.mu.Unlock()
	st.objects = len(values)
	writeJSON(w, http.StatusOK, envelope(r, siteURL, "/group/bulk", p, start, total, values))
}

// groupParamLocked resolves the group named by groupId or groupname; the
// caller holds s.mu. It sends 400 or 404 and returns false when that fails.
func (s *Server) groupParamLocked(w http.ResponseWriter, r *http.Request) (int, bool) {
	q := r.URL.Query()
	id, name := q.Get("groupId"), q.Get("groupname")
	switch {
	case id == "" && name == "":
		writeErrors(w, http.StatusBadRequest, "You must specify a group: send groupId (preferred) or groupname.")
		return 0, false
	case id != "" && name != "":
		writeErrors(w, http.StatusBadRequest, "Send groupId or groupname, not both.")
		return 0, false
	}
	gi, ok := s.findGroupLocked(id, name)
	if !ok {
		writeErrors(w, http.StatusNotFound, fmt.Sprintf("Group not found: groupId %q, groupname %q.", id, name))
	}
	return gi, ok
}

// handleGroupMember serves GET /group/member. Inactive users are left out
// unless includeInactiveUsers=true, Jira's default being false.
func (s *Server) handleGroupMember(w http.ResponseWriter, r *http.Request) {
	p, ok := readPage(w, r, 50)
	if !ok {
		return
	}
	includeInactive := false
	if raw := r.URL.Query().Get("includeInactiveUsers"); raw != "" {
		b, err := strconv.ParseBool(raw)
		if err != nil {
			writeErrors(w, http.StatusBadRequest, fmt.Sprintf("Invalid includeInactiveUsers %q: use true or false.", raw))
			return
		}
		includeInactive = b
	}

	st := stateOf(r)
	s.mu.Lock()
	gi, ok := s.groupParamLocked(w, r)
	if !ok {
		s.mu.Unlock()
		return
	}
	lists := s.groupMembersLocked(gi)
	members := lists.active
	if includeInactive {
		members = lists.all
	}

	siteURL := s.data.site().URL
	x := s.indexLocked()
	start, end := p.window(len(members), st)
	values := make([]userDetailsJSON, 0, end-start)
	for _, id := range members[start:end] {
		values = append(values, toUserDetailsJSON(siteURL, s.data.Users[x.users[id]]))
	}
	s.mu.Unlock()
	st.objects = len(values)
	writeJSON(w, http.StatusOK, envelope(r, siteURL, "/group/member", p, start, len(members), values))
}

// handleAddGroupMember serves POST /group/user with body {"accountId": ...}.
func (s *Server) handleAddGroupMember(w http.ResponseWriter, r *http.Request) {
	var body struct {
		AccountID string `json:"accountId"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		writeErrors(w, http.StatusBadRequest, "Invalid request body: "+err.Error())
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	gi, ok := s.groupParamLocked(w, r)
	if !ok {
		return
	}
	if body.AccountID == "" {
		writeFieldError(w, http.StatusBadRequest, "accountId", "accountId is required.")
		return
	}
	if _, ok := s.indexLocked().users[body.AccountID]; !ok {
		writeErrors(w, http.StatusNotFound, fmt.Sprintf("User with accountId %q not found.", body.AccountID))
		return
	}
	g := &s.data.Groups[gi]
	if err := s.data.AddMember(g.GroupID, body.AccountID); errors.Is(err, ErrExists) {
		writeErrors(w, http.StatusBadRequest,
			fmt.Sprintf("Cannot add user. User %q is already a member of %q.", body.AccountID, g.Name))
		return
	}
	s.membersChangedLocked(g.GroupID)
	writeJSON(w, http.StatusCreated, toGroupJSON(s.data.site().URL, *g, len(g.Members)))
}

// handleRemoveGroupMember serves DELETE /group/user?groupId=&accountId=.
func (s *Server) handleRemoveGroupMember(w http.ResponseWriter, r *http.Request) {
	accountID := r.URL.Query().Get("accountId")
	s.mu.Lock()
	defer s.mu.Unlock()
	gi, ok := s.groupParamLocked(w, r)
	if !ok {
		return
	}
	if accountID == "" {
		writeFieldError(w, http.StatusBadRequest, "accountId", "accountId is required.")
		return
	}
	if _, ok := s.indexLocked().users[accountID]; !ok {
		writeErrors(w, http.StatusNotFound, fmt.Sprintf("User with accountId %q not found.", accountID))
		return
	}
	g := s.data.Groups[gi]
	if err := s.data.RemoveMember(g.GroupID, accountID); errors.Is(err, ErrNotFound) {
		writeErrors(w, http.StatusBadRequest,
			fmt.Sprintf("Cannot remove user %q from group %q: the user is not a member.", accountID, g.Name))
		return
	}
	s.membersChangedLocked(g.GroupID)
	w.WriteHeader(http.StatusOK)
}

// handleCreateGroup serves POST /group with body {"name": ...}. Group names
// are unique regardless of case.
func (s *Server) handleCreateGroup(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Name string `json:"name"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		writeErrors(w, http.StatusBadRequest, "Invalid request body: "+err.Error())
		return
	}
	if strings.TrimSpace(body.Name) == "" {
		writeFieldError(w, http.StatusBadRequest, "name", "You must specify a group name.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, exists := s.findGroupLocked("", body.Name); exists {
		writeFieldError(w, http.StatusBadRequest, "name", fmt.Sprintf("A group named %q already exists.", body.Name))
		return
	}
	g := Group{GroupID: randomUUID(), Name: body.Name}
	s.data.Groups = append(s.data.Groups, g)
	s.idx = nil
	writeJSON(w, http.StatusCreated, toGroupJSON(s.data.site().URL, g, 0))
}
