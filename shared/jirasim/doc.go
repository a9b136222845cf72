// Package jirasim simulates Jira Cloud and Atlassian's OAuth 2.0 (3LO)
// authorization server for tests and local runs.
//
// One HTTP server serves both the auth paths (GET /authorize, POST
// /oauth/token) and the API paths (GET /oauth/token/accessible-resources and
// /ex/jira/{cloudId}/rest/api/3/...), so one base URL works as both the auth
// URL and the API URL. Response bodies follow the schemas of Atlassian's
// OpenAPI document for the Jira Cloud platform REST API
// (testdata/jira-platform-openapi.json), and a test in this package checks
// every endpoint's responses against it.
//
// The server keeps Jira's quirks: users/search returns a bare array without
// a total, group/member leaves inactive users out unless
// includeInactiveUsers=true, page sizes above an endpoint's maximum are
// lowered silently, self links point at the site URL, refresh tokens rotate
// with a grace period, and rate limits may send Retry-After: 0. Faults
// (InjectFault) add 429 storms, 5xx errors, timeouts, broken bodies, short
// pages, delays and dropped connections.
//
// Errors come in two shapes, as in Jira Cloud. The api.atlassian.com gateway
// rejects an invalid bearer token with {"code":401,"message":"Unauthorized"};
// Jira itself responds with {"errorMessages":[...],"errors":{...}}.
//
// Generate builds a deterministic dataset of a given Size. Change it between
// syncs with Server.Mutate and the Dataset methods (AddUser, RemoveUser,
// DeactivateUser, RenameGroup, AddMember, RemoveMember, AddRoleActor,
// RemoveRoleActor).
package jirasim
