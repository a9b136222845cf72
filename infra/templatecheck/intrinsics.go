package templatecheck

import (
	"regexp"
	"strings"
)

// pseudoParameters are CloudFormation's predefined parameters.
var pseudoParameters = map[string]bool{
	"AWS::AccountId":        true,
	"AWS::NotificationARNs": true,
	"AWS::NoValue":          true,
	"AWS::Partition":        true,
	"AWS::Region":           true,
	"AWS::StackId":          true,
	"AWS::StackName":        true,
	"AWS::URLSuffix":        true,
}

// intrinsic returns the function name and argument of a long-form intrinsic
// function such as {"Ref": "Table"}.
func intrinsic(v any) (name string, arg any, ok bool) {
	m, isMap := v.(map[string]any)
	if !isMap || len(m) != 1 {
		return "", nil, false
	}
	for k, a := range m {
		if k == "Ref" || k == "Condition" || strings.HasPrefix(k, "Fn::") {
			return k, a, true
		}
	}
	return "", nil, false
}

// getAtt returns the logical id and attribute of a Fn::GetAtt argument.
func getAtt(arg any) (id, attr string, ok bool) {
	switch a := arg.(type) {
	case []any:
		if len(a) != 2 {
			return "", "", false
		}
		id, ok1 := a[0].(string)
		attr, ok2 := a[1].(string)
		return id, attr, ok1 && ok2
	case string:
		return strings.Cut(a, ".")
	}
	return "", "", false
}

// subVariablePattern matches ${Name} and ${Name.Attr}, but not the ${!Literal}
// escape.
var subVariablePattern = regexp.MustCompile(`\$\{([^!}][^}]*)\}`)

// subVariables returns the variables a Fn::Sub string names, in order.
func subVariables(s string) []string {
	var out []string
	for _, m := range subVariablePattern.FindAllStringSubmatch(s, -1) {
		out = append(out, strings.TrimSpace(m[1]))
	}
	return out
}

// subArgument splits a Fn::Sub argument into its string and its map of
// local variables (nil for the one-string form).
func subArgument(arg any) (string, map[string]any, bool) {
	switch a := arg.(type) {
	case string:
		return a, nil, true
	case []any:
		if len(a) != 2 {
			return "", nil, false
		}
		s, ok := a[0].(string)
		vars, _ := a[1].(map[string]any)
		return s, vars, ok
	}
	return "", nil, false
}

// reference is one name an intrinsic function refers to.
type reference struct {
	Name string // logical id, parameter or pseudo parameter
	Attr string // attribute for Fn::GetAtt or ${Name.Attr}; "" for Ref
	Kind string // "Ref", "Fn::GetAtt", "Fn::Sub" or "Condition"
	Path string // node path of the intrinsic function
}

// collectReferences walks v and returns every Ref, Fn::GetAtt, Fn::Sub
// variable and Condition name in it. Fn::Sub's local variables are not
// references.
func collectReferences(v any, path string) []reference {
	var out []reference
	var walk func(v any, path string)
	walk = func(v any, path string) {
		if name, arg, ok := intrinsic(v); ok {
			switch name {
			case "Ref":
				if s, ok := arg.(string); ok {
					out = append(out, reference{Name: s, Kind: name, Path: path})
				}
				return
			case "Condition":
				if s, ok := arg.(string); ok {
					out = append(out, reference{Name: s, Kind: name, Path: path})
				}
				return
			case "Fn::GetAtt":
				if id, attr, ok := getAtt(arg); ok {
					out = append(out, reference{Name: id, Attr: attr, Kind: name, Path: path})
				}
				return
			case "Fn::Sub":
				s, locals, ok := subArgument(arg)
				if !ok {
					return
				}
				for _, variable := range subVariables(s) {
					if _, local := locals[variable]; local {
						continue
					}
					id, attr, _ := strings.Cut(variable, ".")
					if pseudoParameters[variable] {
						id, attr = variable, ""
					}
					out = append(out, reference{Name: id, Attr: attr, Kind: name, Path: path})
				}
				for k, local := range locals {
					walk(local, joinPath(path, "Fn::Sub", 1, k))
				}
				return
			}
		}
		switch x := v.(type) {
		case map[string]any:
			for k, child := range x {
				walk(child, joinPath(path, k))
			}
		case []any:
			for i, child := range x {
				walk(child, joinPath(path, i))
			}
		}
	}
	walk(v, path)
	return out
}
