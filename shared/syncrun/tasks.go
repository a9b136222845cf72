package syncrun

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/idgov/atlassian-cloud-connector/shared/store"
)

// Phases of a run. Every task belongs to one; the tasks of a phase start
// only after every task of the phase before it is done.
const (
	PhaseRead   = "read"   // read Jira pages
	PhaseExpand = "expand" // derive grants held through groups
	PhaseDiff   = "diff"   // compare with the previous snapshot, count
	PhaseDone   = "done"
)

// nextPhase returns the phase after p.
func nextPhase(p string) string {
	switch p {
	case PhaseRead:
		return PhaseExpand
	case PhaseExpand:
		return PhaseDiff
	}
	return PhaseDone
}

// Task kinds.
const (
	KindUsers        = "users"        // one users/search page
	KindGroups       = "groups"       // one group/bulk page
	KindMembers      = "members"      // one group/member page
	KindProjects     = "projects"     // one project/search page
	KindProjectRole  = "projectRole"  // one project's role and its actors
	KindAppRoles     = "appRoles"     // all application roles
	KindExpandGroup  = "expandGroup"  // grants of an entitlement through one group, one page of members
	KindExpandActors = "expandActors" // direct grants of a project role to its user actors
	KindDiff         = "diff"         // one snapshot shard compared with the previous run's
)

// Task is one unit of work: one Jira page, one expansion page or one shard.
// It is stored as a DynamoDB item and claimed by one worker at a time.
type Task struct {
	ID      string `json:"id"`
	Phase   string `json:"phase"`
	Kind    string `json:"kind"`
	StartAt int    `json:"startAt,omitempty"`

	GroupID     string `json:"groupId,omitempty"`
	ProjectID   string `json:"projectId,omitempty"`
	ProjectKey  string `json:"projectKey,omitempty"`
	ProjectName string `json:"projectName,omitempty"`
	RoleID      int64  `json:"roleId,omitempty"`
	RoleName    string `json:"roleName,omitempty"`

	EntitlementID string   `json:"entitlementId,omitempty"`
	AccountIDs    []string `json:"accountIds,omitempty"`
	AfterAccount  string   `json:"afterAccount,omitempty"` // expansion resumes after this member
	Shard         int      `json:"shard,omitempty"`
}

// Task constructors give each task a deterministic id, so a retried page
// that enqueues the same follow-up tasks writes the same items again.
func usersTask(startAt int) Task {
	return Task{ID: "users:" + strconv.Itoa(startAt), Phase: PhaseRead, Kind: KindUsers, StartAt: startAt}
}

func groupsTask(startAt int) Task {
	return Task{ID: "groups:" + strconv.Itoa(startAt), Phase: PhaseRead, Kind: KindGroups, StartAt: startAt}
}

func membersTask(groupID string, startAt int) Task {
	return Task{ID: "members:" + groupID + ":" + strconv.Itoa(startAt), Phase: PhaseRead, Kind: KindMembers,
		GroupID: groupID, StartAt: startAt}
}

func projectsTask(startAt int) Task {
	return Task{ID: "projects:" + strconv.Itoa(startAt), Phase: PhaseRead, Kind: KindProjects, StartAt: startAt}
}

func appRolesTask() Task {
	return Task{ID: "appRoles", Phase: PhaseRead, Kind: KindAppRoles}
}

func projectRoleTask(projectID, projectKey, projectName string, role Role) Task {
	return Task{ID: "projectRole:" + projectID + ":" + strconv.FormatInt(role.ID, 10), Phase: PhaseRead,
		Kind: KindProjectRole, ProjectID: projectID, ProjectKey: projectKey, ProjectName: projectName,
		RoleID: role.ID, RoleName: role.Name}
}

