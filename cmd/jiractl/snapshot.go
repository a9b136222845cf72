package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/idgov/atlassian-cloud-connector/shared/bundle"
	"github.com/idgov/atlassian-cloud-connector/shared/connection"
	"github.com/idgov/atlassian-cloud-connector/shared/logging"
	"github.com/idgov/atlassian-cloud-connector/shared/snapshot"
)

// connectionFlags adds the flags that name a connection.
func connectionFlags(fs *flag.FlagSet) *connection.Key {
	key := &connection.Key{}
	fs.StringVar(&key.Tenant, "tenant", "demo", "platform tenant of the connection")
	fs.StringVar(&key.ID, "connection", connection.DefaultID, "connection identifier within the tenant")
	return key
}

func loadBundle(ctx context.Context) (*bundle.Bundle, error) {
	return bundle.FromEnv(ctx, logging.Setup("jiractl"))
}

func runExport(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	key := connectionFlags(fs)
	runID := fs.String("run", "", "run whose snapshot to export; empty means the current snapshot")
	out := fs.String("o", "-", "output file; - means standard output")
	if err := fs.Parse(args); err != nil {
		return err
	}
	b, err := loadBundle(ctx)
	if err != nil {
		return err
	}
	return exportSnapshot(ctx, b, *key, *runID, *out)
}

func exportSnapshot(ctx context.Context, b *bundle.Bundle, key connection.Key, runID, out string) error {
	if runID == "" {
		current, err := b.Engine.CurrentRunID(ctx, key)
		if err != nil {
			return err
		}
		if current == "" {
			return fmt.Errorf("connection %s has no snapshot yet: run jiractl sync first", key)
		}
		runID = current
	}
	var w io.Writer = os.Stdout
	if out != "-" {
		f, err := os.Create(out)
		if err != nil {
			return fmt.Errorf("create export file: %w", err)
		}
		defer f.Close()
		w = f
	}
	counts, err := snapshot.ExportJSONLines(ctx, b.Table, runID, w)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "exported run %s: %d service users, %d entitlements, %d grants\n",
		runID, counts.Users, counts.Entitlements, counts.Grants)
	return nil
}

func runChanges(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("changes", flag.ContinueOnError)
	key := connectionFlags(fs)
	runID := fs.String("run", "", "run whose change set to print; empty means the current snapshot's run")
	limit := fs.Int("limit", 50, "print at most this many changes; 0 prints all")
	if err := fs.Parse(args); err != nil {
		return err
	}
	b, err := loadBundle(ctx)
	if err != nil {
		return err
	}
	return printChanges(ctx, b, *key, *runID, *limit, os.Stdout)
}

func printChanges(ctx context.Context, b *bundle.Bundle, key connection.Key, runID string, limit int, w io.Writer) error {
	if runID == "" {
		current, err := b.Engine.CurrentRunID(ctx, key)
		if err != nil {
			return err
		}
		if current == "" {
			return fmt.Errorf("connection %s has no snapshot yet: run jiractl sync first", key)
		}
		runID = current
	}
	cursor := snapshot.Cursor{}
	printed := 0
	enc := json.NewEncoder(w)
	for {
		page, next, err := snapshot.ReadChangesPage(ctx, b.Table, runID, cursor, 500)
		if err != nil {
			return err
		}
		for _, c := range page {
			if limit > 0 && printed >= limit {
				fmt.Fprintf(w, "… more changes; use -limit 0 to print all\n")
				return nil
			}
			if err := enc.Encode(c); err != nil {
				return err
			}
			printed++
		}
		if next == nil {
			break
		}
		cursor = *next
	}
	if printed == 0 {
		fmt.Fprintf(w, "run %s recorded no changes (a first snapshot has none)\n", runID)
	}
	return nil
}
