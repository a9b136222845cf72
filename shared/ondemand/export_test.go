package ondemand

// SignPageTokenForTest signs a first-page token with any key.
func SignPageTokenForTest(key []byte, operation, tenant, connectionID, runID string) string {
	return signPageToken(key, pageClaims{Operation: operation, Tenant: tenant, ConnectionID: connectionID, RunID: runID})
}
