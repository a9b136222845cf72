package syncrun

import (
	"context"
	"testing"
	"time"

	"github.com/idgov/atlassian-cloud-connector/shared/connection"
	"github.com/idgov/atlassian-cloud-connector/shared/store/storetest"
)

func newTestQueue(t *testing.T) *taskQueue {
	t.Helper()
	table := storetest.NewTable(t)
	run := &Run{Tenant: "acme", ConnectionID: connection.DefaultID, RunID: "run1", Status: StatusRunning,
		Lanes: 3, StartedAt: time.Now()}
	if err := (&runStore{table: table}).put(context.Background(), run); err != nil {
		t.Fatal(err)
	}
	return (&Engine{Table: table}).queue(run)
}

func TestEnqueueDoesNotResetDoneTasks(t *testing.T) {
	q := newTestQueue(t)
	ctx := context.Background()
	tasks := []Task{usersTask(0), groupsTask(0), groupsTask(0)}
	if err := q.enqueue(ctx, tasks); err != nil {
		t.Fatalf("enqueue: %v", err)
	}
	if n, err := q.outstanding(ctx, PhaseRead); err != nil || n != 2 {
		t.Fatalf("outstanding after enqueue = %d (%v), want 2", n, err)
	}
	if err := q.complete(ctx, usersTask(0), nil); err != nil {
		t.Fatal(err)
	}
	// A retried page enqueues the same follow-ups again.
	if err := q.enqueue(ctx, []Task{usersTask(0), groupsTask(0), projectsTask(0)}); err != nil {
		t.Fatalf("second enqueue: %v", err)
	}
	if n, err := q.outstanding(ctx, PhaseRead); err != nil || n != 2 {
		t.Errorf("outstanding after re-enqueue = %d (%v), want 2 (groups:0 and projects:0)", n, err)
	}
	claimedTask, err := q.claim(ctx, PhaseRead, 0, "w", time.Minute, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if claimedTask == nil || claimedTask.ID == usersTask(0).ID {
		t.Errorf("claimed %+v, want a pending task, never the done users:0", claimedTask)
	}
}

func TestCompleteTwiceCountsOnce(t *testing.T) {
	q := newTestQueue(t)
	ctx := context.Background()
	if err := q.enqueue(ctx, []Task{usersTask(0), diffTask(1)}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := q.complete(ctx, usersTask(0), nil); err != nil {
			t.Fatalf("complete: %v", err)
		}
	}
	if n, err := q.outstanding(ctx, PhaseRead); err != nil || n != 0 {
		t.Errorf("read outstanding = %d (%v), want 0", n, err)
	}
	if n, err := q.outstanding(ctx, PhaseDiff); err != nil || n != 1 {
		t.Errorf("diff outstanding = %d (%v), want 1", n, err)
	}
}

func TestEnqueueManyTasksInChunks(t *testing.T) {
	q := newTestQueue(t)
	ctx := context.Background()
	var tasks []Task
	for i := range 250 {
		tasks = append(tasks, membersTask("g", i*50))
	}
	if err := q.enqueue(ctx, tasks[:120]); err != nil {
		t.Fatal(err)
	}
	// Overlapping chunks: 120 exist, 130 are new.
	if err := q.enqueue(ctx, tasks); err != nil {
		t.Fatal(err)
	}
	if n, err := q.outstanding(ctx, PhaseRead); err != nil || n != 250 {
		t.Errorf("outstanding = %d (%v), want 250", n, err)
	}
}
