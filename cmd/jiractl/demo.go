package main

import (
	"context"
	"fmt"
)

func runDemo(ctx context.Context, args []string) error {
	return fmt.Errorf("demo: not wired yet")
}
