package jirasim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// handleUsersSearch serves GET /users/search: a bare array of users with no
// total and no isLast. The client stops at an empty page.
func (s *Server) handleUsersSearch(w http.ResponseWriter, r *http.Request) {
	p, ok := readPage(w, r, 1000)
	if !ok {
		return
	}
	st := stateOf(r)
	s.mu.Lock()
	siteURL := s.data.site().URL
	start, end := p.window(len(s.data.Users), st)
	out := make([]userJSON, 0, end-start)
	for _, u := range s.data.Users[start:end] {
		out = append(out, toUserJSON(siteURL, u))
	}
	s.mu.Unlock()
	st.objects = len(out)
	writeJSON(w, http.StatusOK, out)
}

// handleGetUser serves GET /user?accountId=.
func (s *Server) handleGetUser(w http.ResponseWriter, r *http.Request) {
	accountID := r.URL.Query().Get("accountId")
	s.mu.Lock()
	defer s.mu.Unlock()
	ui, ok := s.indexLocked().users[accountID]
	if accountID == "" || !ok {
		writeErrors(w, http.StatusNotFound, fmt.Sprintf("User with accountId %q not found.", accountID))
		return
	}
	u := s.data.Users[ui]
	groups := 0
	for _, g := range s.data.Groups {
		if slices.Contains(g.Members, accountID) {
			groups++
		}
	}
	j := toUserJSON(s.data.site().URL, u)
	j.Groups = &listSize{Size: groups, Items: []any{}, MaxResults: 0}
	j.AppRoles = &listSize{Size: len(s.appRolesOfLocked(accountID)), Items: []any{}, MaxResults: 0}
	j.Expand = "groups,applicationRoles"
	stateOf(r).objects = 1
	writeJSON(w, http.StatusOK, j)
}

// appRolesOfLocked returns the keys of the application roles a user holds
// through group membership; the caller holds s.mu.
func (s *Server) appRolesOfLocked(accountID string) []string {
	x := s.indexLocked()
	var keys []string
	for _, role := range s.data.AppRoles {
		for _, gid := range role.GroupIDs {
			gi, ok := x.groups[gid]
			if ok && slices.Contains(s.data.Groups[gi].Members, accountID) {
				keys = append(keys, role.Key)
				break
			}
		}
	}
	return keys
}

// newUserRequest is the NewUserDetails body of POST /user.
type newUserRequest struct {
	EmailAddress *string   `json:"emailAddress"`
	DisplayName  string    `json:"displayName"`
	Products     *[]string `json:"products"`
}

// handleCreateUser serves POST /user. Since May 2024 Jira requires
// products ([] for no product access). As the OpenAPI document states, an
// existing user with Jira access gets 201 and one without gets 400.
func (s *Server) handleCreateUser(w http.ResponseWriter, r *http.Request) {
	var req newUserRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeErrors(w, http.StatusBadRequest, "Invalid request body: "+err.Error())
		return
	}
	if req.EmailAddress == nil || strings.TrimSpace(*req.EmailAddress) == "" {
		writeFieldError(w, http.StatusBadRequest, "emailAddress", "emailAddress is required.")
		return
	}
	if req.Products == nil {
		writeFieldError(w, http.StatusBadRequest, "products",
			"products is required: list product keys such as jira-software, or send [] for no product access.")
		return
	}

	email := strings.TrimSpace(*req.EmailAddress)
	s.mu.Lock()
	defer s.mu.Unlock()
	var groups []string
	for _, key := range *req.Products {
		i := slices.IndexFunc(s.data.AppRoles, func(a AppRole) bool { return a.Key == key })
		if i < 0 {
			writeFieldError(w, http.StatusBadRequest, "products", fmt.Sprintf("Unknown product %q.", key))
			return
		}
		groups = append(groups, s.data.AppRoles[i].DefaultGroupIDs...)
	}

	siteURL := s.data.site().URL
	for _, u := range s.data.Users {
		if u.Email != nil && strings.EqualFold(*u.Email, email) {
			if !u.Active {
				writeErrors(w, http.StatusBadRequest, fmt.Sprintf("User %q exists but has no access to Jira.", email))
				return
			}
			writeJSON(w, http.StatusCreated, toUserJSON(siteURL, u))
			return
		}
	}

	displayName := req.DisplayName
	if displayName == "" {
		displayName, _, _ = strings.Cut(email, "@")
	}
	u := NewUser(displayName, email)
	if err := s.data.AddUser(u); err != nil {
		writeErrors(w, http.StatusInternalServerError, "Failed to create the user: "+err.Error())
		return
	}
	for _, gid := range groups {
		_ = s.data.AddMember(gid, u.AccountID) // default groups that no longer exist are skipped
	}
	s.idx = nil
	stateOf(r).objects = 1
	writeJSON(w, http.StatusCreated, toUserJSON(siteURL, u))
}

// handleDeleteUser serves DELETE /user?accountId=: it removes the user from
// Jira, its groups and its project roles.
func (s *Server) handleDeleteUser(w http.ResponseWriter, r *http.Request) {
	accountID := r.URL.Query().Get("accountId")
	if accountID == "" {
		writeFieldError(w, http.StatusBadRequest, "accountId", "accountId is required.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.data.RemoveUser(accountID); err != nil {
		writeErrors(w, http.StatusNotFound, fmt.Sprintf("User with accountId %q not found.", accountID))
		return
	}
	s.idx = nil
	w.WriteHeader(http.StatusNoContent)
}
