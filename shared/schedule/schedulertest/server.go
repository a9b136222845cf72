// Package schedulertest is an in-memory EventBridge Scheduler endpoint on
// 127.0.0.1 for tests. No local implementation of Scheduler exists, so this
// one speaks its REST-JSON protocol for CreateSchedule, UpdateSchedule,
// GetSchedule, DeleteSchedule and ListSchedules, and sends errors as AWS
// does (an X-Amzn-ErrorType header and a {"Message": ...} body), so the
// SDK's typed errors such as *types.ConflictException come back.
package schedulertest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"

	"github.com/idgov/atlassian-cloud-connector/shared/localaws"
)

// Schedule is a stored schedule in the wire shape of GetSchedule.
type Schedule struct {
	Arn                        string             `json:"Arn"`
	Name                       string             `json:"Name"`
	GroupName                  string             `json:"GroupName"`
	Description                string             `json:"Description,omitempty"`
	ScheduleExpression         string             `json:"ScheduleExpression"`
	ScheduleExpressionTimezone string             `json:"ScheduleExpressionTimezone,omitempty"`
	State                      string             `json:"State"`
	FlexibleTimeWindow         FlexibleTimeWindow `json:"FlexibleTimeWindow"`
	Target                     Target             `json:"Target"`
	ActionAfterCompletion      string             `json:"ActionAfterCompletion,omitempty"`
	CreationDate               float64            `json:"CreationDate"`
	LastModificationDate       float64            `json:"LastModificationDate"`
}

// FlexibleTimeWindow is a schedule's start window.
type FlexibleTimeWindow struct {
	Mode                   string `json:"Mode"`
	MaximumWindowInMinutes int    `json:"MaximumWindowInMinutes,omitempty"`
}

// Target is the resource a schedule invokes.
type Target struct {
	Arn         string       `json:"Arn"`
	RoleArn     string       `json:"RoleArn"`
	Input       string       `json:"Input,omitempty"`
	RetryPolicy *RetryPolicy `json:"RetryPolicy,omitempty"`
}

// RetryPolicy is a target's retry policy.
type RetryPolicy struct {
	MaximumEventAgeInSeconds int `json:"MaximumEventAgeInSeconds,omitempty"`
	MaximumRetryAttempts     int `json:"MaximumRetryAttempts"`
}

// Server is the endpoint. The zero value is not usable; call Start.
type Server struct {
	server *httptest.Server

	mu        sync.Mutex
	groups    map[string]bool
	schedules map[string]Schedule // by group + "/" + name
	failures  map[string][]failure
	calls     map[string]int
}

type failure struct {
	status int
	code   string
}

// Scheduler's rules for names (CreateSchedule API reference).
var (
	namePattern       = regexp.MustCompile(`^[0-9a-zA-Z-_.]{1,64}$`)
	expressionPattern = regexp.MustCompile(`^(rate|cron|at)\(.+\)$`)
)

// Start starts an endpoint with the schedule group "default" and the
// given groups.
func Start(groups ...string) *Server {
	s := &Server{groups: map[string]bool{"default": true}, schedules: map[string]Schedule{},
		failures: map[string][]failure{}, calls: map[string]int{}}
	for _, g := range groups {
		s.groups[g] = true
	}
	s.server = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	return s
}

// StartForTest starts an endpoint that is closed when the test ends.
func StartForTest(t testing.TB, groups ...string) *Server {
	s := Start(groups...)
	t.Cleanup(s.Close)
	return s
}

// URL returns the endpoint's base URL.
func (s *Server) URL() string { return s.server.URL }

// Close stops the endpoint.
func (s *Server) Close() { s.server.Close() }

// Client returns an SDK client for this endpoint with the dummy credentials.
func (s *Server) Client() *scheduler.Client {
	return scheduler.NewFromConfig(localaws.LocalConfig(), func(o *scheduler.Options) {
		o.BaseEndpoint = aws.String(s.URL())
	})
}

// Fail makes the next call of an operation (such as "CreateSchedule")
// fail with the given HTTP status and error code, such as 429 and
// "ThrottlingException".
func (s *Server) Fail(operation string, status int, code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures[operation] = append(s.failures[operation], failure{status: status, code: code})
}

// Schedule returns a stored schedule.
func (s *Server) Schedule(group, name string) (Schedule, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sch, ok := s.schedules[group+"/"+name]
	return sch, ok
}

