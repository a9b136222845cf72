package syncrun

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/idgov/atlassian-cloud-connector/shared/connection"
)

// Starter starts sync runs as executions of the sync state machine.
type Starter struct {
	Engine          *Engine
	SFN             *sfn.Client
	StateMachineARN string
}

// Started is the run a start request created or joined.
type Started struct {
	RunID        string `json:"runId"`
	ExecutionARN string `json:"executionArn,omitempty"`
	Joined       bool   `json:"joined"` // a run of this connection was already in progress
}

// Start starts a full sync of the connection, or returns the run in
// progress if one holds the connection's lock. The execution is named after
// the run id, so a repeated StartExecution of the same run starts nothing.
// Two starts racing past the lock check both start executions. The second
// one's begin step finds the lock taken before it writes anything, so its
// execution ends in the AlreadyRunning state, which succeeds.
func (s *Starter) Start(ctx context.Context, key connection.Key, trigger string) (Started, error) {
	holder, err := s.Engine.runs().lockHolder(ctx, key, s.Engine.now())
	if err != nil {
		return Started{}, err
	}
	if holder != "" {
		return Started{RunID: holder, Joined: true}, nil
	}
	return s.StartRun(ctx, key, NewRunID(s.Engine.now()), trigger)
}

// StartSync starts the first sync after a consent. The OAuth callback
// passes a trigger that is unique per consent ("consent-<unix ms>") and
// repeats it when retried, so the run id is derived from it: a retried
// callback names the same execution and starts nothing new.
func (s *Starter) StartSync(ctx context.Context, key connection.Key, trigger string) (string, error) {
	sum := sha256.Sum256([]byte(key.String() + "\x00" + trigger))
	at := s.Engine.now()
	if ms, ok := strings.CutPrefix(trigger, "consent-"); ok {
		if n, err := strconv.ParseInt(ms, 10, 64); err == nil {
			at = time.UnixMilli(n)
		}
	}
	runID := runIDTime(at) + "-" + hex.EncodeToString(sum[:6])
	started, err := s.StartRun(ctx, key, runID, TriggerConnect)
	return started.RunID, err
}

// StartRun starts an execution for a given run id; starting the same run id
// again returns the same execution.
func (s *Starter) StartRun(ctx context.Context, key connection.Key, runID, trigger string) (Started, error) {
	input, err := json.Marshal(RunState{Tenant: key.Tenant, ConnectionID: key.ID, RunID: runID, Trigger: trigger})
	if err != nil {
		return Started{}, fmt.Errorf("encode execution input: %w", err)
	}
	out, err := s.SFN.StartExecution(ctx, &sfn.StartExecutionInput{
		StateMachineArn: aws.String(s.StateMachineARN),
		Name:            aws.String(ExecutionName(key, runID)),
		Input:           aws.String(string(input)),
	})
	var exists *sfntypes.ExecutionAlreadyExists
	if errors.As(err, &exists) {
		return Started{RunID: runID, Joined: true}, nil
	}
	if err != nil {
		return Started{}, fmt.Errorf("start sync execution for %s: %w", key, err)
	}
	return Started{RunID: runID, ExecutionARN: aws.ToString(out.ExecutionArn)}, nil
}

// ExecutionName returns the Step Functions execution name of a run. Names
// are at most 80 characters, a run id is 32 and tenant and connection ids
// up to 64 each, so the "<tenant>_<connection>" prefix is cut to fit. The
// run id at the end keeps the name unique.
func ExecutionName(key connection.Key, runID string) string {
	prefix := key.Tenant + "_" + key.ID
	if max := 80 - len(runID) - 1; len(prefix) > max {
		prefix = prefix[:max]
	}
	return prefix + "_" + runID
}
