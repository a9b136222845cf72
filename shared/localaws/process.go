package localaws

import (
	"bytes"
	"errors"
	"os/exec"
	"runtime"
	"sync"
	"syscall"
	"time"
)

// childProcess is a program started by this package. On Linux it receives
// SIGKILL when the process that started it exits, so an emulator never
// outlives a test binary, even one that is killed.
type childProcess struct {
	cmd     *exec.Cmd
	done    chan struct{}
	waitErr error
}

// startChild starts cmd. Pdeathsig fires when the OS thread that forked the
// child exits, not when the process does, so the goroutine that starts the
// child stays locked to its thread until the child has exited.
func startChild(cmd *exec.Cmd) (*childProcess, error) {
	setParentDeathSignal(cmd)
	child := &childProcess{cmd: cmd, done: make(chan struct{})}
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		child.waitErr = cmd.Wait()
		close(child.done)
	}()
	if err := <-started; err != nil {
		return nil, err
	}
	return child, nil
}

// exited reports whether the child has exited.
func (c *childProcess) exited() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// stop sends SIGTERM, waits up to grace for the child to exit, then kills it.
func (c *childProcess) stop(grace time.Duration) {
	if c.exited() {
		return
	}
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
		_ = c.cmd.Process.Kill()
	}
	select {
	case <-c.done:
	case <-time.After(grace):
		_ = c.cmd.Process.Kill()
		<-c.done
	}
}

// tailBuffer is an io.Writer that keeps the last max bytes written, for
// putting a child's recent output into an error message.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func newTailBuffer(max int) *tailBuffer {
	return &tailBuffer{max: max}
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if over := len(b.buf) - b.max; over > 0 {
		b.buf = append(b.buf[:0], b.buf[over:]...)
	}
	return len(p), nil
}

// String returns the kept output with surrounding white space removed.
func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(bytes.TrimSpace(b.buf))
}