// Schedules returns every stored schedule, sorted by group and name.
func (s *Server) Schedules() []Schedule {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Schedule, 0, len(s.schedules))
	for _, sch := range s.schedules {
		out = append(out, sch)
	}
	slices.SortFunc(out, func(a, b Schedule) int {
		return strings.Compare(a.GroupName+"/"+a.Name, b.GroupName+"/"+b.Name)
	})
	return out
}

// Calls returns how many requests of an operation arrived.
func (s *Server) Calls(operation string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[operation]
}

// apiError is an error response.
type apiError struct {
	status  int
	code    string
	message string
}

func errorf(status int, code, format string, args ...any) *apiError {
	return &apiError{status: status, code: code, message: fmt.Sprintf(format, args...)}
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	operation, name := route(r)
	if operation == "" {
		writeError(w, errorf(http.StatusNotFound, "UnknownOperationException", "no operation at %s %s", r.Method, r.URL.Path))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls[operation]++
	if queued := s.failures[operation]; len(queued) > 0 {
		s.failures[operation] = queued[1:]
		writeError(w, errorf(queued[0].status, queued[0].code, "injected failure of %s", operation))
		return
	}
	var (
		body any
		err  *apiError
	)
	switch operation {
	case "CreateSchedule", "UpdateSchedule":
		body, err = s.put(r, name, operation == "CreateSchedule")
	case "GetSchedule":
		body, err = s.get(r.URL.Query().Get("groupName"), name)
	case "DeleteSchedule":
		body, err = s.delete(r.URL.Query().Get("groupName"), name)
	case "ListSchedules":
		body, err = s.list(r.URL.Query())
	}
	if err != nil {
		writeError(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(body)
}

// route maps a request to its operation and the schedule name in its path.
func route(r *http.Request) (operation, name string) {
	if r.URL.Path == "/schedules" && r.Method == http.MethodGet {
		return "ListSchedules", ""
	}
	name, ok := strings.CutPrefix(r.URL.Path, "/schedules/")
	if !ok || name == "" || strings.Contains(name, "/") {
		return "", ""
	}
	switch r.Method {
	case http.MethodPost:
		return "CreateSchedule", name
	case http.MethodPut:
		return "UpdateSchedule", name
	case http.MethodGet:
		return "GetSchedule", name
	case http.MethodDelete:
		return "DeleteSchedule", name
	}
	return "", ""
}

func writeError(w http.ResponseWriter, e *apiError) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-ErrorType", e.code)
	w.WriteHeader(e.status)
	_ = json.NewEncoder(w).Encode(map[string]string{"Message": e.message})
}

func groupOrDefault(group string) string {
	if group == "" {
		return "default"
	}
	return group
}

func (s *Server) arn(group, name string) string {
	return fmt.Sprintf("arn:aws:scheduler:%s:%s:schedule/%s/%s", localaws.Region, localaws.AccountID, group, name)
}

func (s *Server) put(r *http.Request, name string, create bool) (any, *apiError) {
	var in Schedule
	decoder := json.NewDecoder(r.Body)
	if err := decoder.Decode(&in); err != nil {
		return nil, errorf(http.StatusBadRequest, "ValidationException", "request body is not valid: %v", err)
	}
	in.Name, in.GroupName = name, groupOrDefault(in.GroupName)
	if err := validate(in); err != nil {
		return nil, err
	}
	if !s.groups[in.GroupName] {
		return nil, errorf(http.StatusNotFound, "ResourceNotFoundException", "Schedule group %s does not exist.", in.GroupName)
	}
	key := in.GroupName + "/" + name
	existing, exists := s.schedules[key]
	now := float64(time.Now().UnixMilli()) / 1000
	switch {
	case create && exists:
		return nil, errorf(http.StatusConflict, "ConflictException", "Schedule %s already exists.", name)
	case !create && !exists:
		return nil, errorf(http.StatusNotFound, "ResourceNotFoundException", "Schedule %s does not exist.", name)
	case create:
		in.CreationDate = now
	default:
		in.CreationDate = existing.CreationDate
	}
	if in.State == "" {
		in.State = "ENABLED"
	}
	in.Arn, in.LastModificationDate = s.arn(in.GroupName, name), now
	s.schedules[key] = in
	return map[string]string{"ScheduleArn": in.Arn}, nil
}

func validate(in Schedule) *apiError {
	invalid := func(format string, args ...any) *apiError {
		return errorf(http.StatusBadRequest, "ValidationException", format, args...)
	}
	switch {
	case !namePattern.MatchString(in.Name):
		return invalid("Schedule name %q must be 1 to 64 characters of [0-9a-zA-Z-_.].", in.Name)
	case !namePattern.MatchString(in.GroupName):
		return invalid("Group name %q must be 1 to 64 characters of [0-9a-zA-Z-_.].", in.GroupName)
	case !expressionPattern.MatchString(in.ScheduleExpression):
		return invalid("Invalid Schedule Expression %q.", in.ScheduleExpression)
	case in.FlexibleTimeWindow.Mode != "OFF" && in.FlexibleTimeWindow.Mode != "FLEXIBLE":
		return invalid("FlexibleTimeWindow.Mode %q must be OFF or FLEXIBLE.", in.FlexibleTimeWindow.Mode)
	case in.FlexibleTimeWindow.Mode == "FLEXIBLE" && (in.FlexibleTimeWindow.MaximumWindowInMinutes < 1 || in.FlexibleTimeWindow.MaximumWindowInMinutes > 1440):
		return invalid("FlexibleTimeWindow.MaximumWindowInMinutes must be 1 to 1440 when Mode is FLEXIBLE.")
	case in.State != "" && in.State != "ENABLED" && in.State != "DISABLED":
		return invalid("State %q must be ENABLED or DISABLED.", in.State)
	case in.Target.Arn == "" || in.Target.RoleArn == "":
		return invalid("Target.Arn and Target.RoleArn are required.")
	}
	if in.ScheduleExpressionTimezone != "" {
		if _, err := time.LoadLocation(in.ScheduleExpressionTimezone); err != nil {
			return invalid("Invalid time zone %q.", in.ScheduleExpressionTimezone)
		}
	}
	return nil
}

func (s *Server) get(group, name string) (any, *apiError) {
	sch, ok := s.schedules[groupOrDefault(group)+"/"+name]
	if !ok {
		return nil, errorf(http.StatusNotFound, "ResourceNotFoundException", "Schedule %s does not exist.", name)
	}
	return sch, nil
}

func (s *Server) delete(group, name string) (any, *apiError) {
	key := groupOrDefault(group) + "/" + name
	if _, ok := s.schedules[key]; !ok {
		return nil, errorf(http.StatusNotFound, "ResourceNotFoundException", "Schedule %s does not exist.", name)
	}
	delete(s.schedules, key)
	return struct{}{}, nil
}

// summary is one entry of a ListSchedules response.
type summary struct {
	Arn                  string            `json:"Arn"`
	Name                 string            `json:"Name"`
	GroupName            string            `json:"GroupName"`
	State                string            `json:"State"`
	CreationDate         float64           `json:"CreationDate"`
	LastModificationDate float64           `json:"LastModificationDate"`
	Target               map[string]string `json:"Target"`
}

func (s *Server) list(q url.Values) (any, *apiError) {
	limit := 100
	if v := q.Get("MaxResults"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			return nil, errorf(http.StatusBadRequest, "ValidationException", "MaxResults %q must be 1 to 100.", v)
		}
		limit = n
	}
	start := 0
	if v := q.Get("NextToken"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return nil, errorf(http.StatusBadRequest, "ValidationException", "NextToken is invalid.")
		}
		start = n
	}
	var matched []summary
	keys := make([]string, 0, len(s.schedules))
	for k := range s.schedules {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		sch := s.schedules[k]
		if g := q.Get("ScheduleGroup"); g != "" && sch.GroupName != g {
			continue
		}
		if !strings.HasPrefix(sch.Name, q.Get("NamePrefix")) {
			continue
		}
		if st := q.Get("State"); st != "" && sch.State != st {
			continue
		}
		matched = append(matched, summary{Arn: sch.Arn, Name: sch.Name, GroupName: sch.GroupName, State: sch.State,
			CreationDate: sch.CreationDate, LastModificationDate: sch.LastModificationDate,
			Target: map[string]string{"Arn": sch.Target.Arn}})
	}
	out := struct {
		NextToken string    `json:"NextToken,omitempty"`
		Schedules []summary `json:"Schedules"`
	}{Schedules: []summary{}}
	if start < len(matched) {
		end := min(start+limit, len(matched))
		out.Schedules = matched[start:end]
		if end < len(matched) {
			out.NextToken = strconv.Itoa(end)
		}
	}
	return out, nil
}
