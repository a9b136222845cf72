// Command jiractl runs the connector locally: a whole demo on embedded
// local services, or single steps (connect, sync, export, changes, invoke)
// against the AWS endpoints the environment names.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

const usage = `jiractl runs the Atlassian Cloud connector locally.

Usage:
  jiractl demo     [flags]  simulated site + local AWS stack: connect, full sync through the real state machine, summary
  jiractl connect  [flags]  configure a connection and complete its OAuth consent on a loopback callback
  jiractl sync     [flags]  start a full sync through the state machine and show its progress
  jiractl export   [flags]  write the current snapshot as JSON Lines
  jiractl changes  [flags]  print the change set of the last (or a named) run
  jiractl invoke   [flags]  invoke a function's handler with an event file, like sam local invoke

Run "jiractl <command> -h" for a command's flags. Every command but demo
uses the AWS configuration of the environment (AWS_ENDPOINT_URL_*,
TABLE_NAME, STATE_MACHINE_ARN, SECRET_PREFIX, ATLASSIAN_API_URL,
ATLASSIAN_AUTH_URL), so it works against a deployment or a local stack.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "jiractl:", err)
		}
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, usage)
		return flag.ErrHelp
	}
	commands := map[string]func(context.Context, []string) error{
		"demo":    runDemo,
		"connect": runConnect,
		"sync":    runSync,
		"export":  runExport,
		"changes": runChanges,
		"invoke":  runInvoke,
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprint(os.Stderr, usage)
		return fmt.Errorf("unknown command %q: use one of demo, connect, sync, export, changes, invoke", args[0])
	}
	return cmd(ctx, args[1:])
}
