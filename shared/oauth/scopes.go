package oauth

import (
	"slices"
	"strings"
)

// ScopeOfflineAccess makes Atlassian issue a refresh token with the grant.
const ScopeOfflineAccess = "offline_access"

// RequiredScopes are the scopes every connection requests: the granular
// Jira scopes of the operations the connector calls, and offline_access.
var RequiredScopes = []string{
	"read:application-role:jira",
	"read:avatar:jira",
	"read:group:jira",
	"write:group:jira",
	"read:issue-type:jira",
	"read:issue-type-hierarchy:jira",
	"read:user:jira",
	"write:user:jira",
	"read:user.columns:jira",
	"read:permission:jira",
	"read:project:jira",
	"read:project-category:jira",
	"write:project-category:jira",
	"read:project.component:jira",
	"read:project.property:jira",
	"read:project-role:jira",
	"write:project-role:jira",
	"delete:project-role:jira",
	"read:project-version:jira",
	"read:user.property:jira",
	"read:user-configuration:jira",
	"read:organization.user:jira-service-management",
	ScopeOfflineAccess,
}

// MissingScopes returns the required scopes that the space-separated granted
// list lacks, in the order of required. offline_access counts as granted
// when a refresh token was issued, because the refresh token is what the
// scope is for, whether or not the token response lists it.
func MissingScopes(required []string, granted string, hasRefreshToken bool) []string {
	have := strings.Fields(granted)
	var missing []string
	for _, scope := range required {
		if scope == ScopeOfflineAccess && hasRefreshToken {
			continue
		}
		if !slices.Contains(have, scope) {
			missing = append(missing, scope)
		}
	}
	return missing
}
