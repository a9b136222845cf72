package syncrun

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"strconv"
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

func expandActorsTask(entitlementID string, accountIDs []string) Task {
	return Task{ID: "expandActors:" + entitlementID, Phase: PhaseExpand, Kind: KindExpandActors,
		EntitlementID: entitlementID, AccountIDs: accountIDs}
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
)

// Task statuses.
const (
	taskPending = "pending"
	taskDone    = "done"
	taskFailed  = "failed"
)

// taskQueue stores a run's tasks. Tasks are spread over lanes by a hash of
// their id; a task is pending while its item carries GSI1PK, so the sparse
// index lists exactly the pending tasks of one phase and lane.
type taskQueue struct {
	table     *store.Table
	runID     string
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

// enqueue writes tasks as pending. Writing a task again resets it to
// pending, which at worst repeats an idempotent page.
func (q *taskQueue) enqueue(ctx context.Context, tasks []Task) error {
	items := make([]store.Item, 0, len(tasks))
	for _, t := range tasks {
		body, err := json.Marshal(t)
		if err != nil {
			return fmt.Errorf("encode task %s: %w", t.ID, err)
		}
		lane := laneOf(t.ID, q.lanes)
		item := q.key(t.ID)
		item[attrTask] = store.S(string(body))
		item[attrStatus] = store.S(taskPending)
		item[store.AttrGSI1PK] = store.S(q.pendingPK(t.Phase, lane))
		item[store.AttrGSI1SK] = store.S(t.ID)
		item[store.AttrExpiresAt] = store.N(q.expiresAt)
		items = append(items, item)
	}
	return q.table.BatchPut(ctx, items)
}

// claimed is a task a worker holds a lease on.
type claimed struct {
	Task
	attempts int
}

// claim takes the lease of one claimable pending task of the phase,
// preferring the given lane and then the others in order. It reports
// whether any task of the phase is still pending (claimable or leased).
func (q *taskQueue) claim(ctx context.Context, phase string, lane int, worker string, lease time.Duration, now time.Time) (*claimed, bool, error) {
	anyPending := false
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
			return nil, false, fmt.Errorf("list pending tasks of lane %d: %w", l, err)
		}
		for _, item := range out.Items {
			anyPending = true
			if until, ok := numberAttr(item, attrClaimUntil); ok && until > now.UnixMilli() {
				continue
			}
			c, err := q.tryClaim(ctx, item, worker, lease, now)
			if err != nil {
				return nil, true, err
			}
			if c != nil {
				return c, true, nil
			}
		}
	}
	return nil, anyPending, nil
}

func (q *taskQueue) tryClaim(ctx context.Context, item store.Item, worker string, lease time.Duration, now time.Time) (*claimed, error) {
	out, err := q.table.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:           aws.String(q.table.Name),
		Key:                 store.Key(stringAttr(item, store.AttrPK), stringAttr(item, store.AttrSK)),
		ConditionExpression: aws.String("attribute_exists(GSI1PK) AND (attribute_not_exists(claimUntil) OR claimUntil < :now)"),
		UpdateExpression:    aws.String("SET claimUntil = :until, claimedBy = :worker ADD attempts :one"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":now":    store.N(now.UnixMilli()),
			":until":  store.N(now.Add(lease).UnixMilli()),
			":worker": store.S(worker),
			":one":    store.N(1),
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
	return &c, nil
}

// complete marks a task done, storing its result, and removes it from the
// pending index.
func (q *taskQueue) complete(ctx context.Context, taskID string, result any) error {
	values := map[string]types.AttributeValue{":done": store.S(taskDone)}
	update := "SET #status = :done REMOVE GSI1PK, GSI1SK, claimUntil"
	if result != nil {
		body, err := json.Marshal(result)
		if err != nil {
			return fmt.Errorf("encode result of task %s: %w", taskID, err)
		}
		values[":result"] = store.S(string(body))
		update = "SET #status = :done, #result = :result REMOVE GSI1PK, GSI1SK, claimUntil"
	}
	names := map[string]string{"#status": attrStatus}
	if result != nil {
		names["#result"] = attrResult
	}
	_, err := q.table.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(q.table.Name),
		Key:                       q.key(taskID),
		UpdateExpression:          aws.String(update),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
	})
	if err != nil {
		return fmt.Errorf("mark task %s done: %w", taskID, err)
	}
	return nil
}

// release gives up the lease of a task that failed transiently, so any
// worker can take it again at once.
func (q *taskQueue) release(ctx context.Context, taskID string) error {
	_, err := q.table.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:        aws.String(q.table.Name),
		Key:              q.key(taskID),
		UpdateExpression: aws.String("REMOVE claimUntil"),
	})
	if err != nil {
		return fmt.Errorf("release task %s: %w", taskID, err)
	}
	return nil
}

// fail marks a task failed for good and removes it from the pending index.
func (q *taskQueue) fail(ctx context.Context, taskID, reason string) error {
	_, err := q.table.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(q.table.Name),
		Key:                       q.key(taskID),
		UpdateExpression:          aws.String("SET #status = :failed, #reason = :reason REMOVE GSI1PK, GSI1SK, claimUntil"),
		ExpressionAttributeNames:  map[string]string{"#status": attrStatus, "#reason": attrReason},
		ExpressionAttributeValues: map[string]types.AttributeValue{":failed": store.S(taskFailed), ":reason": store.S(reason)},
	})
	if err != nil {
		return fmt.Errorf("mark task %s failed: %w", taskID, err)
	}
	return nil
}

// pendingCount counts the pending tasks of a phase, up to limit per lane.
func (q *taskQueue) pendingCount(ctx context.Context, phase string) (int, error) {
	total := 0
	for lane := range q.lanes {
		out, err := q.table.Client.Query(ctx, &dynamodb.QueryInput{
			TableName:                 aws.String(q.table.Name),
			IndexName:                 aws.String(store.GSI1),
			KeyConditionExpression:    aws.String("GSI1PK = :pk"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": store.S(q.pendingPK(phase, lane))},
			Select:                    types.SelectCount,
		})
		if err != nil {
			return 0, fmt.Errorf("count pending tasks of lane %d: %w", lane, err)
		}
		total += int(out.Count)
	}
	return total, nil
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
	if stringAttr(out.Item, attrStatus) != taskDone {
		return &IncompleteSyncError{Message: fmt.Sprintf("task %s of run %s is not done (status %q)", taskID, q.runID, stringAttr(out.Item, attrStatus))}
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
