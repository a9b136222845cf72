package ondemand

import (
	"context"
	"fmt"

	"github.com/idgov/atlassian-cloud-connector/shared/connection"
	"github.com/idgov/atlassian-cloud-connector/shared/schedule"
)

// DisconnectResult is the result of disconnect.
type DisconnectResult struct {
	Connection ConnectionView  `json:"connection"`
	Schedule   schedule.Change `json:"schedule"`
	// RecoveryDays is how long the deleted secrets can be restored with
	// Secrets Manager's RestoreSecret; 0 when an earlier request removed
	// the connection.
	RecoveryDays int `json:"recoveryDays"`
	// AlreadyRemoved is true when an earlier request removed the connection.
	AlreadyRemoved bool `json:"alreadyRemoved"`
}

// disconnect deletes the connection's schedule, schedules its secrets for
// deletion and marks it removed, in that order, so a request that fails
// half way can be sent again. The identifier stays reserved for good.
//
// NOTE: a sync already running when the connection is removed is not
// stopped. It ends on its own, and fails once its cached access token
// expires.
func (s *Service) disconnect(ctx context.Context, r *DisconnectRequest) (*DisconnectResult, error) {
	conn, err := s.Connections.Get(ctx, r.Key())
	if err != nil {
		return nil, err
	}
	change, err := s.Schedules.Delete(ctx, conn.Key)
	if err != nil {
		return nil, err
	}
	if conn.Status == connection.StatusRemoved {
		return &DisconnectResult{Connection: viewConnection(conn, s.now()), Schedule: change, AlreadyRemoved: true}, nil
	}
	days := DefaultRecoveryDays
	if r.RecoveryDays != nil {
		days = *r.RecoveryDays
	}
	if err := s.Secrets.Delete(ctx, conn.Key, days); err != nil {
		return nil, fmt.Errorf("delete the secrets of %s (its schedule is deleted; send disconnect again): %w", conn.Key, err)
	}
	removed, err := s.Connections.SetStatus(ctx, conn.Key, connection.StatusRemoved, "disconnected by the platform")
	if err != nil {
		return nil, fmt.Errorf("mark %s removed (its schedule and secrets are deleted; send disconnect again): %w", conn.Key, err)
	}
	s.logger().InfoContext(ctx, "connection disconnected", "tenant", conn.Tenant, "connectionId", conn.ID, "recoveryDays", days)
	return &DisconnectResult{Connection: viewConnection(removed, s.now()), Schedule: change, RecoveryDays: days}, nil
}
