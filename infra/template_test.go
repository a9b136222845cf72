// Package infra holds the checks of the SAM template (template.yaml at the
// repository root) and of the state machine definition beside this file.
// SAM CLI and cfn-lint are not needed: the checks are in infra/templatecheck.
package infra

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/idgov/atlassian-cloud-connector/infra/templatecheck"
	"github.com/idgov/atlassian-cloud-connector/shared/localaws"
	"github.com/idgov/atlassian-cloud-connector/shared/oauth"
	"github.com/idgov/atlassian-cloud-connector/shared/store"
)

const (
	templatePath     = "../template.yaml"
	definitionPath   = "statemachine.asl.json"
	callbackFunction = "CallbackFunction"
)

// callbackPath is the route the callback handler serves.
const callbackPath = oauth.CallbackPathPrefix + "{uniqueIdentifier}"

// tableSchema is the key layout shared/store reads and writes.
var tableSchema = templatecheck.TableSchema{
	PartitionKey:      store.AttrPK,
	SortKey:           store.AttrSK,
	Index:             store.GSI1,
	IndexPartitionKey: store.AttrGSI1PK,
	IndexSortKey:      store.AttrGSI1SK,
	TTLAttribute:      store.AttrExpiresAt,
}

// checks are the static template checks by the name their problems carry.
var checks = map[string]func(*templatecheck.Template) []templatecheck.Problem{
	"functions":     templatecheck.CheckFunctions,
	"substitutions": templatecheck.CheckSubstitutions,
	"iam":           templatecheck.CheckIAM,
	"route": func(t *templatecheck.Template) []templatecheck.Problem {
		return templatecheck.CheckCallbackRoute(t, callbackFunction, callbackPath)
	},
	"table": func(t *templatecheck.Template) []templatecheck.Problem {
		return templatecheck.CheckTable(t, tableSchema)
	},
	"schema":     templatecheck.CheckResourceSchemas,
	"references": templatecheck.CheckReferences,
}

func loadTemplate(t *testing.T) *templatecheck.Template {
	t.Helper()
	tmpl, err := templatecheck.Load(templatePath)
	if err != nil {
		t.Fatal(err)
	}
	return tmpl
}

func TestTemplatePassesChecks(t *testing.T) {
	tmpl := loadTemplate(t)
	for name, check := range checks {
		t.Run(name, func(t *testing.T) {
			for _, problem := range check(tmpl) {
				t.Error(problem)
			}
		})
	}
}

// TestChecksReportTemplateFaults changes one thing in a copy of the template
// and expects the check for that kind of fault to report it.
func TestChecksReportTemplateFaults(t *testing.T) {
	original, err := os.ReadFile(templatePath)
	if err != nil {
		t.Fatal(err)
	}
	for _, fault := range templateFaults {
		t.Run(fault.name, func(t *testing.T) {
			tmpl := parseChanged(t, string(original), fault.edits...)
			problems := checks[fault.check](tmpl)
			if !reported(problems, fault.want) {
				t.Errorf("check %s did not report %q; it reported:\n%s", fault.check, fault.want, list(problems))
			}
		})
	}
}

// TestFunctionsBuildForLambda runs each function's Makefile target as sam
// build does and inspects the executable it leaves.
func TestFunctionsBuildForLambda(t *testing.T) {
	if testing.Short() {
		t.Skip("builds every function; skipped with -short")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	tmpl := loadTemplate(t)
	for _, problem := range templatecheck.BuildFunctions(ctx, tmpl, t.TempDir()) {
		t.Error(problem)
	}
}

// TestBuildReportsWrongCodeFolder points CallbackFunction's CodeUri at
// another function's folder, which also contains a main.go, so that only the
// build check can tell.
func TestBuildReportsWrongCodeFolder(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a function; skipped with -short")
	}
	original, err := os.ReadFile(templatePath)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := parseChanged(t, string(original), edit{"CodeUri: functions/callback", "CodeUri: functions/worker"})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	problems := templatecheck.BuildFunctions(ctx, tmpl, t.TempDir())
	if want := "not from CodeUri's package"; !reported(problems, want) {
		t.Errorf("build check did not report %q; it reported:\n%s", want, list(problems))
	}
}

func TestStateMachineDefinitionValid(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := localaws.ValidateASL(ctx, definitionPath); err != nil {
		t.Fatal(err)
	}
}

func TestValidateASLReportsBrokenDefinition(t *testing.T) {
	definition, err := os.ReadFile(definitionPath)
	if err != nil {
		t.Fatal(err)
	}
	old := `"Next": "Plan"`
	if strings.Count(string(definition), old) != 1 {
		t.Fatalf("%s must contain %s exactly once for this test", definitionPath, old)
	}
	broken := filepath.Join(t.TempDir(), "broken.asl.json")
	changed := strings.Replace(string(definition), old, `"Next": "NoSuchState"`, 1)
	if err := os.WriteFile(broken, []byte(changed), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err = localaws.ValidateASL(ctx, broken)
	if !errors.Is(err, localaws.ErrInvalidDefinition) {
		t.Errorf("ValidateASL(definition with a Next to a missing state) = %v, want an error wrapping ErrInvalidDefinition", err)
	}
}

// edit replaces the text Old of the template with New.
type edit struct{ Old, New string }

// parseChanged parses the template text with the edits applied, as if it
// were template.yaml, so that relative paths still resolve. Each edit's Old
// must occur exactly once, so that a fault never silently changes nothing.
func parseChanged(t *testing.T, text string, edits ...edit) *templatecheck.Template {
	t.Helper()
	for _, e := range edits {
		if n := strings.Count(text, e.Old); n != 1 {
			t.Fatalf("template contains %q %d times, want exactly once", e.Old, n)
		}
		text = strings.Replace(text, e.Old, e.New, 1)
	}
	tmpl, err := templatecheck.Parse(templatePath, []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return tmpl
}

func reported(problems []templatecheck.Problem, want string) bool {
	for _, p := range problems {
		if strings.Contains(p.Message, want) {
			return true
		}
	}
	return false
}

func list(problems []templatecheck.Problem) string {
	if len(problems) == 0 {
		return "  (nothing)"
	}
	lines := make([]string, len(problems))
	for i, p := range problems {
		lines[i] = "  " + p.String()
	}
	return strings.Join(lines, "\n")
}
