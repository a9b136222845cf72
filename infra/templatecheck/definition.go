package templatecheck

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// StateMachineType is the SAM state machine resource type.
const StateMachineType = "AWS::Serverless::StateMachine"

// placeholderPattern matches the ${Name} placeholders that CloudFormation
// replaces with DefinitionSubstitutions. JSONPath's "$$." and "$." never
// match it.
var placeholderPattern = regexp.MustCompile(`\$\{([^}]*)\}`)

// CheckSubstitutions checks every AWS::Serverless::StateMachine whose
// DefinitionUri is a local file: the file is JSON, and each ${Name}
// placeholder in it has a DefinitionSubstitutions entry and each entry has a
// placeholder.
func CheckSubstitutions(t *Template) []Problem {
	machines := t.ResourcesOfType(StateMachineType)
	if len(machines) == 0 {
		return []Problem{{Check: "substitutions", Where: t.Where("Resources"), Message: "the template defines no " + StateMachineType}}
	}
	var problems []Problem
	for _, sm := range machines {
		report := func(field, format string, args ...any) {
			problems = append(problems, Problem{
				Check:   "substitutions",
				Where:   t.Where(joinPath("Resources", sm.ID, "Properties", field)),
				Message: sm.ID + ": " + fmt.Sprintf(format, args...),
			})
		}
		uri, ok := sm.Properties["DefinitionUri"].(string)
		if !ok || strings.HasPrefix(uri, "s3://") {
			report("DefinitionUri", "DefinitionUri must be the path of the definition file relative to the template, such as infra/statemachine.asl.json")
			continue
		}
		file := filepath.Join(t.Dir, filepath.FromSlash(uri))
		data, err := os.ReadFile(file)
		if err != nil {
			report("DefinitionUri", "read definition %s: %v", file, err)
			continue
		}
		if !json.Valid(data) {
			report("DefinitionUri", "definition %s is not valid JSON", file)
			continue
		}
		used := placeholders(data)
		substitutions, _ := sm.Properties["DefinitionSubstitutions"].(map[string]any)
		for _, name := range used {
			if _, ok := substitutions[name]; !ok {
				report("DefinitionSubstitutions", "definition %s uses ${%s}, which has no DefinitionSubstitutions entry: add one", file, name)
			}
		}
		var unused []string
		for name := range substitutions {
			if !slices.Contains(used, name) {
				unused = append(unused, name)
			}
		}
		slices.Sort(unused)
		for _, name := range unused {
			report(joinPath("DefinitionSubstitutions", name), "DefinitionSubstitutions entry %s is not used by definition %s: remove it or use ${%s} there", name, file, name)
		}
	}
	return problems
}

// placeholders returns the distinct ${Name} names in a definition, sorted.
func placeholders(definition []byte) []string {
	var names []string
	for _, m := range placeholderPattern.FindAllSubmatch(definition, -1) {
		name := string(m[1])
		if !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}
