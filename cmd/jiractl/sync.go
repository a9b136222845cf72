package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/idgov/atlassian-cloud-connector/shared/bundle"
	"github.com/idgov/atlassian-cloud-connector/shared/connection"
	"github.com/idgov/atlassian-cloud-connector/shared/syncrun"
)

func runSync(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("sync", flag.ContinueOnError)
	key := connectionFlags(fs)
	wait := fs.Bool("wait", true, "wait for the run to end, showing its progress")
	if err := fs.Parse(args); err != nil {
		return err
	}
	b, err := loadBundle(ctx)
	if err != nil {
		return err
	}
	if b.Starter == nil {
		return fmt.Errorf("STATE_MACHINE_ARN is not set: set it to the sync state machine's ARN")
	}
	started, err := b.Starter.Start(ctx, *key, syncrun.TriggerOnDemand)
	if err != nil {
		return err
	}
	if started.Joined {
		fmt.Fprintf(os.Stderr, "a sync of %s is already running: following run %s\n", key, started.RunID)
	} else {
		fmt.Fprintf(os.Stderr, "started run %s\n", started.RunID)
	}
	if !*wait {
		return nil
	}
	run, err := followRun(ctx, b, *key, started.RunID, started.ExecutionARN, os.Stderr)
	if err != nil {
		return err
	}
	printSummary(os.Stdout, run)
	if run.Status != syncrun.StatusSucceeded {
		return fmt.Errorf("run %s failed: %s", run.RunID, run.Reason)
	}
	return nil
}

// followRun polls a run's record (and its execution, when known) until the
// run ends, printing a progress line about once a second.
func followRun(ctx context.Context, b *bundle.Bundle, key connection.Key, runID, executionARN string, w io.Writer) (*syncrun.Run, error) {
	ticker := time.NewTicker(time.Second)
	defer ticker.Stop()
	start := time.Now()
	progress := newProgress(w)
	for {
		run, err := b.Engine.Run(ctx, key, runID)
		if err != nil && executionARN == "" {
			return nil, err
		}
		if err == nil {
			progress.show(fmt.Sprintf("%6.1fs  phase %-6s  tasks %7d  Jira calls %7d  429s %4d  items %8d",
				time.Since(start).Seconds(), run.Phase, run.TasksDone, run.APICalls, run.RateLimited, run.ItemsWritten),
				run.Phase)
			if run.Status != syncrun.StatusRunning {
				progress.end()
				return run, nil
			}
		}
		if executionARN != "" {
			if done, err := executionEnded(ctx, b, executionARN); err != nil || done {
				if err != nil {
					return nil, err
				}
				progress.end()
				// The execution ended: the run record has its final state,
				// unless begin failed before recording it.
				run, err := b.Engine.Run(ctx, key, runID)
				if err != nil {
					return nil, fmt.Errorf("execution %s ended before recording run %s: %w", executionARN, runID, err)
				}
				return run, nil
			}
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-ticker.C:
		}
	}
}

func executionEnded(ctx context.Context, b *bundle.Bundle, arn string) (bool, error) {
	out, err := b.SFN.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
	if err != nil {
		return false, fmt.Errorf("describe execution %s: %w", arn, err)
	}
	return out.Status != sfntypes.ExecutionStatusRunning, nil
}

func printSummary(w io.Writer, run *syncrun.Run) {
	dur := run.EndedAt.Sub(run.StartedAt)
	fmt.Fprintf(w, "run %s of %s: %s in %s (trigger %s)\n", run.RunID, run.Key(), run.Status, dur.Round(time.Millisecond), run.Trigger)
	if run.Reason != "" {
		fmt.Fprintf(w, "  reason: %s\n", run.Reason)
	}
	fmt.Fprintf(w, "  snapshot: %d service users, %d entitlements, %d grants\n", run.Counts.Users, run.Counts.Entitlements, run.Counts.Grants)
	fmt.Fprintf(w, "  changes:  %d added, %d removed, %d changed, %d renamed\n", run.Changes.Added, run.Changes.Removed, run.Changes.Changed, run.Changes.Renamed)
	fmt.Fprintf(w, "  work:     %d Jira calls, %d answered 429, %d page tasks, %d items written, %d worker invocations\n",
		run.APICalls, run.RateLimited, run.TasksDone, run.ItemsWritten, run.Invocations)
}

// progress prints a run's progress: rewritten in place on a terminal, and
// otherwise as a new line when the phase changes or every 10 seconds.
type progress struct {
	w        io.Writer
	terminal bool
	phase    string
	last     time.Time
	shown    bool
}

func newProgress(w io.Writer) *progress {
	p := &progress{w: w}
	if f, ok := w.(*os.File); ok {
		if info, err := f.Stat(); err == nil && info.Mode()&os.ModeCharDevice != 0 {
			p.terminal = true
		}
	}
	return p
}

func (p *progress) show(line, phase string) {
	switch {
	case p.terminal:
		fmt.Fprintf(p.w, "\r%s ", line)
	case phase != p.phase || time.Since(p.last) >= 10*time.Second:
		fmt.Fprintln(p.w, line)
		p.phase, p.last = phase, time.Now()
	default:
		return
	}
	p.shown = true
}

func (p *progress) end() {
	if p.terminal && p.shown {
		fmt.Fprintln(p.w)
	}
}
