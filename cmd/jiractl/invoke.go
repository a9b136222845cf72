package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/idgov/atlassian-cloud-connector/shared/bundle"
)

// handlers returns each function's handler, built from a bundle, by the
// name of its folder under functions/.
func handlers(b *bundle.Bundle) map[string]lambda.Handler {
	return map[string]lambda.Handler{
		"orchestrator": lambda.NewHandler(b.Engine.Orchestrate),
		"worker":       lambda.NewHandler(b.Engine.Worker),
	}
}

func runInvoke(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("invoke", flag.ContinueOnError)
	function := fs.String("function", "", "function to invoke: the name of its folder under functions/")
	event := fs.String("event", "", "JSON event file, such as events/worker-lane.json; - reads standard input")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var payload []byte
	var err error
	switch *event {
	case "":
		return fmt.Errorf("-event is missing: name a JSON event file (see events/)")
	case "-":
		payload, err = readAll(os.Stdin)
	default:
		payload, err = os.ReadFile(*event)
	}
	if err != nil {
		return fmt.Errorf("read event: %w", err)
	}
	b, err := loadBundle(ctx)
	if err != nil {
		return err
	}
	all := handlers(b)
	h, ok := all[*function]
	if !ok {
		names := make([]string, 0, len(all))
		for n := range all {
			names = append(names, n)
		}
		sort.Strings(names)
		return fmt.Errorf("unknown function %q: use one of %s", *function, strings.Join(names, ", "))
	}
	out, err := h.Invoke(ctx, payload)
	if err != nil {
		return fmt.Errorf("function %s returned an error: %w", *function, err)
	}
	_, err = fmt.Printf("%s\n", out)
	return err
}

func readAll(f *os.File) ([]byte, error) { return io.ReadAll(f) }
