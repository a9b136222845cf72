package localaws

import (
	"errors"
	"fmt"
	"runtime"
	"testing"
)

// recordingTB records whether Skipf or Fatalf ended the test.
type recordingTB struct {
	testing.TB
	skipped bool
	failed  bool
}

func (r *recordingTB) Helper() {}

func (r *recordingTB) Skipf(string, ...any) {
	r.skipped = true
	runtime.Goexit()
}

func (r *recordingTB) Fatalf(string, ...any) {
	r.failed = true
	runtime.Goexit()
}

func runSkipOrFail(err error) *recordingTB {
	tb := &recordingTB{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		skipOrFail(tb, err, "hint")
	}()
	<-done
	return tb
}

func TestSkipOrFail(t *testing.T) {
	tests := []struct {
		name        string
		ci          string
		err         error
		wantSkipped bool
	}{
		{"not isolated, local", "", fmt.Errorf("start: %w", ErrNotIsolated), true},
		{"missing tool, local", "false", fmt.Errorf("start: %w", ErrMissingTool), true},
		{"not isolated, CI", "true", fmt.Errorf("start: %w", ErrNotIsolated), false},
		{"missing tool, CI=1", "1", fmt.Errorf("start: %w", ErrMissingTool), false},
		{"other error, local", "", errors.New("java crashed"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("CI", tt.ci)
			tb := runSkipOrFail(tt.err)
			if tb.skipped != tt.wantSkipped {
				t.Errorf("skipped = %v, want %v", tb.skipped, tt.wantSkipped)
			}
			if tb.failed == tt.wantSkipped {
				t.Errorf("failed = %v, want %v", tb.failed, !tt.wantSkipped)
			}
		})
	}
}
