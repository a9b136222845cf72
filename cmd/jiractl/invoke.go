package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/idgov/atlassian-cloud-connector/shared/bundle"
	"github.com/idgov/atlassian-cloud-connector/shared/oauth"
	"github.com/idgov/atlassian-cloud-connector/shared/ondemand"
)

// handler builds one function's handler the way its main.go does, by the
// name of its folder under functions/.
func handler(ctx context.Context, b *bundle.Bundle, function string) (lambda.Handler, error) {
	switch function {
	case "orchestrator":
		return lambda.NewHandler(b.Engine.Orchestrate), nil
	case "worker":
		return lambda.NewHandler(b.Engine.Worker), nil
	case "callback":
		flow := &oauth.Flow{
			Connections: b.Connections, States: b.States, Secrets: b.Secrets, Sync: b.Starter,
			AuthURL: b.AuthURL, APIURL: b.APIURL, TenantHostSuffix: os.Getenv("TENANT_HOST_SUFFIX"), Logger: b.Logger,
		}
		return lambda.NewHandler(flow.HandleCallback), nil
	case "ondemand":
		return ondemand.FromEnv(ctx, b.Logger)
	}
	return nil, fmt.Errorf("unknown function %q: use one of %s", function, strings.Join(functionNames, ", "))
}

var functionNames = []string{"callback", "ondemand", "orchestrator", "worker"}

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
	h, err := handler(ctx, b, *function)
	if err != nil {
		return err
	}
	out, err := h.Invoke(ctx, payload)
	if err != nil {
		return fmt.Errorf("function %s returned an error: %w", *function, err)
	}
	_, err = fmt.Printf("%s\n", out)
	return err
}

func readAll(f *os.File) ([]byte, error) { return io.ReadAll(f) }
