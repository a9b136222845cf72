// Package provision carries out the access changes the platform requests:
// group memberships, project role actors, users and groups in Jira Cloud.
//
// Each request has a caller-supplied request ID. The request ID is claimed
// with a conditional write before anything is sent to Jira, so a repeated
// request returns the first result without acting again. Every attempt is
// recorded in the connection's action log.
//
// Changes are idempotent: adding what exists or removing what is absent
// succeeds with Changed false. The outcome is decided from status codes
// and from reading the state back from Jira, never from the text of an
// error. A write whose response was lost (atlassian.AmbiguousWriteError) is
// read back before it is retried, and retried at most once.
//
// A successful change is applied to the connection's current snapshot at
// once, so a read right after it sees the change; the next full sync
// confirms it.
package provision
