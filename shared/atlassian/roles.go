package atlassian

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path"
	"strconv"
)

// roleJSON is the wire form of a project role. A pointer distinguishes a
// missing id from id 0.
type roleJSON struct {
	ID          *int64      `json:"id"`
	Name        string      `json:"name"`
	Description string      `json:"description"`
	Actors      []actorJSON `json:"actors"`
}

// actorJSON is the wire form of a project role actor.
type actorJSON struct {
	Type      string `json:"type"`
	ActorUser *struct {
		AccountID string `json:"accountId"`
	} `json:"actorUser"`
	ActorGroup *struct {
		Name        string `json:"name"`
		DisplayName string `json:"displayName"`
		GroupID     string `json:"groupId"`
	} `json:"actorGroup"`
}

// Roles fetches the project roles defined for the site (GET /role).
func (c *Client) Roles(ctx context.Context) ([]Role, error) {
	r := request{method: "GET", path: apiPath + "/role"}
	resp, err := c.do(ctx, r)
	if err != nil {
		return nil, err
	}
	var wire []roleJSON
	if err := decodeJSON(r, resp, '[', &wire); err != nil {
		return nil, err
	}
	err = checkValues(r, resp, "", wire, func(role *roleJSON) string {
		if role.ID == nil {
			return fmt.Sprintf("id is missing (role %q)", role.Name)
		}
		return ""
	})
	if err != nil {
		return nil, err
	}
	roles := make([]Role, len(wire))
	for i, w := range wire {
		roles[i] = Role{ID: *w.ID, Name: w.Name, Description: w.Description}
	}
	return roles, nil
}

// projectRolePath returns the escaped path of a project's roles, or of one
// role when roleID is not 0.
func projectRolePath(projectIDOrKey string, roleID int64) string {
	p := apiPath + "/project/" + url.PathEscape(projectIDOrKey) + "/role"
	if roleID != 0 {
		p += "/" + strconv.FormatInt(roleID, 10)
	}
	return p
}

// ProjectRoles fetches the roles of a project as role name to role ID
// (GET /project/{projectIdOrKey}/role). Jira returns each role's URL, and
// the ID is its last path segment.
func (c *Client) ProjectRoles(ctx context.Context, projectIDOrKey string) (map[string]int64, error) {
	if projectIDOrKey == "" {
		return nil, errors.New("atlassian: ProjectRoles: projectIDOrKey is empty")
	}
	r := request{method: "GET", path: projectRolePath(projectIDOrKey, 0)}
	resp, err := c.do(ctx, r)
	if err != nil {
		return nil, err
	}
	var urls map[string]string
	if err := decodeJSON(r, resp, '{', &urls); err != nil {
		return nil, err
	}
	ids := make(map[string]int64, len(urls))
	for name, roleURL := range urls {
		id, err := roleIDFromURL(roleURL)
		if err != nil {
			return nil, malformed(r, resp.status, fmt.Sprintf("role %q: URL %q does not end in a role id", name, roleURL), err)
		}
		ids[name] = id
	}
	return ids, nil
}

func roleIDFromURL(roleURL string) (int64, error) {
	parsed, err := url.Parse(roleURL)
	if err != nil {
		return 0, err
	}
	id, err := strconv.ParseInt(path.Base(parsed.Path), 10, 64)
	if err != nil {
		return 0, err
	}
	if id <= 0 {
		return 0, fmt.Errorf("role id %d is not positive", id)
	}
	return id, nil
}

// ProjectRole fetches a project role with its actors
// (GET /project/{projectIdOrKey}/role/{id}).
func (c *Client) ProjectRole(ctx context.Context, projectIDOrKey string, roleID int64) (ProjectRoleDetails, error) {
	if err := checkProjectRoleArgs("ProjectRole", projectIDOrKey, roleID); err != nil {
		return ProjectRoleDetails{}, err
	}
	r := request{method: "GET", path: projectRolePath(projectIDOrKey, roleID)}
	resp, err := c.do(ctx, r)
	if err != nil {
		return ProjectRoleDetails{}, err
	}
	return decodeProjectRole(r, resp)
}

func checkProjectRoleArgs(operation, projectIDOrKey string, roleID int64) error {
	if projectIDOrKey == "" {
		return fmt.Errorf("atlassian: %s: projectIDOrKey is empty", operation)
	}
	if roleID <= 0 {
		return fmt.Errorf("atlassian: %s: role id %d is invalid; take it from Roles or ProjectRoles", operation, roleID)
	}
	return nil
}