func expandGroupTask(entitlementID, groupID, afterAccount string) Task {
	return Task{ID: "expandGroup:" + entitlementID + ":" + groupID + ":" + afterAccount, Phase: PhaseExpand,
		Kind: KindExpandGroup, EntitlementID: entitlementID, GroupID: groupID, AfterAccount: afterAccount}
}

// actorsPerTask bounds the account ids one expandActors task carries, so a
// role with thousands of user actors stays far below DynamoDB's 400 KB item
// limit (an account id is at most 128 characters).
const actorsPerTask = 500

// expandActorsTasks splits a project role's user actors into tasks.
func expandActorsTasks(entitlementID string, accountIDs []string) []Task {
	var tasks []Task
	for i := 0; i < len(accountIDs); i += actorsPerTask {
		tasks = append(tasks, Task{
			ID:    fmt.Sprintf("expandActors:%s:%d", entitlementID, i/actorsPerTask),
			Phase: PhaseExpand, Kind: KindExpandActors, EntitlementID: entitlementID,
			AccountIDs: accountIDs[i:min(i+actorsPerTask, len(accountIDs))],
		})
	}
	return tasks
}

func diffTask(shard int) Task {
	return Task{ID: fmt.Sprintf("diff:%02d", shard), Phase: PhaseDiff, Kind: KindDiff, Shard: shard}
}

// Task item attributes.
const (
	attrTask       = "task"
	attrStatus     = "status"
	attrClaimUntil = "claimUntil" // epoch milliseconds
	attrClaimedBy  = "claimedBy"
	attrAttempts   = "attempts"
	attrResult     = "result"
	attrReason     = "reason"
	attrLastError  = "lastError"
)

// Task statuses.
const (
	taskPending = "pending"
	taskDone    = "done"
	taskFailed  = "failed"
)

// taskQueue stores a run's tasks. Tasks are spread over lanes by a hash of
// their id. A task is pending while its item has GSI1PK, so the sparse
// index lists the pending tasks of one phase and lane. The index is only
// eventually consistent, so it serves to find tasks to claim, never to decide
// that a phase is over: the run record keeps a strongly consistent count of
// each phase's outstanding tasks (attribute "pending_<phase>"), changed in
// the same transaction as the task items.
type taskQueue struct {
	table     *store.Table
	runID     string
	runKey    store.Item // the run record's key
	lanes     int
	expiresAt int64
}

func laneOf(taskID string, lanes int) int {
	h := fnv.New32a()
	h.Write([]byte(taskID))
	return int(h.Sum32() % uint32(lanes))
}

func (q *taskQueue) taskPK(lane int) string { return fmt.Sprintf("RUN#%s#TASKS#%02d", q.runID, lane) }

func (q *taskQueue) pendingPK(phase string, lane int) string {
	return fmt.Sprintf("RUN#%s#PENDING#%s#%02d", q.runID, phase, lane)
}

func (q *taskQueue) key(taskID string) store.Item {
	return store.Key(q.taskPK(laneOf(taskID, q.lanes)), "TASK#"+taskID)
}

// pendingAttr names the run record's count of a phase's outstanding tasks.
func pendingAttr(phase string) string { return "pending_" + phase }

// maxTransactItems is DynamoDB's limit of items in one TransactWriteItems.
const maxTransactItems = 100

// enqueue creates the tasks that do not exist yet, as pending, and adds
// them to their phases' outstanding counts in the same transaction. A task
// that exists already (a retried page enqueues its follow-ups again) is left
// as it is, done or not, so nothing runs twice and no count is off.
func (q *taskQueue) enqueue(ctx context.Context, tasks []Task) error {
	seen := make(map[string]bool, len(tasks))
	unique := make([]Task, 0, len(tasks))
	for _, t := range tasks {
		if !seen[t.ID] {
			seen[t.ID] = true
			unique = append(unique, t)
		}
	}
	for start := 0; start < len(unique); start += maxTransactItems - 1 {
		if err := q.create(ctx, unique[start:min(start+maxTransactItems-1, len(unique))]); err != nil {
			return err
		}
	}
	return nil
}

