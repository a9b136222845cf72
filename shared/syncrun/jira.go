package syncrun

import (
	"context"
	"log/slog"

	"golang.org/x/oauth2"

	"github.com/idgov/atlassian-cloud-connector/shared/atlassian"
	"github.com/idgov/atlassian-cloud-connector/shared/connection"
)

// AtlassianFactory builds Jira clients for connections. Each concurrent
// worker gets an equal share of the connection's request rate, so all lanes
// together stay within RatePerSecond.
type AtlassianFactory struct {
	APIURL        string
	RatePerSecond float64 // for the whole connection; default 20
	Lanes         int     // how many workers share the rate; default 1
	Tokens        func(key connection.Key) oauth2.TokenSource
	Logger        *slog.Logger
}

// Jira returns a client for the connection's site.
func (f *AtlassianFactory) Jira(ctx context.Context, key connection.Key, cloudID string, stats *atlassian.Stats) (Jira, error) {
	rate := f.RatePerSecond
	if rate <= 0 {
		rate = 20
	}
	if f.Lanes > 1 {
		rate /= float64(f.Lanes)
	}
	return atlassian.New(atlassian.Config{
		APIURL:        f.APIURL,
		CloudID:       cloudID,
		HTTPClient:    oauth2.NewClient(context.WithoutCancel(ctx), f.Tokens(key)),
		RatePerSecond: rate,
		Logger:        f.Logger,
		Stats:         stats,
	})
}
