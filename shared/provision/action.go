package provision

import (
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/idgov/atlassian-cloud-connector/shared/connection"
)

// Operation names, as the on-demand interface spells them.
const (
	OpAddGroupMember         = "addGroupMember"
	OpRemoveGroupMember      = "removeGroupMember"
	OpAddProjectRoleActor    = "addProjectRoleActor"
	OpRemoveProjectRoleActor = "removeProjectRoleActor"
	OpCreateUser             = "createUser"
	OpRemoveUser             = "removeUser"
	OpCreateGroup            = "createGroup"
	OpDeleteGroup            = "deleteGroup"
)

// Operations lists every provisioning operation.
var Operations = []string{
	OpAddGroupMember, OpRemoveGroupMember, OpAddProjectRoleActor, OpRemoveProjectRoleActor,
	OpCreateUser, OpRemoveUser, OpCreateGroup, OpDeleteGroup,
}

// Limits on caller-supplied values.
const (
	MaxRequestIDLength = 128
	MaxActorLength     = 256
	// MaxGroupNameLength is Jira's limit on group names.
	MaxGroupNameLength = 255
	maxIDLength        = 128
)

// Action is the Jira change of one request. The JSON names are the request
// fields of the on-demand interface, and fields an operation does not use
// stay empty.
type Action struct {
	Operation      string `json:"operation"`
	GroupID        string `json:"groupId,omitempty"`
	AccountID      string `json:"accountId,omitempty"`
	ProjectIDOrKey string `json:"projectIdOrKey,omitempty"`
	RoleID         int64  `json:"roleId,omitempty"`
	EmailAddress   string `json:"emailAddress,omitempty"`
	// Products are application role keys such as jira-software. createUser
	// requires the field, and an empty list creates a user without product
	// access; nil means the field was left out.
	Products  []string `json:"products,omitzero"`
	GroupName string   `json:"groupName,omitempty"`
}

// Request is one provisioning request of a connection.
type Request struct {
	Key connection.Key
	// RequestID is chosen by the caller. A request with the ID of a
	// completed one returns that one's result without acting again.
	RequestID string
	// Actor names who asked for the change, for the action log.
	Actor  string
	Action Action
}

var (
	requestIDPattern  = regexp.MustCompile(`^[A-Za-z0-9._:-]+$`)
	projectKeyPattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)
	projectIDPattern  = regexp.MustCompile(`^[0-9]+$`)
)

// fieldsOf lists the action fields each operation takes.
var fieldsOf = map[string][]string{
	OpAddGroupMember:         {"groupId", "accountId"},
	OpRemoveGroupMember:      {"groupId", "accountId"},
	OpAddProjectRoleActor:    {"projectIdOrKey", "roleId", "accountId", "groupId"},
	OpRemoveProjectRoleActor: {"projectIdOrKey", "roleId", "accountId", "groupId"},
	OpCreateUser:             {"emailAddress", "products"},
	OpRemoveUser:             {"accountId"},
	OpCreateGroup:            {"groupName"},
	OpDeleteGroup:            {"groupId"},
}

// Validate checks the request's form: the request ID, the actor, and the
// fields of its operation, without calling Jira.
func (r *Request) Validate() *Error {
	switch {
	case r.RequestID == "":
		return newError(CodeMissingField, "requestId", "requestId is missing: set it to an ID unique to this change, such as a UUID, and send the same ID when repeating the request")
	case len(r.RequestID) > MaxRequestIDLength || !requestIDPattern.MatchString(r.RequestID):
		return newError(CodeInvalidField, "requestId", "requestId %q is invalid: use 1 to %d letters, digits, '.', '_', ':' or '-', such as a UUID",
			clip(r.RequestID), MaxRequestIDLength)
	case strings.TrimSpace(r.Actor) == "":
		return newError(CodeMissingField, "actor", "actor is missing: set it to who requested the change, such as the platform user's id")
	case len(r.Actor) > MaxActorLength || !utf8.ValidString(r.Actor) || strings.ContainsFunc(r.Actor, unicode.IsControl):
		return newError(CodeInvalidField, "actor", "actor is invalid: use up to %d bytes of UTF-8 text without control characters", MaxActorLength)
	}
	return r.Action.Validate()
}

// Validate checks that the action has the fields of its operation, in a
// valid form, and no others.
func (a *Action) Validate() *Error {
	allowed, known := fieldsOf[a.Operation]
	if !known {
		return newError(CodeInvalidField, "operation", "operation %q is not a provisioning operation: use one of %s",
			clip(a.Operation), strings.Join(Operations, ", "))
	}
	for _, field := range a.setFields() {
		if !slices.Contains(allowed, field) {
			return newError(CodeInvalidField, field, "%s is not a field of %s: remove it", field, a.Operation)
		}
	}
	switch a.Operation {
	case OpAddGroupMember, OpRemoveGroupMember:
		return firstError(checkID("groupId", a.GroupID), checkID("accountId", a.AccountID))
	case OpAddProjectRoleActor, OpRemoveProjectRoleActor:
		return a.validateRoleActor()
	case OpCreateUser:
		return firstError(checkEmail(a.EmailAddress), checkProducts(a.Products))
	case OpRemoveUser:
		return checkID("accountId", a.AccountID)
	case OpCreateGroup:
		return checkGroupName(a.GroupName)
	case OpDeleteGroup:
		return checkID("groupId", a.GroupID)
	}
	return nil
}