// create writes one chunk of new tasks with the count update. When some of
// them exist already, it drops those and tries again with the rest.
func (q *taskQueue) create(ctx context.Context, tasks []Task) error {
	for len(tasks) > 0 {
		items := make([]types.TransactWriteItem, 0, len(tasks)+1)
		counts := map[string]int{}
		for _, t := range tasks {
			item, err := q.taskItem(t)
			if err != nil {
				return err
			}
			items = append(items, types.TransactWriteItem{Put: &types.Put{
				TableName:           aws.String(q.table.Name),
				Item:                item,
				ConditionExpression: aws.String("attribute_not_exists(PK)"),
			}})
			counts[t.Phase]++
		}
		items = append(items, q.countUpdate(counts, 0))
		_, err := q.table.Client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
		if err == nil {
			return nil
		}
		existing, ok := conditionFailures(err, len(tasks))
		if !ok {
			return fmt.Errorf("enqueue %d tasks of run %s: %w", len(tasks), q.runID, err)
		}
		rest := tasks[:0:0]
		for i, t := range tasks {
			if !existing[i] {
				rest = append(rest, t)
			}
		}
		tasks = rest
	}
	return nil
}

func (q *taskQueue) taskItem(t Task) (store.Item, error) {
	body, err := json.Marshal(t)
	if err != nil {
		return nil, fmt.Errorf("encode task %s: %w", t.ID, err)
	}
	item := q.key(t.ID)
	item[attrTask] = store.S(string(body))
	item[attrStatus] = store.S(taskPending)
	item[store.AttrGSI1PK] = store.S(q.pendingPK(t.Phase, laneOf(t.ID, q.lanes)))
	item[store.AttrGSI1SK] = store.S(t.ID)
	item[store.AttrExpiresAt] = store.N(q.expiresAt)
	return item, nil
}

// countUpdate adds to the run record's outstanding counts (negative to
// subtract) and to its failed-task count.
func (q *taskQueue) countUpdate(counts map[string]int, failed int) types.TransactWriteItem {
	var parts []string
	names := map[string]string{}
	values := map[string]types.AttributeValue{}
	for phase, n := range counts {
		i := len(parts)
		parts = append(parts, fmt.Sprintf("#p%d :n%d", i, i))
		names[fmt.Sprintf("#p%d", i)] = pendingAttr(phase)
		values[fmt.Sprintf(":n%d", i)] = store.N(n)
	}
	if failed != 0 {
		parts = append(parts, "failedTasks :failed")
		values[":failed"] = store.N(failed)
	}
	return types.TransactWriteItem{Update: &types.Update{
		TableName:                 aws.String(q.table.Name),
		Key:                       q.runKey,
		UpdateExpression:          aws.String("ADD " + strings.Join(parts, ", ")),
		ConditionExpression:       aws.String("attribute_exists(PK)"),
		ExpressionAttributeNames:  nilIfEmpty(names),
		ExpressionAttributeValues: values,
	}}
}

func nilIfEmpty(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	return m
}

// conditionFailures reports which of the first n items of a cancelled
// transaction failed their condition. It returns false when the
// transaction failed for another reason, or when no task item did.
func conditionFailures(err error, n int) (map[int]bool, bool) {
	var cancelled *types.TransactionCanceledException
	if !errors.As(err, &cancelled) {
		return nil, false
	}
	failed := map[int]bool{}
	for i, reason := range cancelled.CancellationReasons {
		code := aws.ToString(reason.Code)
		switch {
		case code == "" || code == "None":
		case code == "ConditionalCheckFailed" && i < n:
			failed[i] = true
		default:
			return nil, false
		}
	}
	return failed, len(failed) > 0
}

// claimed is a task a worker holds a lease on.
type claimed struct {
	Task
	attempts  int
	lastError string // the error that made the previous attempt release the task
}

