package localaws

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeDefinition(t *testing.T, definition string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "definition.asl.json")
	if err := os.WriteFile(path, []byte(definition), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestValidateASLAcceptsValid(t *testing.T) {
	requireNode(t)
	if err := ValidateASL(context.Background(), writeDefinition(t, retryCatchDefinition)); err != nil {
		t.Errorf("ValidateASL: %v", err)
	}
}

func TestValidateASLRejectsBroken(t *testing.T) {
	requireNode(t)
	tests := []struct {
		name        string
		definition  string
		wantMessage string
	}{
		{"missing target", `{"StartAt": "B", "States": {"A": {"Type": "Pass", "Next": "C"}}}`, "MISSING_TRANSITION_TARGET"},
		{"bad JSONPath", `{"StartAt": "A", "States": {"A": {"Type": "Pass", "InputPath": "not a path", "End": true}}}`, "InputPath"},
		{"not JSON", `{"StartAt": `, "not valid JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateASL(context.Background(), writeDefinition(t, tt.definition))
			if !errors.Is(err, ErrInvalidDefinition) {
				t.Fatalf("ValidateASL error = %v, want ErrInvalidDefinition", err)
			}
			if !strings.Contains(err.Error(), tt.wantMessage) {
				t.Errorf("ValidateASL error = %q, want it to mention %q", err, tt.wantMessage)
			}
		})
	}
}

func TestValidateASLMissingFile(t *testing.T) {
	err := ValidateASL(context.Background(), filepath.Join(t.TempDir(), "missing.json"))
	if err == nil || errors.Is(err, ErrInvalidDefinition) {
		t.Errorf("ValidateASL of a missing file: error = %v, want a read error", err)
	}
}