func decodeProjectRole(r request, resp response) (ProjectRoleDetails, error) {
	var wire roleJSON
	if err := decodeJSON(r, resp, '{', &wire); err != nil {
		return ProjectRoleDetails{}, err
	}
	if wire.ID == nil {
		return ProjectRoleDetails{}, malformed(r, resp.status, "id is missing", nil)
	}
	actors := make([]Actor, len(wire.Actors))
	for i, w := range wire.Actors {
		actor, problem := convertActor(w)
		if problem != "" {
			return ProjectRoleDetails{}, malformed(r, resp.status, fmt.Sprintf("actors[%d]: %s", i, problem), nil)
		}
		actors[i] = actor
	}
	return ProjectRoleDetails{ID: *wire.ID, Name: wire.Name, Actors: actors}, nil
}

// convertActor returns the actor, or a problem description when a key field
// is missing or the type is unknown.
func convertActor(w actorJSON) (Actor, string) {
	switch w.Type {
	case ActorTypeUser:
		if w.ActorUser == nil || w.ActorUser.AccountID == "" {
			return Actor{}, "user actor without actorUser.accountId"
		}
		return Actor{Type: w.Type, AccountID: w.ActorUser.AccountID}, ""
	case ActorTypeGroup:
		if w.ActorGroup == nil || w.ActorGroup.GroupID == "" {
			return Actor{}, "group actor without actorGroup.groupId"
		}
		name := w.ActorGroup.Name
		if name == "" {
			name = w.ActorGroup.DisplayName
		}
		return Actor{Type: w.Type, GroupID: w.ActorGroup.GroupID, GroupName: name}, ""
	}
	return Actor{}, fmt.Sprintf("unknown actor type %q", w.Type)
}

// AddProjectRoleActors adds users and groups to a project role and returns
// the role with all its actors (POST /project/{projectIdOrKey}/role/{id}).
// At least one account ID or group ID is required.
func (c *Client) AddProjectRoleActors(ctx context.Context, projectIDOrKey string, roleID int64, accountIDs, groupIDs []string) (ProjectRoleDetails, error) {
	if err := checkProjectRoleArgs("AddProjectRoleActors", projectIDOrKey, roleID); err != nil {
		return ProjectRoleDetails{}, err
	}
	if len(accountIDs) == 0 && len(groupIDs) == 0 {
		return ProjectRoleDetails{}, errors.New("atlassian: AddProjectRoleActors: no account IDs and no group IDs; pass at least one")
	}
	// NOTE: the OpenAPI document allows "user" and "groupId" in one body.
	// It does not state whether Jira applies both, so callers that need
	// certainty can pass one kind per call.
	body := struct {
		User    []string `json:"user,omitempty"`
		GroupID []string `json:"groupId,omitempty"`
	}{accountIDs, groupIDs}
	r := request{method: "POST", path: projectRolePath(projectIDOrKey, roleID), body: body, write: true}
	resp, err := c.do(ctx, r)
	if err != nil {
		return ProjectRoleDetails{}, err
	}
	return decodeProjectRole(r, resp)
}

// RemoveProjectRoleActor removes one user or one group from a project role
// (DELETE /project/{projectIdOrKey}/role/{id}). Exactly one of accountID
// and groupID must be set.
func (c *Client) RemoveProjectRoleActor(ctx context.Context, projectIDOrKey string, roleID int64, accountID, groupID string) error {
	if err := checkProjectRoleArgs("RemoveProjectRoleActor", projectIDOrKey, roleID); err != nil {
		return err
	}
	query := url.Values{}
	switch {
	case accountID != "" && groupID != "":
		return fmt.Errorf("atlassian: RemoveProjectRoleActor: both accountID %q and groupID %q are set; pass exactly one", accountID, groupID)
	case accountID != "":
		query.Set("user", accountID)
	case groupID != "":
		query.Set("groupId", groupID)
	default:
		return errors.New("atlassian: RemoveProjectRoleActor: accountID and groupID are both empty; pass exactly one")
	}
	r := request{method: "DELETE", path: projectRolePath(projectIDOrKey, roleID), query: query, write: true}
	_, err := c.do(ctx, r)
	return err
}