// claim takes the lease of one claimable pending task of the phase,
// preferring the given lane and then the others in order, or returns nil
// when the index lists none. The index may lag, so nil does not mean the
// phase is over: ask outstanding.
func (q *taskQueue) claim(ctx context.Context, phase string, lane int, worker string, lease time.Duration, now time.Time) (*claimed, error) {
	for i := range q.lanes {
		l := (lane + i) % q.lanes
		out, err := q.table.Client.Query(ctx, &dynamodb.QueryInput{
			TableName:                 aws.String(q.table.Name),
			IndexName:                 aws.String(store.GSI1),
			KeyConditionExpression:    aws.String("GSI1PK = :pk"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": store.S(q.pendingPK(phase, l))},
			Limit:                     aws.Int32(20),
		})
		if err != nil {
			return nil, fmt.Errorf("list pending tasks of lane %d of run %s: %w", l, q.runID, err)
		}
		for _, item := range out.Items {
			if until, ok := numberAttr(item, attrClaimUntil); ok && until > now.UnixMilli() {
				continue
			}
			c, err := q.tryClaim(ctx, item, worker, lease, now)
			if err != nil {
				return nil, err
			}
			if c != nil {
				return c, nil
			}
		}
	}
	return nil, nil
}

func (q *taskQueue) tryClaim(ctx context.Context, item store.Item, worker string, lease time.Duration, now time.Time) (*claimed, error) {
	out, err := q.table.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                aws.String(q.table.Name),
		Key:                      store.Key(stringAttr(item, store.AttrPK), stringAttr(item, store.AttrSK)),
		ConditionExpression:      aws.String("#status = :pending AND (attribute_not_exists(claimUntil) OR claimUntil < :now)"),
		UpdateExpression:         aws.String("SET claimUntil = :until, claimedBy = :worker ADD attempts :one"),
		ExpressionAttributeNames: map[string]string{"#status": attrStatus},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pending": store.S(taskPending),
			":now":     store.N(now.UnixMilli()),
			":until":   store.N(now.Add(lease).UnixMilli()),
			":worker":  store.S(worker),
			":one":     store.N(1),
		},
		ReturnValues: types.ReturnValueAllNew,
	})
	if store.IsConditionFailed(err) {
		return nil, nil // another worker took it, or it is done
	}
	if err != nil {
		return nil, fmt.Errorf("claim task %s: %w", stringAttr(item, store.AttrSK), err)
	}
	var c claimed
	if err := json.Unmarshal([]byte(stringAttr(out.Attributes, attrTask)), &c.Task); err != nil {
		return nil, fmt.Errorf("decode task %s: %w", stringAttr(item, store.AttrSK), err)
	}
	attempts, _ := numberAttr(out.Attributes, attrAttempts)
	c.attempts = int(attempts)
	c.lastError = stringAttr(out.Attributes, attrLastError)
	return &c, nil
}

// complete marks a pending task done with its result, removes it from the
// pending index and from its phase's outstanding count, in one transaction.
// A task that is no longer pending (another worker whose lease had expired
// finished it) is left as it is.
func (q *taskQueue) complete(ctx context.Context, t Task, result any) error {
	update := "SET #status = :done REMOVE GSI1PK, GSI1SK, claimUntil"
	names := map[string]string{"#status": attrStatus}
	values := map[string]types.AttributeValue{":done": store.S(taskDone), ":pending": store.S(taskPending)}
	if result != nil {
		body, err := json.Marshal(result)
		if err != nil {
			return fmt.Errorf("encode result of task %s: %w", t.ID, err)
		}
		update = "SET #status = :done, #result = :result REMOVE GSI1PK, GSI1SK, claimUntil"
		names["#result"] = attrResult
		values[":result"] = store.S(string(body))
	}
	return q.finishTask(ctx, t, update, names, values, 0)
}

