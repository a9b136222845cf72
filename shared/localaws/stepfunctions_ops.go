package localaws

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
)

type stepFunctionsOperation func(s *StepFunctions, ctx context.Context, body []byte) (any, error)

var stepFunctionsOperations = map[string]stepFunctionsOperation{
	"CreateStateMachine":   (*StepFunctions).createStateMachine,
	"DescribeStateMachine": (*StepFunctions).describeStateMachine,
	"ListStateMachines":    (*StepFunctions).listStateMachines,
	"DeleteStateMachine":   (*StepFunctions).deleteStateMachine,
	"StartExecution":       (*StepFunctions).startExecutionOperation,
	"DescribeExecution":    (*StepFunctions).describeExecution,
	"ListExecutions":       (*StepFunctions).listExecutions,
	"StopExecution":        (*StepFunctions).stopExecution,
	"GetExecutionHistory":  (*StepFunctions).getExecutionHistory,
}

// validName reports whether name is a valid state machine or execution name:
// 1 to 80 characters without white space, brackets, wildcards, the
// characters " # % \ ^ | ~ ` $ & , ; : / or control characters.
func validName(name string) bool {
	if name == "" || len([]rune(name)) > 80 {
		return false
	}
	for _, r := range name {
		if unicode.IsSpace(r) || unicode.IsControl(r) || strings.ContainsRune("<>{}[]?*\"#%\\^|~`$&,;:/", r) {
			return false
		}
	}
	return true
}

func checkARN(arn string) error {
	if !strings.HasPrefix(arn, "arn:") {
		return newSFNError("InvalidArn", "Invalid Arn: %q", arn)
	}
	return nil
}

