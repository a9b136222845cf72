package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/idgov/atlassian-cloud-connector/shared/connection"
	"github.com/idgov/atlassian-cloud-connector/shared/jirasim"
	"github.com/idgov/atlassian-cloud-connector/shared/localaws"
	"github.com/idgov/atlassian-cloud-connector/shared/localstack"
	"github.com/idgov/atlassian-cloud-connector/shared/snapshot"
	"github.com/idgov/atlassian-cloud-connector/shared/snapshot/snapshottest"
	"github.com/idgov/atlassian-cloud-connector/shared/syncrun"
)

func runDemo(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	size := fs.String("size", "small", "simulated site: small (200 users), medium (10,000) or large (100,000 users, 20,000 groups, 2,500 projects)")
	seed := fs.Int64("seed", 1, "dataset seed; the same seed gives the same site")
	lanes := fs.Int("lanes", 8, "worker lanes the state machine's Map runs in parallel (1-40)")
	budget := fs.Duration("budget", 20*time.Second, "time budget of one worker invocation")
	jiraRate := fs.Float64("jira-rate", 500, "Jira requests per second the connector allows itself for the site")
	simBurst := fs.Float64("sim-burst", 0, "make the simulator answer 429 above this many requests per second (0: no limit)")
	export := fs.String("export", filepath.Join("build", "demo-snapshot.jsonl"), "file for the exported snapshot (JSON Lines); empty skips the export")
	second := fs.Bool("second-sync", true, "change the site after the first sync and sync again to show the change set")
	verbose := fs.Bool("v", false, "print the connector's JSON logs to standard error")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := localaws.CheckLoopbackOnly(); err != nil {
		return fmt.Errorf("%w; run the demo through `make demo`, which starts it in a loopback-only network namespace", err)
	}

	started := time.Now()
	fmt.Printf("Generating the %s site (seed %d)…\n", *size, *seed)
	ds, err := jirasim.Generate(jirasim.Size(*size), *seed)
	if err != nil {
		return err
	}
	fmt.Printf("  %d users, %d groups, %d projects × %d roles, %d application roles\n",
		len(ds.Users), len(ds.Groups), len(ds.Projects), len(ds.Roles), len(ds.AppRoles))

	logger := slog.New(slog.NewJSONHandler(io.Discard, nil))
	if *verbose {
		logger = slog.New(slog.NewJSONHandler(os.Stderr, nil))
	} else {
		syncrun.MetricsOutput = io.Discard
	}
	fmt.Println("Starting the local stack: Jira simulator, DynamoDB Local, Secrets Manager, Lambda and Step Functions endpoints…")
	stack, err := localstack.Start(ctx, localstack.Options{
		Dataset:           ds,
		SimRateLimit:      jirasim.RateLimit{BurstPerSecond: *simBurst, Burst: int(*simBurst)},
		Sync:              syncrun.Config{Lanes: *lanes, WorkerBudget: *budget},
		JiraRatePerSecond: *jiraRate,
		Logger:            logger,
	})
	if err != nil {
		return err
	}
	defer stack.Close()

	key := connection.Key{Tenant: "demo", ID: connection.DefaultID}
	fmt.Printf("Connecting %s to %s through OAuth 2.0 (3LO) with the simulator's auto-consent…\n", key, ds.Sites[0].URL)
	runID, err := stack.Connect(ctx, key, nil)
	if err != nil {
		return err
	}
	fmt.Printf("Connected; the callback started the first full sync (run %s).\n", runID)
	if err := followDemoRun(ctx, stack, key, runID); err != nil {
		return err
	}
	if err := verifyGroundTruth(ctx, stack, key); err != nil {
		return err
	}
	if *export != "" {
		if err := os.MkdirAll(filepath.Dir(*export), 0o755); err != nil {
			return err
		}
		if err := exportSnapshot(ctx, stack.Bundle, key, "", *export); err != nil {
			return err
		}
		fmt.Printf("Snapshot exported to %s (format: docs/snapshot-format.md).\n", *export)
	}
	if *second {
		fmt.Println("\nChanging the site: adding, removing and deactivating users, renaming a group, moving a member…")
		if err := changeSite(stack.Sim); err != nil {
			return err
		}
		next, err := stack.Bundle.Starter.Start(ctx, key, syncrun.TriggerOnDemand)
		if err != nil {
			return err
		}
		fmt.Printf("Second sync started (run %s).\n", next.RunID)
		if err := followDemoRun(ctx, stack, key, next.RunID); err != nil {
			return err
		}
		if err := verifyGroundTruth(ctx, stack, key); err != nil {
			return err
		}
		fmt.Println("First changes of the second run (jiractl changes prints them all):")
		if err := printChanges(ctx, stack.Bundle, key, next.RunID, 12, os.Stdout); err != nil {
			return err
		}
	}
	fmt.Printf("\nLambda invocations: %v\n", stack.Lambda.InvocationCounts())
	fmt.Printf("DynamoDB requests: %d %v\n", stack.DynamoDBRequests.Total(), stack.DynamoDBRequests.Counts())
	fmt.Printf("Demo finished in %s.\n", time.Since(started).Round(time.Millisecond))
	return nil
}

