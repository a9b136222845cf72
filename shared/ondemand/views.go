package ondemand

import (
	"context"
	"time"

	"github.com/idgov/atlassian-cloud-connector/shared/connection"
	"github.com/idgov/atlassian-cloud-connector/shared/oauth"
	"github.com/idgov/atlassian-cloud-connector/shared/snapshot"
	"github.com/idgov/atlassian-cloud-connector/shared/syncrun"
)

// ConnectionView is a connection as results show it. The client secret and
// tokens are never part of it.
type ConnectionView struct {
	Tenant        string                  `json:"tenant"`
	ConnectionID  string                  `json:"connectionId"`
	SiteURL       string                  `json:"siteUrl"`
	CloudID       string                  `json:"cloudId,omitempty"`
	ClientID      string                  `json:"clientId"`
	RedirectURL   string                  `json:"redirectUrl"`
	ReturnURL     string                  `json:"returnUrl,omitempty"`
	Status        connection.Status       `json:"status"`
	StatusReason  string                  `json:"statusReason,omitempty"`
	Schedule      connection.Schedule     `json:"schedule"`
	UserSettings  connection.UserSettings `json:"userSettings"`
	CreatedAt     time.Time               `json:"createdAt"`
	UpdatedAt     time.Time               `json:"updatedAt"`
	ConsentedAt   time.Time               `json:"consentedAt,omitzero"`
	TokenDaysLeft int                     `json:"tokenDaysLeft"`
	CurrentRunID  string                  `json:"currentRunId,omitempty"`
}

func viewConnection(c connection.Connection, now time.Time) ConnectionView {
	return ConnectionView{
		Tenant: c.Tenant, ConnectionID: c.ID, SiteURL: c.SiteURL, CloudID: c.CloudID, ClientID: c.ClientID,
		RedirectURL: c.RedirectURL, ReturnURL: c.ReturnURL, Status: c.Status, StatusReason: c.StatusReason,
		Schedule: c.Schedule, UserSettings: c.UserSettings, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt,
		ConsentedAt: c.ConsentedAt, TokenDaysLeft: oauth.DaysLeft(c, now), CurrentRunID: c.CurrentRunID,
	}
}

// RunView is a sync run as results show it.
type RunView struct {
	RunID           string                `json:"runId"`
	Trigger         string                `json:"trigger"`
	Status          string                `json:"status"`
	Phase           string                `json:"phase"`
	StartedAt       time.Time             `json:"startedAt"`
	EndedAt         time.Time             `json:"endedAt,omitzero"`
	DurationSeconds float64               `json:"durationSeconds"`
	Progress        Progress              `json:"progress"`
	Counts          snapshot.Counts       `json:"counts"`
	Changes         snapshot.ChangeCounts `json:"changes"`
	PreviousRunID   string                `json:"previousRunId,omitempty"`
	Reason          string                `json:"reason,omitempty"`
}

// Progress is how far a run got: the work done so far, summed over all
// worker invocations.
type Progress struct {
	TasksDone    int64 `json:"tasksDone"`
	FailedTasks  int64 `json:"failedTasks"`
	APICalls     int64 `json:"apiCalls"`
	RateLimited  int64 `json:"rateLimited"`
	ItemsWritten int64 `json:"itemsWritten"`
	Invocations  int64 `json:"invocations"`
	Lanes        int   `json:"lanes"`
}

func viewRun(r *syncrun.Run, now time.Time) *RunView {
	if r == nil {
		return nil
	}
	end := r.EndedAt
	if end.IsZero() {
		end = now
	}
	return &RunView{
		RunID: r.RunID, Trigger: r.Trigger, Status: r.Status, Phase: r.Phase, StartedAt: r.StartedAt,
		EndedAt: r.EndedAt, DurationSeconds: end.Sub(r.StartedAt).Round(time.Millisecond).Seconds(),
		Progress: Progress{
			TasksDone: r.TasksDone, FailedTasks: r.FailedTasks, APICalls: r.APICalls, RateLimited: r.RateLimited,
			ItemsWritten: r.ItemsWritten, Invocations: r.Invocations, Lanes: r.Lanes,
		},
		Counts: r.Counts, Changes: r.Changes, PreviousRunID: r.PreviousRunID, Reason: r.Reason,
	}
}

// usableConnection reads the connection a request names and checks its
// status: removed connections are rejected, and so are connections that are
// not connected when connected is true.
func (s *Service) usableConnection(ctx context.Context, h *Header, connected bool) (connection.Connection, error) {
	conn, err := s.Connections.Get(ctx, h.Key())
	if err != nil {
		return conn, err
	}
	switch {
	case conn.Status == connection.StatusRemoved:
		return conn, &connection.RemovedError{Key: conn.Key}
	case !connected:
		return conn, nil
	case conn.Status == connection.StatusReconsentRequired:
		return conn, &oauth.ReconsentRequiredError{Key: conn.Key, Reason: reasonOr(conn.StatusReason, "the grant can no longer be refreshed")}
	case conn.Status != connection.StatusConnected:
		return conn, newError(CodeConnectionNotConnected, "connectionId",
			"connection %s is %s: a site admin must complete the consent with the authorize URL from configureConnection first", conn.Key, conn.Status)
	}
	return conn, nil
}

func reasonOr(reason, fallback string) string {
	if reason != "" {
		return reason
	}
	return fallback
}
