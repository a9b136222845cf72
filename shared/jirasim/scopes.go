package jirasim

import "slices"

// operationScopes are the OAuth 2.0 scopes of one API operation, copied from
// the operation's x-atlassian-oauth2-scopes in Atlassian's OpenAPI document
// (testdata/jira-platform-openapi.json). A token may call the operation if it
// has every classic scope ("Current") or every granular scope ("Beta").
// TestOperationScopesMatchOpenAPI checks this table against the document.
type operationScopes struct {
	method   string
	path     string // relative to /rest/api/3, as in the OpenAPI document
	classic  []string
	granular []string
}

var apiOperations = []operationScopes{
	{"GET", "/users/search", []string{"read:jira-user"},
		[]string{"read:user:jira", "read:application-role:jira", "read:avatar:jira", "read:group:jira"}},
	{"GET", "/user", []string{"read:jira-user"},
		[]string{"read:application-role:jira", "read:group:jira", "read:user:jira", "read:avatar:jira"}},
	{"POST", "/user", []string{"manage:jira-configuration"}, []string{"write:user:jira"}},
	{"DELETE", "/user", []string{"manage:jira-configuration"}, []string{"write:user:jira"}},
	{"GET", "/group/bulk", []string{"read:jira-user"}, []string{"read:group:jira"}},
	{"GET", "/group/member", []string{"manage:jira-configuration"},
		[]string{"read:group:jira", "read:user:jira", "read:avatar:jira"}},
	{"POST", "/group/user", []string{"manage:jira-configuration"},
		[]string{"write:group:jira", "read:avatar:jira", "read:group:jira", "read:user:jira"}},
	{"DELETE", "/group/user", []string{"manage:jira-configuration"}, []string{"write:group:jira"}},
	{"POST", "/group", []string{"manage:jira-configuration"},
		[]string{"read:group:jira", "read:user:jira", "write:group:jira", "read:avatar:jira"}},
	{"GET", "/applicationrole", []string{"manage:jira-configuration"}, []string{"read:application-role:jira"}},
	{"GET", "/project/search", []string{"read:jira-work"},
		[]string{"read:issue-type:jira", "read:project:jira", "read:project.property:jira", "read:user:jira",
			"read:application-role:jira", "read:avatar:jira", "read:group:jira", "read:issue-type-hierarchy:jira",
			"read:project-category:jira", "read:project-version:jira", "read:project.component:jira"}},
	{"GET", "/role", []string{"manage:jira-configuration"},
		[]string{"read:user:jira", "read:group:jira", "read:project-role:jira", "read:project:jira",
			"read:avatar:jira", "read:project-category:jira"}},
	{"GET", "/project/{projectIdOrKey}/role", []string{"read:jira-work"}, []string{"read:project-role:jira"}},
	{"GET", "/project/{projectIdOrKey}/role/{id}", []string{"read:jira-work"},
		[]string{"read:user:jira", "read:group:jira", "read:project-role:jira", "read:project:jira",
			"read:avatar:jira", "read:project-category:jira"}},
	{"POST", "/project/{projectIdOrKey}/role/{id}", []string{"manage:jira-configuration"},
		[]string{"read:user:jira", "read:group:jira", "read:project-role:jira", "read:project:jira",
			"write:project-role:jira", "read:avatar:jira", "read:project-category:jira"}},
	{"DELETE", "/project/{projectIdOrKey}/role/{id}", []string{"manage:jira-project"},
		[]string{"delete:project-role:jira"}},
	{"GET", "/projectCategory", []string{"read:jira-work"}, []string{"read:project-category:jira"}},
}

// allowedBy reports whether granted contains every classic or every granular
// scope of the operation.
func (o operationScopes) allowedBy(granted []string) bool {
	holdsAll := func(need []string) bool {
		for _, s := range need {
			if !slices.Contains(granted, s) {
				return false
			}
		}
		return true
	}
	return holdsAll(o.classic) || holdsAll(o.granular)
}

// ClassicScopes are the classic scopes that allow every operation the
// simulator serves, plus offline_access for a refresh token.
var ClassicScopes = []string{
	"read:jira-user", "read:jira-work", "manage:jira-configuration", "manage:jira-project", "offline_access",
}