// followDemoRun shows a run's progress until its execution ends, then its
// summary and the execution's history event count.
func followDemoRun(ctx context.Context, stack *localstack.Stack, key connection.Key, runID string) error {
	run, err := followRun(ctx, stack.Bundle, key, runID, stack.ExecutionARN(key, runID), os.Stdout)
	if err != nil {
		return err
	}
	result, err := stack.Wait(ctx, key, runID)
	if err != nil {
		return err
	}
	printSummary(os.Stdout, run)
	fmt.Printf("  execution: %s, %d history events (Standard workflows allow 25,000)\n", result.Status, result.HistoryEventCount)
	if run.Status != syncrun.StatusSucceeded {
		return fmt.Errorf("run %s failed: %s", runID, run.Reason)
	}
	return nil
}

// verifyGroundTruth compares the current snapshot with the records computed
// directly from the simulator's data.
func verifyGroundTruth(ctx context.Context, stack *localstack.Stack, key connection.Key) error {
	conn, err := stack.Bundle.Connections.Get(ctx, key)
	if err != nil {
		return err
	}
	runID, err := stack.Bundle.Engine.CurrentRunID(ctx, key)
	if err != nil {
		return err
	}
	want := snapshottest.Expected(stack.Sim.Dataset(), conn.UserSettings)
	var got []snapshot.Record
	if err := snapshot.ReadAll(ctx, stack.Bundle.Table, runID, func(r snapshot.Record) error {
		got = append(got, r)
		return nil
	}); err != nil {
		return err
	}
	if diffs := snapshottest.Diff(want, got, 10); len(diffs) > 0 {
		return fmt.Errorf("the snapshot differs from the simulator's data: %v", diffs)
	}
	fmt.Printf("  check: the snapshot equals the simulator's ground truth (%d records).\n", len(want))
	return nil
}

// changeSite applies a few realistic changes between two syncs.
func changeSite(sim *jirasim.Server) error {
	var errs []error
	sim.Mutate(func(d *jirasim.Dataset) {
		var group *jirasim.Group
		for i := range d.Groups {
			if len(d.Groups[i].Members) >= 3 {
				group = &d.Groups[i]
				break
			}
		}
		if group == nil {
			errs = append(errs, errors.New("the site has no group with three members to change"))
			return
		}
		leaver, mover := group.Members[0], group.Members[1]
		var deactivate string
		for _, u := range d.Users {
			if u.Active && u.AccountID != leaver && u.AccountID != mover {
				deactivate = u.AccountID
				break
			}
		}
		joiner := jirasim.User{AccountID: "557058:demo-new-hire", AccountType: "atlassian", Active: true,
			DisplayName: "New Hire", Locale: "en_US", TimeZone: "Europe/Berlin"}
		errs = append(errs,
			d.AddUser(joiner),
			d.AddMember(group.GroupID, joiner.AccountID),
			d.RemoveUser(leaver),
			d.DeactivateUser(deactivate),
			d.RemoveMember(group.GroupID, mover),
			d.RenameGroup(group.GroupID, group.Name+" (renamed)"),
		)
	})
	return errors.Join(errs...)
}
