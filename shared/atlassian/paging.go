package atlassian

import "context"

// collectPages reads every page from startAt 0. It advances startAt by the
// number of items returned, because Jira may return short pages that are
// not the last, and stops on isLast or on an empty page.
func collectPages[T any](ctx context.Context, pageSize int, fetch func(ctx context.Context, startAt, maxResults int) (Page[T], error)) ([]T, error) {
	var all []T
	startAt := 0
	for {
		page, err := fetch(ctx, startAt, pageSize)
		if err != nil {
			return nil, err
		}
		all = append(all, page.Values...)
		if page.IsLast || len(page.Values) == 0 {
			return all, nil
		}
		startAt += len(page.Values)
	}
}

// AllUsers reads every user with SearchUsers at the maximum page size. It
// ends with one empty page, because users pages have no isLast.
func (c *Client) AllUsers(ctx context.Context) ([]User, error) {
	return collectPages(ctx, MaxUsersPage, func(ctx context.Context, startAt, maxResults int) (Page[User], error) {
		users, err := c.SearchUsers(ctx, startAt, maxResults)
		return Page[User]{StartAt: startAt, MaxResults: maxResults, Values: users}, err
	})
}

// AllGroups reads every group with BulkGroups at the maximum page size.
func (c *Client) AllGroups(ctx context.Context) ([]Group, error) {
	return collectPages(ctx, MaxGroupsPage, c.BulkGroups)
}

// AllGroupMembers reads every member of a group, inactive users included.
func (c *Client) AllGroupMembers(ctx context.Context, groupID string) ([]User, error) {
	return collectPages(ctx, MaxMembersPage, func(ctx context.Context, startAt, maxResults int) (Page[User], error) {
		return c.GroupMembers(ctx, groupID, startAt, maxResults)
	})
}

// AllProjects reads every project with SearchProjects at the maximum page size.
func (c *Client) AllProjects(ctx context.Context) ([]Project, error) {
	return collectPages(ctx, MaxProjectsPage, c.SearchProjects)
}
