// Package snapshot defines the records a sync publishes — service users,
// entitlements and grants — and how they are stored in DynamoDB, read back,
// compared between two runs and exported as JSON Lines.
package snapshot

import (
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
)

// Record types, as they appear in the "type" field of an export.
const (
	TypeServiceUser = "serviceUser"
	TypeEntitlement = "entitlement"
	TypeGrant       = "grant"
)

// Entitlement kinds.
const (
	KindGroup           = "group"
	KindApplicationRole = "application-role"
	KindProjectRole     = "project-role"
)

// ViaDirect marks a grant held directly rather than through a group.
const ViaDirect = "direct"

// Shards is how many partitions a snapshot's items are spread over, so that
// writing 100,000+ items does not hit one partition's write limit.
const Shards = 16

// ServiceUser is one Jira account.
type ServiceUser struct {
	AccountID   string  `json:"accountId"`
	DisplayName string  `json:"displayName"`
	Email       *string `json:"emailAddress"` // nil when the profile hides it
	Active      bool    `json:"active"`
	AccountType string  `json:"accountType"` // atlassian, app, customer or unknown
	Locale      string  `json:"locale,omitempty"`
	TimeZone    string  `json:"timeZone,omitempty"`
}

// Entitlement is something a user can hold: a group, product access through
// an application role, or a role in one project.
type Entitlement struct {
	ID          string `json:"id"`
	Kind        string `json:"kind"`
	Name        string `json:"name"`
	GroupID     string `json:"groupId,omitempty"`
	AppRoleKey  string `json:"applicationRoleKey,omitempty"`
	ProjectID   string `json:"projectId,omitempty"`
	ProjectKey  string `json:"projectKey,omitempty"`
	ProjectName string `json:"projectName,omitempty"`
	RoleID      int64  `json:"roleId,omitempty"`
	RoleName    string `json:"roleName,omitempty"`
}

// Grant records that a user holds an entitlement, directly or via a group.
type Grant struct {
	AccountID     string `json:"accountId"`
	EntitlementID string `json:"entitlementId"`
	Via           string `json:"via"` // "direct" or "group:<groupId>"
}

// GroupEntitlementID returns the stable id of a group's entitlement.
func GroupEntitlementID(groupID string) string { return KindGroup + ":" + groupID }

// AppRoleEntitlementID returns the stable id of an application role's entitlement.
func AppRoleEntitlementID(key string) string { return KindApplicationRole + ":" + key }

// ProjectRoleEntitlementID returns the stable id of a role in one project.
func ProjectRoleEntitlementID(projectID string, roleID int64) string {
	return KindProjectRole + ":" + projectID + ":" + strconv.FormatInt(roleID, 10)
}

// ViaGroup returns the via value of a grant held through a group.
func ViaGroup(groupID string) string { return "group:" + groupID }

// Sort keys: the record type's prefix and its id. Account ids, group ids and
// role keys contain no '#', so '#' separates the parts of a grant key.
const (
	prefixUser        = "U#"
	prefixEntitlement = "E#"
	prefixGrant       = "G#"
)

// SortKey returns the item's sort key, which is also its id within a snapshot.
func (u ServiceUser) SortKey() string { return prefixUser + u.AccountID }

// SortKey returns the item's sort key.
func (e Entitlement) SortKey() string { return prefixEntitlement + e.ID }

// SortKey returns the item's sort key.
func (g Grant) SortKey() string {
	return prefixGrant + g.AccountID + "#" + g.EntitlementID + "#" + g.Via
}

// ShardOf returns the shard an item with this sort key is stored in.
func ShardOf(sortKey string) int {
	h := fnv.New32a()
	h.Write([]byte(sortKey))
	return int(h.Sum32() % Shards)
}

// PartitionKey returns the partition key of a run's snapshot shard.
func PartitionKey(runID string, shard int) string {
	return fmt.Sprintf("SNAP#%s#%02d", runID, shard)
}

// recordPrefix returns the sort-key prefix that selects one record type.
func recordPrefix(recordType string) (string, error) {
	switch recordType {
	case TypeServiceUser:
		return prefixUser, nil
	case TypeEntitlement:
		return prefixEntitlement, nil
	case TypeGrant:
		return prefixGrant, nil
	}
	return "", fmt.Errorf("unknown record type %q: use %s, %s or %s", recordType, TypeServiceUser, TypeEntitlement, TypeGrant)
}

func typeOfSortKey(sk string) string {
	switch {
	case strings.HasPrefix(sk, prefixUser):
		return TypeServiceUser
	case strings.HasPrefix(sk, prefixEntitlement):
		return TypeEntitlement
	case strings.HasPrefix(sk, prefixGrant):
		return TypeGrant
	}
	return ""
}
