package ondemand

import (
	"context"

	"github.com/idgov/atlassian-cloud-connector/shared/snapshot"
)

// PageResult is one page of records or changes. NextPageToken is empty
// after the last page; a page may be empty while a token is still given.
type PageResult struct {
	RunID         string `json:"runId"`
	Items         []any  `json:"items"`
	NextPageToken string `json:"nextPageToken,omitempty"`
}

// recordTypes maps each list operation to its snapshot record type.
var recordTypes = map[string]string{
	OpListServiceUsers: snapshot.TypeServiceUser,
	OpListEntitlements: snapshot.TypeEntitlement,
	OpListGrants:       snapshot.TypeGrant,
}

// page resolves the run and the cursor of a paged read: from the page
// token when there is one, otherwise from runId or the current snapshot.
func (s *Service) page(ctx context.Context, r *PageRequest) (runID string, cursor snapshot.Cursor, key []byte, err error) {
	conn, err := s.usableConnection(ctx, &r.Header, false)
	if err != nil {
		return "", cursor, nil, err
	}
	key, err = s.PageTokens.Key(ctx)
	if err != nil {
		return "", cursor, nil, err
	}
	if r.PageToken == "" {
		runID, err = s.snapshotRun(ctx, conn, r.RunID)
		return runID, cursor, key, err
	}
	claims, tokenErr := verifyPageToken(key, r.PageToken, r.Operation, &r.Header)
	if tokenErr != nil {
		return "", cursor, nil, tokenErr
	}
	if r.RunID != "" && r.RunID != claims.RunID {
		return "", cursor, nil, newError(CodeInvalidPageToken, "pageToken",
			"the page token continues run %s, not run %s: leave runId out or send the run the first page named", claims.RunID, r.RunID)
	}
	// The run may have left the kept snapshots since the first page.
	if runID, err = s.snapshotRun(ctx, conn, claims.RunID); err != nil {
		return "", cursor, nil, err
	}
	return runID, snapshot.Cursor{Shard: claims.Shard, LastSK: claims.LastSK}, key, nil
}

func (s *Service) nextToken(key []byte, r *PageRequest, runID string, next *snapshot.Cursor) string {
	if next == nil {
		return ""
	}
	return signPageToken(key, pageClaims{
		Operation: r.Operation, Tenant: r.Tenant, ConnectionID: r.ConnectionID,
		RunID: runID, Shard: next.Shard, LastSK: next.LastSK,
	})
}

// records returns a page of service users, entitlements or grants.
func (s *Service) records(ctx context.Context, r *PageRequest) (*PageResult, error) {
	runID, cursor, key, err := s.page(ctx, r)
	if err != nil {
		return nil, err
	}
	records, next, err := snapshot.ReadPage(ctx, s.Table, runID, recordTypes[r.Operation], cursor, r.Size())
	if err != nil {
		return nil, err
	}
	items := make([]any, 0, len(records))
	for _, rec := range records {
		switch {
		case rec.User != nil:
			items = append(items, rec.User)
		case rec.Entitlement != nil:
			items = append(items, rec.Entitlement)
		case rec.Grant != nil:
			items = append(items, rec.Grant)
		}
	}
	return &PageResult{RunID: runID, Items: items, NextPageToken: s.nextToken(key, r, runID, next)}, nil
}

// ChangesResult is a page of a run's change set and the set's totals.
type ChangesResult struct {
	PageResult
	PreviousRunID string                `json:"previousRunId,omitempty"`
	Totals        snapshot.ChangeCounts `json:"totals"`
}

// changes returns a page of the differences between a run's snapshot and
// the snapshot before it.
func (s *Service) changes(ctx context.Context, r *PageRequest) (*ChangesResult, error) {
	runID, cursor, key, err := s.page(ctx, r)
	if err != nil {
		return nil, err
	}
	run, err := s.getRun(ctx, r.Key(), runID)
	if err != nil {
		return nil, err
	}
	changes, next, err := snapshot.ReadChangesPage(ctx, s.Table, runID, cursor, r.Size())
	if err != nil {
		return nil, err
	}
	items := make([]any, 0, len(changes))
	for _, c := range changes {
		items = append(items, c)
	}
	return &ChangesResult{
		PageResult:    PageResult{RunID: runID, Items: items, NextPageToken: s.nextToken(key, r, runID, next)},
		PreviousRunID: run.PreviousRunID, Totals: run.Changes,
	}, nil
}
