// Package connection defines a tenant's connection to one Jira Cloud site:
// its identity, settings and status, and how it is stored in DynamoDB.
package connection

import (
	"fmt"
	"time"
)

// DefaultID is the identifier of a tenant's first connection.
const DefaultID = "atlassian-cloud"

// Key identifies a connection: the platform tenant and the connection's
// unique identifier within that tenant.
type Key struct {
	Tenant string `json:"tenant" dynamodbav:"tenant"`
	ID     string `json:"connectionId" dynamodbav:"connectionId"`
}

// String returns "tenant/id", the form used in logs and messages.
func (k Key) String() string { return k.Tenant + "/" + k.ID }

// PK returns the DynamoDB partition key of the connection's items.
func (k Key) PK() string { return fmt.Sprintf("T#%s#C#%s", k.Tenant, k.ID) }

// Status is a connection's lifecycle state.
type Status string

// Connection statuses.
const (
	StatusPending           Status = "pending"            // configured, consent not yet given
	StatusConnected         Status = "connected"          // tokens stored and valid
	StatusReconsentRequired Status = "reconsent_required" // refresh failed with invalid_grant or the grant expired
	StatusRemoved           Status = "removed"            // disconnected; the identifier stays reserved
)

// UserSettings selects which accounts a sync keeps. Each defaults to true.
type UserSettings struct {
	IncludeInactive  bool `json:"includeInactiveUsers" dynamodbav:"includeInactiveUsers"`
	IncludeApp       bool `json:"includeAppAccounts" dynamodbav:"includeAppAccounts"`
	IncludeCustomers bool `json:"includeCustomerAccounts" dynamodbav:"includeCustomerAccounts"`
}

// DefaultUserSettings includes every kind of account.
func DefaultUserSettings() UserSettings {
	return UserSettings{IncludeInactive: true, IncludeApp: true, IncludeCustomers: true}
}

// Schedule is the sync schedule from the app settings: manual, a rate
// ("rate(6 hours)") or a cron expression ("cron(0 3 * * ? *)") in a time zone.
type Schedule struct {
	Expression string `json:"expression" dynamodbav:"expression"` // "manual", "rate(...)" or "cron(...)"
	TimeZone   string `json:"timeZone,omitempty" dynamodbav:"timeZone,omitempty"`
}

// Connection is the stored record of one connected site. The client secret
// and tokens live in Secrets Manager, never here.
type Connection struct {
	Key
	SiteURL      string       `json:"siteUrl" dynamodbav:"siteUrl"`
	CloudID      string       `json:"cloudId,omitempty" dynamodbav:"cloudId,omitempty"`
	ClientID     string       `json:"clientId" dynamodbav:"clientId"`
	RedirectURL  string       `json:"redirectUrl" dynamodbav:"redirectUrl"`
	ReturnURL    string       `json:"returnUrl,omitempty" dynamodbav:"returnUrl,omitempty"`
	Scopes       []string     `json:"scopes" dynamodbav:"scopes"`
	Schedule     Schedule     `json:"schedule" dynamodbav:"schedule"`
	UserSettings UserSettings `json:"userSettings" dynamodbav:"userSettings"`
	Status       Status       `json:"status" dynamodbav:"status"`
	StatusReason string       `json:"statusReason,omitempty" dynamodbav:"statusReason,omitempty"`
	// ConsentedAt is when the customer last consented; refresh tokens
	// expire 365 days after it.
	ConsentedAt time.Time `json:"consentedAt,omitzero" dynamodbav:"consentedAt,omitempty"`
	CreatedAt   time.Time `json:"createdAt" dynamodbav:"createdAt"`
	UpdatedAt   time.Time `json:"updatedAt" dynamodbav:"updatedAt"`
	// CurrentRunID names the run whose snapshot is current; only the sync
	// engine writes it, with a conditional update.
	CurrentRunID string `json:"currentRunId,omitempty" dynamodbav:"currentRunId,omitempty"`
	// KeptRunIDs lists the promoted runs whose snapshots are kept, newest first.
	KeptRunIDs []string `json:"keptRunIds,omitempty" dynamodbav:"keptRunIds,omitempty"`
}
