package jirasim

import (
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"net/http"
	"strconv"
)

// roleParamLocked resolves {projectIdOrKey} and {id}; the caller holds s.mu.
// It sends 400 or 404 and returns false when that fails.
func (s *Server) roleParamLocked(w http.ResponseWriter, r *http.Request) (Project, Role, bool) {
	pi, ok := s.projectParamLocked(w, r)
	if !ok {
		return Project{}, Role{}, false
	}
	raw := r.PathValue("id")
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		writeErrors(w, http.StatusBadRequest, fmt.Sprintf("Invalid project role id %q: use the number from GET /role.", raw))
		return Project{}, Role{}, false
	}
	ri, ok := s.indexLocked().roles[id]
	if !ok {
		writeErrors(w, http.StatusNotFound, fmt.Sprintf("No project role with id %d.", id))
		return Project{}, Role{}, false
	}
	return s.data.Projects[pi], s.data.Roles[ri], true
}

// actorID derives a stable RoleActor id from the role and the actor.
func actorID(pr ProjectRole, actor string) int64 {
	h := fnv.New32a()
	fmt.Fprintf(h, "%s/%d/%s", pr.ProjectID, pr.RoleID, actor)
	return 10000 + int64(h.Sum32()%1_000_000_000)
}

// projectRoleLocked builds the ProjectRole body with its actors: groups
// first, then users; the caller holds s.mu.
func (s *Server) projectRoleLocked(p Project, role Role, excludeInactive bool) projectRoleJSON {
	siteURL := s.data.site().URL
	pr := ProjectRole{ProjectID: p.ID, RoleID: role.ID}
	x := s.indexLocked()
	actors := s.data.RoleActors[pr]
	out := projectRoleJSON{
		Self: siteURL + "/rest/api/3/project/" + p.ID + "/role/" + strconv.FormatInt(role.ID, 10),
		Name: role.Name, ID: role.ID, Description: role.Description, Actors: []roleActorJSON{},
	}
	for _, gid := range actors.GroupIDs {
		name := gid
		if gi, ok := x.groups[gid]; ok {
			name = s.data.Groups[gi].Name
		}
		out.Actors = append(out.Actors, roleActorJSON{
			ID: actorID(pr, gid), DisplayName: name, Type: "atlassian-group-role-actor", Name: name,
			ActorGroup: &actorGroupJSON{Name: name, DisplayName: name, GroupID: gid},
		})
	}
	for _, id := range actors.AccountIDs {
		display, active := id, false
		if ui, ok := x.users[id]; ok {
			display, active = s.data.Users[ui].DisplayName, s.data.Users[ui].Active
		}
		if excludeInactive && !active {
			continue
		}
		out.Actors = append(out.Actors, roleActorJSON{
			ID: actorID(pr, id), DisplayName: display, Type: "atlassian-user-role-actor",
			ActorUser: &actorUserJSON{AccountID: id},
		})
	}
	return out
}

// handleGetProjectRole serves GET /project/{projectIdOrKey}/role/{id}.
func (s *Server) handleGetProjectRole(w http.ResponseWriter, r *http.Request) {
	excludeInactive := false
	if raw := r.URL.Query().Get("excludeInactiveUsers"); raw != "" {
		b, err := strconv.ParseBool(raw)
		if err != nil {
			writeErrors(w, http.StatusBadRequest, fmt.Sprintf("Invalid excludeInactiveUsers %q: use true or false.", raw))
			return
		}
		excludeInactive = b
	}
	s.mu.Lock()
	p, role, ok := s.roleParamLocked(w, r)
	if !ok {
		s.mu.Unlock()
		return
	}
	out := s.projectRoleLocked(p, role, excludeInactive)
	s.mu.Unlock()
	stateOf(r).objects = len(out.Actors)
	writeJSON(w, http.StatusOK, out)
}

// actorsMap is the ActorsMap body of POST .../role/{id}.
type actorsMap struct {
	User    []string `json:"user"`
	GroupID []string `json:"groupId"`
	Group   []string `json:"group"` // group names, the older form
}

// handleAddRoleActors serves POST /project/{projectIdOrKey}/role/{id} and
// returns the role with all its actors. Users must exist and be active.
func (s *Server) handleAddRoleActors(w http.ResponseWriter, r *http.Request) {
	var body actorsMap
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		writeErrors(w, http.StatusBadRequest, "Invalid request body: "+err.Error())
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, role, ok := s.roleParamLocked(w, r)
	if !ok {
		return
	}
	if len(body.User)+len(body.GroupID)+len(body.Group) == 0 {
		writeErrors(w, http.StatusBadRequest, "Send at least one actor in user, groupId or group.")
		return
	}

	x := s.indexLocked()
	add := Actors{AccountIDs: body.User}
	for _, id := range body.User {
		if ui, ok := x.users[id]; !ok || !s.data.Users[ui].Active {
			writeErrors(w, http.StatusNotFound, fmt.Sprintf("User %q does not exist or is not active.", id))
			return
		}
	}
	for _, id := range body.GroupID {
		if _, ok := x.groups[id]; !ok {
			writeErrors(w, http.StatusNotFound, fmt.Sprintf("Group with groupId %q not found.", id))
			return
		}
		add.GroupIDs = append(add.GroupIDs, id)
	}
	for _, name := range body.Group {
		gi, ok := s.findGroupLocked("", name)
		if !ok {
			writeErrors(w, http.StatusNotFound, fmt.Sprintf("Group named %q not found.", name))
			return
		}
		add.GroupIDs = append(add.GroupIDs, s.data.Groups[gi].GroupID)
	}

	pr := ProjectRole{ProjectID: p.ID, RoleID: role.ID}
	if err := s.data.AddRoleActor(pr, add); errors.Is(err, ErrExists) {
		writeErrors(w, http.StatusBadRequest, "Cannot add actor: "+err.Error()+".")
		return
	}
	out := s.projectRoleLocked(p, role, false)
	stateOf(r).objects = len(out.Actors)
	writeJSON(w, http.StatusOK, out)
}

// handleDeleteRoleActor serves DELETE /project/{projectIdOrKey}/role/{id}
// with one of user, groupId or group in the query.
func (s *Server) handleDeleteRoleActor(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	user, groupID, groupName := q.Get("user"), q.Get("groupId"), q.Get("group")
	s.mu.Lock()
	defer s.mu.Unlock()
	p, role, ok := s.roleParamLocked(w, r)
	if !ok {
		return
	}

	var remove Actors
	switch {
	case user != "":
		remove.AccountIDs = []string{user}
	case groupID != "":
		remove.GroupIDs = []string{groupID}
	case groupName != "":
		gi, ok := s.findGroupLocked("", groupName)
		if !ok {
			writeErrors(w, http.StatusNotFound, fmt.Sprintf("Group named %q not found.", groupName))
			return
		}
		remove.GroupIDs = []string{s.data.Groups[gi].GroupID}
	default:
		writeErrors(w, http.StatusBadRequest, "Send the actor to remove as user, groupId or group.")
		return
	}

	pr := ProjectRole{ProjectID: p.ID, RoleID: role.ID}
	if err := s.data.RemoveRoleActor(pr, remove); err != nil {
		writeErrors(w, http.StatusBadRequest, "Cannot remove actor: "+err.Error()+".")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
