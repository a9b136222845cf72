package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/idgov/atlassian-cloud-connector/shared/connection"
	"github.com/idgov/atlassian-cloud-connector/shared/oauth"
)

func runConnect(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("connect", flag.ContinueOnError)
	key := connectionFlags(fs)
	site := fs.String("site", "", "Jira Cloud site URL, such as https://acme.atlassian.net")
	clientID := fs.String("client-id", "", "OAuth 2.0 (3LO) app's client ID")
	listen := fs.String("listen", "127.0.0.1:8765", "loopback address of the callback server; register http://<address>/application/oauthProcessCode/<connection> as the app's callback URL")
	headless := fs.Bool("headless", false, "request the authorize URL directly and follow its redirects (for the simulator's auto-consent)")
	schedule := fs.String("schedule", connection.ScheduleManual, `sync schedule: "manual", "rate(6 hours)" or "cron(0 3 * * ? *)"`)
	timeZone := fs.String("time-zone", "UTC", "IANA time zone of a cron schedule")
	if err := fs.Parse(args); err != nil {
		return err
	}
	secret := os.Getenv("ATLASSIAN_CLIENT_SECRET")
	if secret == "" {
		return fmt.Errorf("ATLASSIAN_CLIENT_SECRET is not set: put the app's client secret there (not on the command line, where shell history keeps it)")
	}
	b, err := loadBundle(ctx)
	if err != nil {
		return err
	}
	var starter oauth.SyncStarter = noSyncStarter{}
	if b.Starter != nil {
		starter = b.Starter
	} else {
		fmt.Fprintln(os.Stderr, "STATE_MACHINE_ARN is not set: the first sync will not start; run jiractl sync later")
	}
	result, err := oauth.ConnectLocally(ctx, oauth.LocalConnectOptions{
		Config: connection.Config{
			Key: *key, SiteURL: *site, ClientID: *clientID, ClientSecret: secret,
			Schedule: connection.Schedule{Expression: *schedule, TimeZone: *timeZone},
		},
		Connections: b.Connections, States: b.States, Secrets: b.Secrets, Sync: starter,
		AuthURL: b.AuthURL, APIURL: b.APIURL, Listen: *listen, Headless: *headless, Out: os.Stderr, Logger: b.Logger,
	})
	if err != nil {
		return err
	}
	fmt.Printf("connected %s to %s (cloud id %s)\n", key, result.Connection.SiteURL, result.Connection.CloudID)
	if result.RunID != "" {
		fmt.Printf("first sync started: run %s\n", result.RunID)
	}
	return nil
}

// noSyncStarter is used when no state machine is configured.
type noSyncStarter struct{}

func (noSyncStarter) StartSync(context.Context, connection.Key, string) (string, error) {
	return "", nil
}
