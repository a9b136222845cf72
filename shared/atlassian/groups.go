package atlassian

import (
	"context"
	"errors"
	"fmt"
	"net/url"
)

// BulkGroups fetches one page of groups (GET /group/bulk).
func (c *Client) BulkGroups(ctx context.Context, startAt, maxResults int) (Page[Group], error) {
	query, err := pageQuery("BulkGroups", startAt, maxResults, MaxGroupsPage)
	if err != nil {
		return Page[Group]{}, err
	}
	r := request{method: "GET", path: apiPath + "/group/bulk", query: query}
	resp, err := c.do(ctx, r)
	if err != nil {
		return Page[Group]{}, err
	}
	return decodePage(r, resp, startAt, checkGroup)
}

// GroupMembers fetches one page of a group's members, inactive users
// included (GET /group/member with includeInactiveUsers=true). Member pages
// carry no locale.
func (c *Client) GroupMembers(ctx context.Context, groupID string, startAt, maxResults int) (Page[User], error) {
	if groupID == "" {
		return Page[User]{}, errors.New("atlassian: GroupMembers: groupID is empty; pass a groupId from BulkGroups")
	}
	query, err := pageQuery("GroupMembers", startAt, maxResults, MaxMembersPage)
	if err != nil {
		return Page[User]{}, err
	}
	query.Set("groupId", groupID)
	query.Set("includeInactiveUsers", "true")
	r := request{method: "GET", path: apiPath + "/group/member", query: query}
	resp, err := c.do(ctx, r)
	if err != nil {
		return Page[User]{}, err
	}
	return decodePage(r, resp, startAt, checkUser)
}

// CreateGroup creates a group (POST /group).
func (c *Client) CreateGroup(ctx context.Context, name string) (Group, error) {
	if name == "" {
		return Group{}, errors.New("atlassian: CreateGroup: name is empty")
	}
	body := struct {
		Name string `json:"name"`
	}{name}
	r := request{method: "POST", path: apiPath + "/group", body: body, write: true}
	resp, err := c.do(ctx, r)
	if err != nil {
		return Group{}, err
	}
	var group Group
	if err := decodeJSON(r, resp, '{', &group); err != nil {
		return Group{}, err
	}
	if problem := checkGroup(&group); problem != "" {
		return Group{}, malformed(r, resp.status, problem, nil)
	}
	return group, nil
}

// AddUserToGroup adds a user to a group (POST /group/user).
func (c *Client) AddUserToGroup(ctx context.Context, groupID, accountID string) error {
	if groupID == "" || accountID == "" {
		return fmt.Errorf("atlassian: AddUserToGroup: groupID %q and accountID %q must both be set", groupID, accountID)
	}
	body := struct {
		AccountID string `json:"accountId"`
	}{accountID}
	r := request{method: "POST", path: apiPath + "/group/user", query: url.Values{"groupId": {groupID}}, body: body, write: true}
	_, err := c.do(ctx, r)
	return err
}

// RemoveUserFromGroup removes a user from a group (DELETE /group/user).
func (c *Client) RemoveUserFromGroup(ctx context.Context, groupID, accountID string) error {
	if groupID == "" || accountID == "" {
		return fmt.Errorf("atlassian: RemoveUserFromGroup: groupID %q and accountID %q must both be set", groupID, accountID)
	}
	query := url.Values{"groupId": {groupID}, "accountId": {accountID}}
	r := request{method: "DELETE", path: apiPath + "/group/user", query: query, write: true}
	_, err := c.do(ctx, r)
	return err
}

// applicationRoleJSON is the wire form of an application role.
type applicationRoleJSON struct {
	Key                  string   `json:"key"`
	Name                 string   `json:"name"`
	Groups               []string `json:"groups"`
	GroupDetails         []Group  `json:"groupDetails"`
	DefaultGroups        []string `json:"defaultGroups"`
	DefaultGroupsDetails []Group  `json:"defaultGroupsDetails"`
	UserCount            int      `json:"userCount"`
	NumberOfSeats        int      `json:"numberOfSeats"`
	RemainingSeats       int      `json:"remainingSeats"`
	HasUnlimitedSeats    bool     `json:"hasUnlimitedSeats"`
	Platform             bool     `json:"platform"`
}

// ApplicationRoles fetches every product and the groups that grant access
// to it (GET /applicationrole).
func (c *Client) ApplicationRoles(ctx context.Context) ([]ApplicationRole, error) {
	r := request{method: "GET", path: apiPath + "/applicationrole"}
	resp, err := c.do(ctx, r)
	if err != nil {
		return nil, err
	}
	var wire []applicationRoleJSON
	if err := decodeJSON(r, resp, '[', &wire); err != nil {
		return nil, err
	}
	if err := checkValues(r, resp, "", wire, checkApplicationRole); err != nil {
		return nil, err
	}
	roles := make([]ApplicationRole, len(wire))
	for i, w := range wire {
		roles[i] = ApplicationRole{
			Key:               w.Key,
			Name:              w.Name,
			GroupIDs:          groupIDs(w.GroupDetails),
			DefaultGroupIDs:   groupIDs(w.DefaultGroupsDetails),
			UserCount:         w.UserCount,
			NumberOfSeats:     w.NumberOfSeats,
			RemainingSeats:    w.RemainingSeats,
			HasUnlimitedSeats: w.HasUnlimitedSeats,
			Platform:          w.Platform,
		}
	}
	return roles, nil
}

func checkApplicationRole(role *applicationRoleJSON) string {
	if role.Key == "" {
		return "key is missing or empty"
	}
	// Group names without details would leave the role's groups unknown,
	// because groups are keyed by groupId.
	if len(role.GroupDetails) < len(role.Groups) {
		return fmt.Sprintf("role %q lists %d groups but groupDetails has %d", role.Key, len(role.Groups), len(role.GroupDetails))
	}
	if len(role.DefaultGroupsDetails) < len(role.DefaultGroups) {
		return fmt.Sprintf("role %q lists %d default groups but defaultGroupsDetails has %d", role.Key, len(role.DefaultGroups), len(role.DefaultGroupsDetails))
	}
	for i := range role.GroupDetails {
		if problem := checkGroup(&role.GroupDetails[i]); problem != "" {
			return fmt.Sprintf("role %q groupDetails[%d]: %s", role.Key, i, problem)
		}
	}
	for i := range role.DefaultGroupsDetails {
		if problem := checkGroup(&role.DefaultGroupsDetails[i]); problem != "" {
			return fmt.Sprintf("role %q defaultGroupsDetails[%d]: %s", role.Key, i, problem)
		}
	}
	return ""
}

func groupIDs(groups []Group) []string {
	ids := make([]string, len(groups))
	for i, g := range groups {
		ids[i] = g.GroupID
	}
	return ids
}
