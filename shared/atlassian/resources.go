package atlassian

import (
	"context"
	"errors"
	"net/http"
)

// AccessibleResources lists the sites the token in httpClient can reach
// (GET {apiURL}/oauth/token/accessible-resources), in no particular order.
// Reads are paced and retried as by a Client with the default Config.
func AccessibleResources(ctx context.Context, httpClient *http.Client, apiURL string) ([]Resource, error) {
	if httpClient == nil {
		return nil, errors.New("atlassian: AccessibleResources: httpClient is nil; pass the client that adds the bearer token")
	}
	base, err := validateAPIURL(apiURL)
	if err != nil {
		return nil, err
	}

	c := newClient(base, Config{HTTPClient: httpClient})
	r := request{method: "GET", path: "/oauth/token/accessible-resources"}
	resp, err := c.do(ctx, r)
	if err != nil {
		return nil, err
	}

	var resources []Resource
	if err := decodeJSON(r, resp, '[', &resources); err != nil {
		return nil, err
	}
	err = checkValues(r, resp, "", resources, func(resource *Resource) string {
		switch {
		case resource.ID == "":
			return "id is missing or empty"
		case resource.URL == "":
			return "url is missing or empty (site " + resource.ID + ")"
		}
		return ""
	})
	if err != nil {
		return nil, err
	}
	return resources, nil
}