func (s *StepFunctions) createStateMachine(ctx context.Context, body []byte) (any, error) {
	var request struct {
		Name       string `json:"name"`
		Definition string `json:"definition"`
		RoleARN    string `json:"roleArn"`
		Type       string `json:"type"`
	}
	if err := decodeSFNRequest(body, &request); err != nil {
		return nil, err
	}
	if !validName(request.Name) {
		return nil, newSFNError("InvalidName", "Invalid Name: %q", request.Name)
	}
	if request.Type != "" && request.Type != "STANDARD" {
		return nil, newSFNError("ValidationException", "state machine type %q is not supported by the local endpoint; use STANDARD", request.Type)
	}
	if err := validateDefinition(ctx, request.Definition); err != nil {
		if errors.Is(err, ErrInvalidDefinition) {
			return nil, newSFNError("InvalidDefinition", "Invalid State Machine Definition: %v", err)
		}
		return nil, err
	}
	if request.RoleARN == "" {
		request.RoleARN = defaultRoleARN
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	arn := StateMachineARN(request.Name)
	if existing, ok := s.machines[arn]; ok {
		// AWS returns the existing state machine for an identical request.
		if existing.definition != request.Definition || existing.roleARN != request.RoleARN {
			return nil, newSFNError("StateMachineAlreadyExists", "State Machine Already Exists: %q", arn)
		}
		return map[string]any{"stateMachineArn": arn, "creationDate": epochSeconds(existing.created)}, nil
	}
	machine := &stateMachine{arn: arn, name: request.Name, definition: request.Definition, roleARN: request.RoleARN}
	machine.created = time.Now()
	s.machines[arn] = machine
	return map[string]any{"stateMachineArn": arn, "creationDate": epochSeconds(machine.created)}, nil
}

func (s *StepFunctions) lookupMachine(arn string) (*stateMachine, error) {
	if err := checkARN(arn); err != nil {
		return nil, err
	}
	machine, ok := s.machines[arn]
	if !ok {
		return nil, newSFNError("StateMachineDoesNotExist", "State Machine Does Not Exist: %q", arn)
	}
	return machine, nil
}

func (s *StepFunctions) lookupExecution(arn string) (*execution, error) {
	if err := checkARN(arn); err != nil {
		return nil, err
	}
	e, ok := s.executions[arn]
	if !ok {
		return nil, newSFNError("ExecutionDoesNotExist", "Execution Does Not Exist: %q", arn)
	}
	return e, nil
}

func (s *StepFunctions) describeStateMachine(_ context.Context, body []byte) (any, error) {
	var request struct {
		StateMachineARN string `json:"stateMachineArn"`
	}
	if err := decodeSFNRequest(body, &request); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	machine, err := s.lookupMachine(request.StateMachineARN)
	if err != nil {
		return nil, err
	}
	return map[string]any{
		"stateMachineArn": machine.arn,
		"name":            machine.name,
		"status":          "ACTIVE",
		"definition":      machine.definition,
		"roleArn":         machine.roleARN,
		"type":            "STANDARD",
		"creationDate":    epochSeconds(machine.created),
	}, nil
}

func (s *StepFunctions) listStateMachines(_ context.Context, body []byte) (any, error) {
	var request struct {
		MaxResults int    `json:"maxResults"`
		NextToken  string `json:"nextToken"`
	}
	if err := decodeSFNRequest(body, &request); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	machines := make([]*stateMachine, 0, len(s.machines))
	for _, m := range s.machines {
		machines = append(machines, m)
	}
	slices.SortFunc(machines, func(a, b *stateMachine) int { return strings.Compare(a.name, b.name) })
	start, end, next, err := page(len(machines), request.MaxResults, request.NextToken)
	if err != nil {
		return nil, err
	}
	items := []map[string]any{}
	for _, m := range machines[start:end] {
		items = append(items, map[string]any{"stateMachineArn": m.arn, "name": m.name, "type": "STANDARD", "creationDate": epochSeconds(m.created)})
	}
	return withNextToken(map[string]any{"stateMachines": items}, next), nil
}

func (s *StepFunctions) deleteStateMachine(_ context.Context, body []byte) (any, error) {
	var request struct {
		StateMachineARN string `json:"stateMachineArn"`
	}
	if err := decodeSFNRequest(body, &request); err != nil {
		return nil, err
	}
	if err := checkARN(request.StateMachineARN); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	// Running executions continue, as on AWS.
	delete(s.machines, request.StateMachineARN)
	return struct{}{}, nil
}

func (s *StepFunctions) startExecutionOperation(_ context.Context, body []byte) (any, error) {
	var request struct {
		StateMachineARN string  `json:"stateMachineArn"`
		Name            string  `json:"name"`
		Input           *string `json:"input"`
	}
	if err := decodeSFNRequest(body, &request); err != nil {
		return nil, err
	}
	input := "{}"
	if request.Input != nil {
		input = *request.Input
	}
	if !json.Valid([]byte(input)) {
		return nil, newSFNError("InvalidExecutionInput", "Invalid execution input: %.200q is not valid JSON", input)
	}
	if len(input) > maxStatePayloadBytes {
		return nil, newSFNError("InvalidExecutionInput", "execution input is %d bytes; the maximum is %d", len(input), maxStatePayloadBytes)
	}
	if request.Name == "" {
		request.Name = newUUID()
	}
	if !validName(request.Name) {
		return nil, newSFNError("InvalidName", "Invalid Name: %q", request.Name)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, newSFNError("ServiceUnavailable", "the local Step Functions endpoint is closed")
	}
	machine, err := s.lookupMachine(request.StateMachineARN)
	if err != nil {
		return nil, err
	}
	arn := ExecutionARN(machine.name, request.Name)
	if existing, ok := s.executions[arn]; ok {
		// StartExecution is idempotent for a RUNNING execution with the same
		// input; otherwise the name is taken (for 90 days on AWS).
		existing.mu.Lock()
		running := existing.status == StatusRunning
		existing.mu.Unlock()
		if running && bytes.Equal(existing.input, []byte(input)) {
			return map[string]any{"executionArn": arn, "startDate": epochSeconds(existing.started)}, nil
		}
		return nil, newSFNError("ExecutionAlreadyExists", "Execution Already Exists: %q", arn)
	}
	e := s.startExecution(machine, request.Name, json.RawMessage(input))
	s.executions[arn] = e
	return map[string]any{"executionArn": arn, "startDate": epochSeconds(e.started)}, nil
}

// maxStatePayloadBytes is the Step Functions limit on execution input and
// state payloads (256 KiB).
const maxStatePayloadBytes = 256 * 1024

func (s *StepFunctions) describeExecution(_ context.Context, body []byte) (any, error) {
	var request struct {
		ExecutionARN string `json:"executionArn"`
	}
	if err := decodeSFNRequest(body, &request); err != nil {
		return nil, err
	}
	s.mu.Lock()
	e, err := s.lookupExecution(request.ExecutionARN)
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}

	e.mu.Lock()
	defer e.mu.Unlock()
	response := map[string]any{
		"executionArn":    e.arn,
		"stateMachineArn": e.machineARN,
		"name":            e.name,
		"status":          e.status,
		"startDate":       epochSeconds(e.started),
		"input":           string(e.input),
		"inputDetails":    map[string]bool{"included": true},
	}
	if e.status != StatusRunning {
		response["stopDate"] = epochSeconds(e.stopped)
	}
	if e.result.Output != nil {
		response["output"] = string(e.result.Output)
		response["outputDetails"] = map[string]bool{"included": true}
	}
	if e.result.Error != "" {
		response["error"] = e.result.Error
	}
	if e.result.Cause != "" {
		response["cause"] = e.result.Cause
	}
	return response, nil
}

