// Package oauth connects a tenant's Jira Cloud site through an OAuth 2.0
// authorization code grant (Atlassian "3LO") and keeps its tokens usable.
//
// Connecting: Flow.Configure stores a pending connection and its client
// secret. Flow.Begin stores a single-use state (32 random bytes, valid for
// 10 minutes, bound to the tenant and connection identifier) and returns
// the authorize URL. Flow.HandleCallback, the Lambda handler of
// GET /application/oauthProcessCode/{uniqueIdentifier}, takes the tenant
// from the host name, consumes the state, exchanges the code, picks the
// configured site from accessible-resources, checks the granted scopes,
// stores the tokens, marks the connection connected and starts the first
// sync. ConnectLocally runs the same steps with a callback server on a
// loopback port.
//
// Using: TokenProvider.Token returns a valid access token. It caches the
// pair in memory, and it refreshes only while holding the connection's
// DynamoDB lease, because Atlassian rotates the refresh token on every
// refresh, and reusing a rotated token after its 10-minute grace period
// revokes the grant. A refresh that fails
// with invalid_grant marks the connection reconsent_required and returns
// *ReconsentRequiredError.
//
// Codes, tokens and the client secret never appear in pages, logs or errors.
package oauth
