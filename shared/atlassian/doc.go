// Package atlassian is a typed client for the Jira Cloud platform REST API
// (version 3) as reached with an OAuth 2.0 (3LO) access token:
// {APIURL}/ex/jira/{cloudId}/rest/api/3/...
//
// One read call fetches one page, so a caller can checkpoint between pages.
// Every call goes through a client-side pacer, honours Retry-After on 429 and
// 503, and retries reads with capped exponential backoff. Writes are retried
// only where Jira did not act on them. Otherwise they return an
// AmbiguousWriteError so that the caller reads back the state. Each failure is
// one of the pointer error types in errors.go, chosen by status code and
// transport failure, never by error text.
//
// Decoding is strict: a response with a wrong JSON type, or an item without its
// key (accountId, groupId, project id), fails as a whole with a
// MalformedResponseError instead of returning part of a page.
package atlassian
