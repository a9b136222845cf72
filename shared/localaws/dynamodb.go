package localaws

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

const (
	// dynamoStartTimeout bounds the wait for DynamoDB Local to respond. The JVM
	// usually starts in 1–3 s, but parallel test binaries under -race share
	// the CPUs.
	dynamoStartTimeout = 60 * time.Second
	// dynamoStartAttempts is how many free ports are tried, because another
	// process can take the chosen port before the JVM binds it.
	dynamoStartAttempts = 3
)

// DynamoDBLocal is a running DynamoDB Local (in-memory) child process.
type DynamoDBLocal struct {
	endpoint string
	child    *childProcess
	output   *tailBuffer
	stopOnce sync.Once
	stopping atomic.Bool
}

// StartDynamoDBLocal starts DynamoDB Local from
// infra/local/node_modules/amplify-dynamodb-simulator/emulator on a free port
// and waits until it responds to requests.
//
// DynamoDB Local has no option to listen on loopback only, so
// StartDynamoDBLocal returns an error wrapping ErrNotIsolated unless every
// network interface that is up is loopback. A missing java or emulator jar
// returns an error wrapping ErrMissingTool.
func StartDynamoDBLocal(ctx context.Context) (*DynamoDBLocal, error) {
	if err := CheckLoopbackOnly(); err != nil {
		return nil, fmt.Errorf("start DynamoDB Local: %w", err)
	}
	java, err := exec.LookPath("java")
	if err != nil {
		return nil, fmt.Errorf("start DynamoDB Local: %w: java not found in PATH: install a Java runtime: apt-get install default-jre-headless", ErrMissingTool)
	}
	emulator, err := nodePackagePath(filepath.Join("amplify-dynamodb-simulator", "emulator"))
	if err != nil {
		return nil, fmt.Errorf("start DynamoDB Local: %w", err)
	}
	jar := filepath.Join(emulator, "DynamoDBLocal.jar")
	if _, err := os.Stat(jar); err != nil {
		return nil, fmt.Errorf("start DynamoDB Local: %w: %s not found: run npm ci in infra/local", ErrMissingTool, jar)
	}

	var lastErr error
	for range dynamoStartAttempts {
		db, err := startDynamoOnce(ctx, java, emulator)
		if err == nil {
			return db, nil
		}
		lastErr = err
		if ctx.Err() != nil || !errors.Is(err, errDynamoExited) {
			break
		}
	}
	return nil, fmt.Errorf("start DynamoDB Local: %w", lastErr)
}

// errDynamoExited reports that the JVM exited before it responded, for example
// because another process took the port first.
var errDynamoExited = errors.New("DynamoDB Local exited during start-up")

func startDynamoOnce(ctx context.Context, java, emulator string) (*DynamoDBLocal, error) {
	port, err := freeLoopbackPort()
	if err != nil {
		return nil, err
	}
	output := newTailBuffer(4096)
	cmd := exec.Command(java,
		"-Djava.library.path="+filepath.Join(emulator, "DynamoDBLocal_lib"),
		"-jar", filepath.Join(emulator, "DynamoDBLocal.jar"),
		"-inMemory", "-port", strconv.Itoa(port), "-disableTelemetry")
	cmd.Dir = emulator
	cmd.Stdout = output
	cmd.Stderr = output
	child, err := startChild(cmd)
	if err != nil {
		return nil, fmt.Errorf("run %s: %w", java, err)
	}
	db := &DynamoDBLocal{
		endpoint: "http://127.0.0.1:" + strconv.Itoa(port),
		child:    child,
		output:   output,
	}
	if err := db.waitReady(ctx); err != nil {
		_ = db.Stop()
		return nil, err
	}
	slog.Debug("DynamoDB Local started", "endpoint", db.endpoint, "pid", cmd.Process.Pid)
	go db.reportUnexpectedExit()
	return db, nil
}

// reportUnexpectedExit logs the JVM's last output when it exits without
// Stop, because the clients then fail only with "connection refused".
func (d *DynamoDBLocal) reportUnexpectedExit() {
	<-d.child.done
	if !d.stopping.Load() {
		slog.Error("DynamoDB Local exited unexpectedly", "endpoint", d.endpoint, "error", d.child.waitErr, "output", d.output.String())
	}
}

// waitReady polls ListTables until DynamoDB Local returns HTTP 200.
func (d *DynamoDBLocal) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, dynamoStartTimeout)
	defer cancel()
	client := &http.Client{Timeout: 2 * time.Second}
	for {
		if d.child.exited() {
			return fmt.Errorf("%w (%v); output: %s", errDynamoExited, d.child.waitErr, d.output.String())
		}
		if d.responds(ctx, client) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("DynamoDB Local at %s did not respond within %s: %w; output: %s",
				d.endpoint, dynamoStartTimeout, ctx.Err(), d.output.String())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func (d *DynamoDBLocal) responds(ctx context.Context, client *http.Client) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.endpoint, strings.NewReader("{}"))
	if err != nil {
		return false
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810.ListTables")
	// DynamoDB Local parses but does not verify the signature.
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=local/20250101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0")
	resp, err := client.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// Endpoint returns the base URL, such as http://127.0.0.1:40123.
func (d *DynamoDBLocal) Endpoint() string {
	return d.endpoint
}

// Stop terminates DynamoDB Local and discards its tables. Calling it again
// does nothing.
func (d *DynamoDBLocal) Stop() error {
	d.stopOnce.Do(func() {
		d.stopping.Store(true)
		d.child.stop(5 * time.Second)
	})
	return nil
}

// freeLoopbackPort returns a TCP port that was free on 127.0.0.1 a moment ago.
func freeLoopbackPort() (int, error) {
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port on 127.0.0.1: %w", err)
	}
	defer listener.Close()
	return listener.Addr().(*net.TCPAddr).Port, nil
}
