package atlassian

import "context"

// projectJSON is the wire form of a project in a search page.
type projectJSON struct {
	ID              string `json:"id"`
	Key             string `json:"key"`
	Name            string `json:"name"`
	ProjectCategory *struct {
		ID string `json:"id"`
	} `json:"projectCategory"`
}

// SearchProjects fetches one page of the projects the token's user can see
// (GET /project/search), ordered by key, Jira's default.
func (c *Client) SearchProjects(ctx context.Context, startAt, maxResults int) (Page[Project], error) {
	query, err := pageQuery("SearchProjects", startAt, maxResults, MaxProjectsPage)
	if err != nil {
		return Page[Project]{}, err
	}
	r := request{method: "GET", path: apiPath + "/project/search", query: query}
	resp, err := c.do(ctx, r)
	if err != nil {
		return Page[Project]{}, err
	}
	wire, err := decodePage(r, resp, startAt, checkProject)
	if err != nil {
		return Page[Project]{}, err
	}
	return convertPage(wire, func(w projectJSON) Project {
		project := Project{ID: w.ID, Key: w.Key, Name: w.Name}
		if w.ProjectCategory != nil {
			project.CategoryID = w.ProjectCategory.ID
		}
		return project
	}), nil
}

func checkProject(p *projectJSON) string {
	switch {
	case p.ID == "":
		return "id is missing or empty"
	case p.Key == "":
		return "key is missing or empty (project id " + p.ID + ")"
	case p.ProjectCategory != nil && p.ProjectCategory.ID == "":
		return "projectCategory.id is missing or empty (project " + p.Key + ")"
	}
	return ""
}

// ProjectCategories fetches every project category (GET /projectCategory).
func (c *Client) ProjectCategories(ctx context.Context) ([]ProjectCategory, error) {
	r := request{method: "GET", path: apiPath + "/projectCategory"}
	resp, err := c.do(ctx, r)
	if err != nil {
		return nil, err
	}
	var categories []ProjectCategory
	if err := decodeJSON(r, resp, '[', &categories); err != nil {
		return nil, err
	}
	err = checkValues(r, resp, "", categories, func(category *ProjectCategory) string {
		if category.ID == "" {
			return "id is missing or empty"
		}
		return ""
	})
	if err != nil {
		return nil, err
	}
	return categories, nil
}
