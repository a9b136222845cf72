package atlassian

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
)

// apiPath is the prefix of the platform REST API v3 under a site URL.
const apiPath = "/rest/api/3"

// pageQuery returns the startAt and maxResults parameters after checking
// them against the endpoint's maximum page size.
func pageQuery(operation string, startAt, maxResults, limit int) (url.Values, error) {
	if startAt < 0 {
		return nil, fmt.Errorf("atlassian: %s: startAt %d is negative; pass 0 or the sum of the items already read", operation, startAt)
	}
	if maxResults < 1 || maxResults > limit {
		return nil, fmt.Errorf("atlassian: %s: maxResults %d is out of range; pass 1 to %d", operation, maxResults, limit)
	}
	return url.Values{
		"startAt":    {strconv.Itoa(startAt)},
		"maxResults": {strconv.Itoa(maxResults)},
	}, nil
}

// SearchUsers fetches one page of all users, including inactive and deleted
// users, app accounts and customers (GET /users/search). Jira returns a bare
// array without total or isLast, and may return fewer than maxResults users
// on a page that is not the last, so the end is the first empty page.
func (c *Client) SearchUsers(ctx context.Context, startAt, maxResults int) ([]User, error) {
	query, err := pageQuery("SearchUsers", startAt, maxResults, MaxUsersPage)
	if err != nil {
		return nil, err
	}
	r := request{method: "GET", path: apiPath + "/users/search", query: query, conflictIsTimeout: true}
	resp, err := c.do(ctx, r)
	if err != nil {
		return nil, err
	}
	return decodeUsers(r, resp)
}

// decodeUsers decodes a bare array of users and rejects it whole when any
// element lacks an accountId.
func decodeUsers(r request, resp response) ([]User, error) {
	var users []User
	if err := decodeJSON(r, resp, '[', &users); err != nil {
		return nil, err
	}
	if err := checkValues(r, resp, "", users, checkUser); err != nil {
		return nil, err
	}
	return users, nil
}

// GetUser fetches one user by account ID (GET /user).
func (c *Client) GetUser(ctx context.Context, accountID string) (User, error) {
	if accountID == "" {
		return User{}, errors.New("atlassian: GetUser: accountID is empty")
	}
	r := request{method: "GET", path: apiPath + "/user", query: url.Values{"accountId": {accountID}}}
	resp, err := c.do(ctx, r)
	if err != nil {
		return User{}, err
	}
	return decodeUser(r, resp)
}

func decodeUser(r request, resp response) (User, error) {
	var user User
	if err := decodeJSON(r, resp, '{', &user); err != nil {
		return User{}, err
	}
	if problem := checkUser(&user); problem != "" {
		return User{}, malformed(r, resp.status, problem, nil)
	}
	return user, nil
}

// CreateUser creates a user with the given email address and product access
// (POST /user). products is mandatory in Jira since May 2024: nil is
// rejected before sending, and an empty slice creates a user without
// product access. If the user already exists with Jira access, Jira returns
// that user.
func (c *Client) CreateUser(ctx context.Context, email string, products []string) (User, error) {
	if email == "" {
		return User{}, errors.New("atlassian: CreateUser: email is empty")
	}
	if products == nil {
		return User{}, errors.New("atlassian: CreateUser: products is nil; Jira requires the field, so pass []string{} for no product access or keys such as \"jira-software\"")
	}
	body := struct {
		EmailAddress string   `json:"emailAddress"`
		Products     []string `json:"products"`
	}{email, products}
	r := request{method: "POST", path: apiPath + "/user", body: body, write: true}
	resp, err := c.do(ctx, r)
	if err != nil {
		return User{}, err
	}
	return decodeUser(r, resp)
}

// DeleteUser removes a user from Jira (DELETE /user). The Atlassian account
// itself remains.
func (c *Client) DeleteUser(ctx context.Context, accountID string) error {
	if accountID == "" {
		return errors.New("atlassian: DeleteUser: accountID is empty")
	}
	r := request{method: "DELETE", path: apiPath + "/user", query: url.Values{"accountId": {accountID}}, write: true}
	_, err := c.do(ctx, r)
	return err
}