func (s *StepFunctions) listExecutions(_ context.Context, body []byte) (any, error) {
	var request struct {
		StateMachineARN string `json:"stateMachineArn"`
		StatusFilter    string `json:"statusFilter"`
		MaxResults      int    `json:"maxResults"`
		NextToken       string `json:"nextToken"`
	}
	if err := decodeSFNRequest(body, &request); err != nil {
		return nil, err
	}
	s.mu.Lock()
	if _, err := s.lookupMachine(request.StateMachineARN); err != nil {
		s.mu.Unlock()
		return nil, err
	}
	var matched []map[string]any
	for _, e := range s.executions {
		if e.machineARN != request.StateMachineARN {
			continue
		}
		e.mu.Lock()
		item := map[string]any{"executionArn": e.arn, "stateMachineArn": e.machineARN, "name": e.name, "status": e.status, "startDate": epochSeconds(e.started)}
		if e.status != StatusRunning {
			item["stopDate"] = epochSeconds(e.stopped)
		}
		status := e.status
		e.mu.Unlock()
		if request.StatusFilter == "" || request.StatusFilter == status {
			matched = append(matched, item)
		}
	}
	s.mu.Unlock()

	// AWS lists the newest executions first.
	slices.SortFunc(matched, func(a, b map[string]any) int {
		return cmp.Or(cmp.Compare(b["startDate"].(float64), a["startDate"].(float64)), strings.Compare(a["name"].(string), b["name"].(string)))
	})
	start, end, next, err := page(len(matched), request.MaxResults, request.NextToken)
	if err != nil {
		return nil, err
	}
	return withNextToken(map[string]any{"executions": append([]map[string]any{}, matched[start:end]...)}, next), nil
}

func (s *StepFunctions) stopExecution(_ context.Context, body []byte) (any, error) {
	var request struct {
		ExecutionARN string `json:"executionArn"`
		Error        string `json:"error"`
		Cause        string `json:"cause"`
	}
	if err := decodeSFNRequest(body, &request); err != nil {
		return nil, err
	}
	s.mu.Lock()
	e, err := s.lookupExecution(request.ExecutionARN)
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	e.abort(request.Error, request.Cause)
	e.mu.Lock()
	defer e.mu.Unlock()
	return map[string]any{"stopDate": epochSeconds(e.stopped)}, nil
}

func (s *StepFunctions) getExecutionHistory(_ context.Context, body []byte) (any, error) {
	var request struct {
		ExecutionARN         string `json:"executionArn"`
		MaxResults           int    `json:"maxResults"`
		NextToken            string `json:"nextToken"`
		ReverseOrder         bool   `json:"reverseOrder"`
		IncludeExecutionData *bool  `json:"includeExecutionData"`
	}
	if err := decodeSFNRequest(body, &request); err != nil {
		return nil, err
	}
	s.mu.Lock()
	e, err := s.lookupExecution(request.ExecutionARN)
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}

	events := e.snapshot().Events
	if request.ReverseOrder {
		slices.Reverse(events)
	}
	start, end, next, err := page(len(events), request.MaxResults, request.NextToken)
	if err != nil {
		return nil, err
	}
	selected := make([]json.RawMessage, 0, end-start)
	for _, event := range events[start:end] {
		if request.IncludeExecutionData != nil && !*request.IncludeExecutionData {
			event = withoutExecutionData(event)
		}
		selected = append(selected, event)
	}
	return withNextToken(map[string]any{"events": selected}, next), nil
}

// withoutExecutionData removes the input and output of an event's details,
// for includeExecutionData false.
func withoutExecutionData(raw json.RawMessage) json.RawMessage {
	var event map[string]json.RawMessage
	if err := json.Unmarshal(raw, &event); err != nil {
		return raw
	}
	for field, value := range event {
		if !strings.HasSuffix(field, "EventDetails") {
			continue
		}
		var details map[string]json.RawMessage
		if json.Unmarshal(value, &details) != nil {
			continue
		}
		delete(details, "input")
		delete(details, "output")
		event[field], _ = json.Marshal(details)
	}
	encoded, err := json.Marshal(event)
	if err != nil {
		return raw
	}
	return encoded
}

// page selects one page of total items for maxResults (0 means 100, the
// maximum is 1000) and the nextToken of the previous page. The returned
// token is empty on the last page.
func page(total, maxResults int, nextToken string) (start, end int, next string, err error) {
	if maxResults < 0 || maxResults > 1000 {
		return 0, 0, "", newSFNError("ValidationException", "maxResults %d is invalid; it must be 0 to 1000", maxResults)
	}
	if maxResults == 0 {
		maxResults = 100
	}
	if nextToken != "" {
		start, err = strconv.Atoi(nextToken)
		if err != nil || start < 0 || start > total {
			return 0, 0, "", newSFNError("InvalidToken", "Invalid Token: %q; pass the nextToken of the previous response", nextToken)
		}
	}
	end = min(start+maxResults, total)
	if end < total {
		next = strconv.Itoa(end)
	}
	return start, end, next, nil
}

// withNextToken adds nextToken to a list response unless it is the last page.
func withNextToken(response map[string]any, next string) map[string]any {
	if next != "" {
		response["nextToken"] = next
	}
	return response
}
