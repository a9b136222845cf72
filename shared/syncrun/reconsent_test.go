package syncrun_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/idgov/atlassian-cloud-connector/shared/connection"
	"github.com/idgov/atlassian-cloud-connector/shared/jirasim"
	"github.com/idgov/atlassian-cloud-connector/shared/syncrun"
)

func TestRevokedGrantFailsRunAndAsksReconsent(t *testing.T) {
	ds, err := jirasim.Generate(jirasim.SizeSmall, 3)
	if err != nil {
		t.Fatal(err)
	}
	// Access tokens expire at once, so the run's token check must refresh.
	e := newEnvWithDataset(t, ds, nil, syncrun.Config{Lanes: 2}, func(o *jirasim.Options) {
		o.AccessTokenTTL = time.Second
	})
	time.Sleep(1100 * time.Millisecond)
	e.sim.RevokeGrant()

	summary, syncErr := e.runSync(t, newRunID())
	var reconsent *syncrun.ReconsentRequiredError
	if !errors.As(syncErr, &reconsent) {
		t.Fatalf("sync error = %T %v, want ReconsentRequiredError", syncErr, syncErr)
	}
	if summary.Status != syncrun.StatusFailed {
		t.Errorf("run status = %q, want failed", summary.Status)
	}
	conn, err := e.bundle.Connections.Get(context.Background(), e.key)
	if err != nil {
		t.Fatal(err)
	}
	if conn.Status != connection.StatusReconsentRequired {
		t.Errorf("connection status = %q, want %q", conn.Status, connection.StatusReconsentRequired)
	}
	for _, secret := range e.sim.IssuedSecrets() {
		if strings.Contains(syncErr.Error(), secret) || strings.Contains(summary.Reason, secret) {
			t.Fatal("a token appears in the run's error or reason")
		}
	}
	// A run on a connection that needs consent is refused before it starts.
	_, err = e.runSync(t, newRunID())
	var notReady *syncrun.ConnectionNotReadyError
	if !errors.As(err, &notReady) {
		t.Errorf("second sync error = %T %v, want ConnectionNotReadyError", err, err)
	}
}

func TestLogsCarryNoSecrets(t *testing.T) {
	e := newEnv(t, jirasim.SizeSmall, nil, syncrun.Config{Lanes: 2})
	e.sim.InjectFault(jirasim.Fault{Path: "/group/member", Kind: jirasim.FaultStatus, Status: 503, Count: 9})
	mustSync(t, e)
	logs := e.logs.String()
	if logs == "" {
		t.Fatal("no logs were written; the check would pass vacuously")
	}
	for _, secret := range append(e.sim.IssuedSecrets(), testClientSecret) {
		if strings.Contains(logs, secret) {
			t.Fatalf("logs contain a token or secret issued by the simulator")
		}
	}
}
