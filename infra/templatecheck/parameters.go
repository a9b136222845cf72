package templatecheck

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
)

// overridePattern matches one Key="Value" pair of SAM CLI's
// parameter_overrides string, with \" and \\ escapes inside the quotes.
var overridePattern = regexp.MustCompile(`([A-Za-z0-9]+)="((?:[^"\\]|\\.)*)"`)

var (
	overrideEscape   = regexp.MustCompile(`\\(.)`)
	overrideLeftover = regexp.MustCompile(`\S+`)
)

// ParseParameterOverrides parses a samconfig.toml parameter_overrides string
// such as `Stage="dev" LogLevel="INFO"`.
func ParseParameterOverrides(s string) (map[string]string, error) {
	values := map[string]string{}
	rest := overridePattern.ReplaceAllStringFunc(s, func(pair string) string {
		m := overridePattern.FindStringSubmatch(pair)
		values[m[1]] = overrideEscape.ReplaceAllString(m[2], "$1")
		return ""
	})
	if extra := overrideLeftover.FindString(rest); extra != "" {
		return nil, fmt.Errorf("parameter_overrides has %q, which is not a Key=\"Value\" pair", extra)
	}
	return values, nil
}

// CheckParameterValues checks values for the template's parameters the way
// CloudFormation does before it creates a change set. Every name must be a
// parameter, and every parameter without a Default must have a value. Each
// value must meet its parameter's Type, AllowedValues, AllowedPattern,
// MinValue and MaxValue. source names where the values come from, for the
// messages.
//
// NOTE: CloudFormation evaluates AllowedPattern as a Java regular expression
// and this check uses Go's RE2. The two agree on the template's patterns,
// which use only classes, groups, anchors and repetition.
func CheckParameterValues(t *Template, source string, values map[string]string) []Problem {
	var problems []Problem
	report := func(path, format string, args ...any) {
		problems = append(problems, Problem{Check: "parameters", Where: t.Where(path), Message: source + ": " + fmt.Sprintf(format, args...)})
	}
	parameters := t.Section("Parameters")
	for _, name := range sortedKeys(toAny(values)) {
		if _, ok := parameters[name]; !ok {
			report("Parameters", "%s is not a parameter of the template", name)
		}
	}
	for _, name := range sortedKeys(parameters) {
		parameter, _ := parameters[name].(map[string]any)
		path := joinPath("Parameters", name)
		value, ok := values[name]
		if !ok {
			if _, hasDefault := parameter["Default"]; !hasDefault {
				report(path, "parameter %s has no Default and no value", name)
			}
			continue
		}
		for _, msg := range checkParameterValue(parameter, value) {
			report(path, "%s=%q: %s", name, value, msg)
		}
	}
	return problems
}

func checkParameterValue(parameter map[string]any, value string) []string {
	var msgs []string
	if allowed, ok := parameter["AllowedValues"].([]any); ok {
		if !slices.ContainsFunc(allowed, func(a any) bool { return fmt.Sprint(a) == value }) {
			msgs = append(msgs, fmt.Sprintf("not one of the AllowedValues %v", allowed))
		}
	}
	if pattern, ok := parameter["AllowedPattern"].(string); ok {
		// CloudFormation applies AllowedPattern to the whole value.
		re, err := regexp.Compile(`^(?:` + pattern + `)$`)
		switch {
		case err != nil:
			msgs = append(msgs, fmt.Sprintf("AllowedPattern %q does not compile: %v", pattern, err))
		case !re.MatchString(value):
			msgs = append(msgs, fmt.Sprintf("does not match the AllowedPattern %s", pattern))
		}
	}
	if parameter["Type"] != "Number" {
		return msgs
	}
	number, err := strconv.ParseFloat(value, 64)
	if err != nil {
		return append(msgs, "not a number")
	}
	if limit, ok := asFloat(parameter["MinValue"]); ok && number < limit {
		msgs = append(msgs, fmt.Sprintf("below the MinValue %v", limit))
	}
	if limit, ok := asFloat(parameter["MaxValue"]); ok && number > limit {
		msgs = append(msgs, fmt.Sprintf("above the MaxValue %v", limit))
	}
	return msgs
}

func asFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case int:
		return float64(x), true
	case float64:
		return x, true
	case string:
		f, err := strconv.ParseFloat(x, 64)
		return f, err == nil
	}
	return 0, false
}

func toAny(m map[string]string) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