// setFields returns the JSON names of the fields that are set.
func (a *Action) setFields() []string {
	all := []struct {
		name string
		set  bool
	}{
		{"groupId", a.GroupID != ""}, {"accountId", a.AccountID != ""}, {"projectIdOrKey", a.ProjectIDOrKey != ""},
		{"roleId", a.RoleID != 0}, {"emailAddress", a.EmailAddress != ""}, {"products", a.Products != nil},
		{"groupName", a.GroupName != ""},
	}
	var names []string
	for _, f := range all {
		if f.set {
			names = append(names, f.name)
		}
	}
	return names
}

func (a *Action) validateRoleActor() *Error {
	switch {
	case a.ProjectIDOrKey == "":
		return newError(CodeMissingField, "projectIdOrKey", "projectIdOrKey is missing: set it to the project's id (such as 10042) or key (such as OPS)")
	case len(a.ProjectIDOrKey) > maxIDLength ||
		!projectIDPattern.MatchString(a.ProjectIDOrKey) && !projectKeyPattern.MatchString(a.ProjectIDOrKey):
		return newError(CodeInvalidField, "projectIdOrKey", "projectIdOrKey %q is neither a project id (digits) nor a project key (a letter, then letters, digits or '_')",
			clip(a.ProjectIDOrKey))
	case a.RoleID == 0:
		return newError(CodeMissingField, "roleId", "roleId is missing: set it to a project role id from GET /rest/api/3/role, such as 10002")
	case a.RoleID < 0:
		return newError(CodeInvalidField, "roleId", "roleId %d is invalid: project role ids are positive", a.RoleID)
	case a.AccountID == "" && a.GroupID == "":
		return newError(CodeMissingField, "accountId", "the actor is missing: set accountId for a user actor or groupId for a group actor")
	case a.AccountID != "" && a.GroupID != "":
		return newError(CodeInvalidField, "groupId", "both accountId and groupId are set: send one actor per request")
	case a.AccountID != "":
		return checkID("accountId", a.AccountID)
	}
	return checkID("groupId", a.GroupID)
}

// checkID checks an account or group id. Ids must not contain '#', which
// separates the parts of snapshot sort keys, or white space.
func checkID(field, value string) *Error {
	if value == "" {
		return newError(CodeMissingField, field, "%s is missing", field)
	}
	if len(value) > maxIDLength || strings.ContainsFunc(value, func(r rune) bool { return r == '#' || unicode.IsSpace(r) || unicode.IsControl(r) }) {
		return newError(CodeInvalidField, field, "%s %q is not a Jira id: send the id as Jira returns it, without '#' or white space", field, clip(value))
	}
	return nil
}

func checkEmail(email string) *Error {
	if email == "" {
		return newError(CodeMissingField, "emailAddress", "emailAddress is missing: set it to the new user's email address")
	}
	parsed, err := mail.ParseAddress(email)
	if err != nil || parsed.Address != email || parsed.Name != "" || !strings.Contains(email[strings.LastIndex(email, "@")+1:], ".") {
		return newError(CodeInvalidField, "emailAddress", "emailAddress %q is not a valid email address: send a bare address such as ana.lima@example.com", clip(email))
	}
	return nil
}

func checkProducts(products []string) *Error {
	if products == nil {
		return newError(CodeMissingField, "products", "products is missing: Jira requires it, so list application role keys such as jira-software, or send [] for no product access")
	}
	for i, p := range products {
		if strings.TrimSpace(p) == "" {
			return newError(CodeInvalidField, "products", "products[%d] is empty: use an application role key such as jira-software", i)
		}
		if slices.Contains(products[:i], p) {
			return newError(CodeInvalidField, "products", "product %q is listed twice: list each once", clip(p))
		}
	}
	return nil
}

func checkGroupName(name string) *Error {
	switch {
	case strings.TrimSpace(name) == "":
		return newError(CodeMissingField, "groupName", "groupName is missing: set it to the new group's name")
	case len(name) > MaxGroupNameLength || !utf8.ValidString(name) || strings.ContainsFunc(name, unicode.IsControl):
		return newError(CodeInvalidField, "groupName", "groupName is invalid: use up to %d bytes of text without control characters", MaxGroupNameLength)
	case name != strings.TrimSpace(name):
		return newError(CodeInvalidField, "groupName", "groupName %q starts or ends with white space: remove it", clip(name))
	}
	return nil
}

func firstError(errs ...*Error) *Error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// clip shortens a value echoed in a message.
func clip(s string) string {
	const maxLength = 80
	if len(s) <= maxLength {
		return s
	}
	return strings.ToValidUTF8(s[:maxLength], "") + "…"
}
