package syncrun_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/idgov/atlassian-cloud-connector/shared/bundle"
	"github.com/idgov/atlassian-cloud-connector/shared/connection"
	"github.com/idgov/atlassian-cloud-connector/shared/jirasim"
	"github.com/idgov/atlassian-cloud-connector/shared/localaws"
	"github.com/idgov/atlassian-cloud-connector/shared/oauth"
	"github.com/idgov/atlassian-cloud-connector/shared/snapshot"
	"github.com/idgov/atlassian-cloud-connector/shared/store/storetest"
	"github.com/idgov/atlassian-cloud-connector/shared/syncrun"
)

const (
	testClientID     = "test-client-id"
	testClientSecret = "test-client-secret"
)

// env is a connected site: the simulator, the local AWS stack and a bundle
// wired to both.
type env struct {
	sim    *jirasim.Server
	bundle *bundle.Bundle
	key    connection.Key
	logs   *bytes.Buffer
}

type noSync struct{}

func (noSync) StartSync(context.Context, connection.Key, string) (string, error) { return "", nil }

// newEnv starts the simulator with a generated dataset and connects it
// through the OAuth flow, headless.
func newEnv(t *testing.T, size jirasim.Size, settings *connection.UserSettings, sync syncrun.Config) *env {
	t.Helper()
	ds, err := jirasim.Generate(size, 7)
	if err != nil {
		t.Fatalf("generate dataset: %v", err)
	}
	return newEnvWithDataset(t, ds, settings, sync)
}

func newEnvWithDataset(t *testing.T, ds *jirasim.Dataset, settings *connection.UserSettings, sync syncrun.Config, simOptions ...func(*jirasim.Options)) *env {
	t.Helper()
	opts := jirasim.Options{ClientID: testClientID, ClientSecret: testClientSecret, Consent: jirasim.ConsentAuto}
	for _, f := range simOptions {
		f(&opts)
	}
	sim, err := jirasim.Start(ds, opts)
	if err != nil {
		t.Fatalf("start simulator: %v", err)
	}
	t.Cleanup(sim.Close)
	table := storetest.NewTable(t)
	logs := &bytes.Buffer{}
	logger := slog.New(slog.NewJSONHandler(&lockedWriter{w: logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	b := bundle.New(bundle.Options{
		AWS: localaws.LocalConfig(), DynamoDB: table.Client, SecretsManager: localaws.SecretsManagerForTest(t),
		TableName: table.Name, APIURL: sim.URL(), AuthURL: sim.URL(), Sync: sync, JiraRatePerSecond: 2000,
		Logger: logger,
	})
	key := connection.Key{Tenant: "acme", ID: connection.DefaultID}
	_, err = oauth.ConnectLocally(context.Background(), oauth.LocalConnectOptions{
		Config: connection.Config{
			Key: key, SiteURL: ds.Sites[0].URL, ClientID: testClientID, ClientSecret: testClientSecret,
			Schedule: connection.Schedule{Expression: connection.ScheduleManual}, UserSettings: settings,
		},
		Connections: b.Connections, States: b.States, Secrets: b.Secrets, Sync: noSync{},
		AuthURL: sim.URL(), APIURL: sim.URL(), Headless: true, Out: io.Discard, Logger: logger,
	})
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	return &env{sim: sim, bundle: b, key: key, logs: logs}
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// runSync drives a run the way the state machine does: begin, then for each
// phase every lane's worker until it reports no more work (retrying the
// errors the definition retries), plan, and finish; any other error goes to
// fail. It returns the summary and the first error that failed the run.
func (e *env) runSync(t *testing.T, runID string) (syncrun.Summary, error) {
	t.Helper()
	ctx := context.Background()
	eng := e.bundle.Engine
	state, err := eng.Orchestrate(ctx, syncrun.RunState{Action: syncrun.ActionBegin, Tenant: e.key.Tenant,
		ConnectionID: e.key.ID, RunID: runID, Trigger: syncrun.TriggerOnDemand})
	if err != nil {
		return e.fail(t, runID, err), err
	}
	rs := state.RunState
	for rs.Phase != syncrun.PhaseDone {
		if err := e.runLanes(ctx, rs); err != nil {
			return e.fail(t, runID, err), err
		}
		rs.Action = syncrun.ActionPlan
		next, err := eng.Orchestrate(ctx, rs)
		if err != nil {
			return e.fail(t, runID, err), err
		}
		rs = next.RunState
	}
	rs.Action = syncrun.ActionFinish
	summary, err := eng.Orchestrate(ctx, rs)
	if err != nil {
		return e.fail(t, runID, err), err
	}
	return summary, nil
}

func (e *env) runLanes(ctx context.Context, rs syncrun.RunState) error {
	var wg sync.WaitGroup
	errs := make([]error, len(rs.Lanes))
	for i, lane := range rs.Lanes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			state := syncrun.LaneState{Tenant: rs.Tenant, ConnectionID: rs.ConnectionID, RunID: rs.RunID, Phase: rs.Phase, Lane: lane, More: true}
			retries := 0
			for state.More {
				next, err := e.bundle.Engine.Worker(ctx, state)
				if err != nil {
					if isRetried(err) && retries < 6 {
						retries++
						continue
					}
					errs[i] = err
					return
				}
				state = next
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

func isRetried(err error) bool {
	var (
		a *syncrun.RateLimitedError
		b *syncrun.UpstreamUnavailableError
		c *syncrun.StoreThrottledError
	)
	return errors.As(err, &a) || errors.As(err, &b) || errors.As(err, &c)
}

func (e *env) fail(t *testing.T, runID string, cause error) syncrun.Summary {
	t.Helper()
	name := "Error"
	for _, n := range syncrun.ErrorNames {
		if bytes.Contains([]byte(typeName(cause)), []byte(n)) {
			name = n
		}
	}
	out, err := e.bundle.Engine.Orchestrate(context.Background(), syncrun.RunState{Action: syncrun.ActionFail,
		Tenant: e.key.Tenant, ConnectionID: e.key.ID, RunID: runID,
		Error: &syncrun.StepError{Error: name, Cause: cause.Error()}})
	if err != nil {
		t.Fatalf("fail step: %v", err)
	}
	return out
}

func typeName(err error) string {
	b, _ := json.Marshal(struct{ T string }{T: typeOf(err)})
	return string(b)
}

// exportRecords reads the current snapshot back as records.
func (e *env) exportRecords(t *testing.T) []snapshot.Record {
	t.Helper()
	ctx := context.Background()
	runID, err := e.bundle.Engine.CurrentRunID(ctx, e.key)
	if err != nil {
		t.Fatalf("current run: %v", err)
	}
	if runID == "" {
		t.Fatal("no current snapshot")
	}
	return readRun(t, e, runID)
}

func readRun(t *testing.T, e *env, runID string) []snapshot.Record {
	t.Helper()
	var records []snapshot.Record
	err := snapshot.ReadAll(context.Background(), e.bundle.Table, runID, func(r snapshot.Record) error {
		records = append(records, r)
		return nil
	})
	if err != nil {
		t.Fatalf("read snapshot %s: %v", runID, err)
	}
	return records
}

func newRunID() string { return syncrun.NewRunID(time.Now()) }