// fail marks a pending task failed for good, out of the pending index and
// the outstanding count, and counts it on the run.
func (q *taskQueue) fail(ctx context.Context, t Task, reason string) error {
	return q.finishTask(ctx, t, "SET #status = :failed, #reason = :reason REMOVE GSI1PK, GSI1SK, claimUntil",
		map[string]string{"#status": attrStatus, "#reason": attrReason},
		map[string]types.AttributeValue{
			":failed": store.S(taskFailed), ":reason": store.S(reason), ":pending": store.S(taskPending),
		}, 1)
}

func (q *taskQueue) finishTask(ctx context.Context, t Task, update string, names map[string]string,
	values map[string]types.AttributeValue, failed int) error {
	_, err := q.table.Client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{
		TransactItems: []types.TransactWriteItem{
			{Update: &types.Update{
				TableName:                 aws.String(q.table.Name),
				Key:                       q.key(t.ID),
				UpdateExpression:          aws.String(update),
				ConditionExpression:       aws.String("#status = :pending"),
				ExpressionAttributeNames:  names,
				ExpressionAttributeValues: values,
			}},
			q.countUpdate(map[string]int{t.Phase: -1}, failed),
		},
	})
	if _, ok := conditionFailures(err, 1); ok {
		return nil // no longer pending: someone else finished it
	}
	if err != nil {
		return fmt.Errorf("record the end of task %s of run %s: %w", t.ID, q.runID, err)
	}
	return nil
}

// release gives up this worker's lease of a task that failed transiently,
// so any worker can take it again at once, and keeps the error for the
// message of a task that never succeeds.
func (q *taskQueue) release(ctx context.Context, taskID, worker, lastError string) error {
	_, err := q.table.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:           aws.String(q.table.Name),
		Key:                 q.key(taskID),
		UpdateExpression:    aws.String("SET lastError = :error REMOVE claimUntil"),
		ConditionExpression: aws.String("claimedBy = :worker"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":worker": store.S(worker), ":error": store.S(lastError),
		},
	})
	if err != nil && !store.IsConditionFailed(err) {
		return fmt.Errorf("release task %s: %w", taskID, err)
	}
	return nil
}

// outstanding returns a phase's count of tasks not yet done, read
// consistently from the run record.
func (q *taskQueue) outstanding(ctx context.Context, phase string) (int64, error) {
	out, err := q.table.Client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:                aws.String(q.table.Name),
		Key:                      q.runKey,
		ConsistentRead:           aws.Bool(true),
		ProjectionExpression:     aws.String("#p"),
		ExpressionAttributeNames: map[string]string{"#p": pendingAttr(phase)},
	})
	if err != nil {
		return 0, fmt.Errorf("read outstanding tasks of run %s: %w", q.runID, err)
	}
	n, _ := numberAttr(out.Item, pendingAttr(phase))
	return n, nil
}

// result reads the stored result of a done task into v.
func (q *taskQueue) result(ctx context.Context, taskID string, v any) error {
	out, err := q.table.Client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(q.table.Name),
		Key:            q.key(taskID),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return fmt.Errorf("read task %s: %w", taskID, err)
	}
	switch status := stringAttr(out.Item, attrStatus); status {
	case taskDone:
	case "":
		return &IncompleteSyncError{Message: fmt.Sprintf(
			"task %s of run %s was never created; the run publishes nothing, start a new sync", taskID, q.runID)}
	default:
		return &IncompleteSyncError{Message: fmt.Sprintf(
			"task %s of run %s is %s, not done; the run publishes nothing, start a new sync", taskID, q.runID, status)}
	}
	return json.Unmarshal([]byte(stringAttr(out.Item, attrResult)), v)
}

func stringAttr(item store.Item, name string) string {
	if v, ok := item[name].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}

func numberAttr(item store.Item, name string) (int64, bool) {
	v, ok := item[name].(*types.AttributeValueMemberN)
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(v.Value, 10, 64)
	return n, err == nil
}
