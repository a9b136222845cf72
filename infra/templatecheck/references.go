package templatecheck

import (
	"fmt"
	"slices"
	"strings"
)

// CheckReferences checks that every Ref, Fn::GetAtt, Fn::Sub variable,
// DependsOn and Condition names something the template defines (or that the
// SAM transform generates), and that no resources depend on each other in a
// cycle, which CloudFormation rejects before it creates anything.
func CheckReferences(t *Template) []Problem {
	var problems []Problem
	report := func(path, format string, args ...any) {
		problems = append(problems, Problem{Check: "references", Where: t.Where(path), Message: fmt.Sprintf(format, args...)})
	}
	resources := t.Resources()
	parameters := t.Section("Parameters")
	conditions := t.Section("Conditions")
	generated := samGeneratedIDs(resources)
	isResource := func(id string) bool { _, ok := resources[id]; return ok || generated[id] }

	var refs []reference
	for _, section := range []string{"Globals", "Conditions", "Outputs"} {
		refs = append(refs, collectReferences(t.Root[section], section)...)
	}
	for _, id := range sortedResourceIDs(resources) {
		r := resources[id]
		refs = append(refs, collectReferences(r.Properties, joinPath("Resources", id, "Properties"))...)
		if name, ok := r.Node["Condition"].(string); ok {
			refs = append(refs, reference{Name: name, Kind: "Condition", Path: joinPath("Resources", id, "Condition")})
		}
		for _, dep := range stringList(r.Node["DependsOn"]) {
			if !isResource(dep) {
				report(joinPath("Resources", id, "DependsOn"), "%s DependsOn %s, which is not a resource of this template", id, dep)
			}
		}
	}
	for _, ref := range refs {
		switch {
		case ref.Kind == "Condition":
			if _, ok := conditions[ref.Name]; !ok {
				report(ref.Path, "condition %s is not defined in Conditions", ref.Name)
			}
		case ref.Kind == "Fn::GetAtt" || ref.Attr != "":
			if !isResource(ref.Name) {
				report(ref.Path, "%s.%s names no resource of this template", ref.Name, ref.Attr)
			}
		case !isResource(ref.Name) && parameters[ref.Name] == nil && !pseudoParameters[ref.Name]:
			report(ref.Path, "%s %s names no resource, parameter or pseudo parameter", ref.Kind, ref.Name)
		}
	}
	if cycle := findCycle(dependencyGraph(t, resources)); cycle != nil {
		report(joinPath("Resources", cycle[0]), "resources depend on each other in a cycle, which CloudFormation rejects: %s", strings.Join(cycle, " → "))
	}
	return problems
}

// samGeneratedIDs returns logical ids the SAM transform adds, which the
// template may refer to.
func samGeneratedIDs(resources map[string]Resource) map[string]bool {
	out := map[string]bool{}
	for id, r := range resources {
		switch r.Type {
		case FunctionType, StateMachineType:
			if _, ok := r.Properties["Role"]; !ok {
				out[id+"Role"] = true
			}
			events, _ := r.Properties["Events"].(map[string]any)
			for _, e := range events {
				event, _ := e.(map[string]any)
				props, _ := event["Properties"].(map[string]any)
				if event["Type"] == "HttpApi" && props["ApiId"] == nil {
					out["ServerlessHttpApi"] = true
				}
			}
		case HTTPAPIType:
			out[id+"ApiGatewayDefaultStage"] = true
		}
	}
	return out
}

// dependencyGraph returns, for each resource, the resources it refers to:
// through its properties, DependsOn, the Globals that apply to it, and for
// an API, the functions whose events attach routes to it.
func dependencyGraph(t *Template, resources map[string]Resource) map[string][]string {
	graph := map[string][]string{}
	add := func(from, to string) {
		if _, ok := resources[to]; ok && !slices.Contains(graph[from], to) {
			graph[from] = append(graph[from], to)
		}
	}
	globalFunctionRefs := collectReferences(t.Section("Globals")["Function"], "Globals/Function")
	for id, r := range resources {
		for name, value := range r.Properties {
			// SAM turns Events into resources of their own (permissions,
			// routes), which depend on the function, not the other way.
			if name == "Events" && (r.Type == FunctionType || r.Type == StateMachineType) {
				continue
			}
			for _, ref := range collectReferences(value, "") {
				add(id, ref.Name)
			}
		}
		for _, dep := range stringList(r.Node["DependsOn"]) {
			add(id, dep)
		}
		if r.Type != FunctionType {
			continue
		}
		for _, ref := range globalFunctionRefs {
			add(id, ref.Name)
		}
		events, _ := r.Properties["Events"].(map[string]any)
		for _, e := range events {
			event, _ := e.(map[string]any)
			props, _ := event["Properties"].(map[string]any)
			if api := refTarget(props["ApiId"]); api != "" {
				add(api, id)
			}
		}
	}
	for id := range graph {
		slices.Sort(graph[id])
	}
	return graph
}

// findCycle returns one dependency cycle as a path that starts and ends with
// the same id, or nil.
func findCycle(graph map[string][]string) []string {
	const (
		unvisited = iota
		inProgress
		done
	)
	state := map[string]int{}
	var stack []string
	var visit func(id string) []string
	visit = func(id string) []string {
		state[id] = inProgress
		stack = append(stack, id)
		for _, next := range graph[id] {
			switch state[next] {
			case inProgress:
				start := slices.Index(stack, next)
				return append(slices.Clone(stack[start:]), next)
			case unvisited:
				if cycle := visit(next); cycle != nil {
					return cycle
				}
			}
		}
		stack = stack[:len(stack)-1]
		state[id] = done
		return nil
	}
	ids := make([]string, 0, len(graph))
	for id := range graph {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		if state[id] == unvisited {
			if cycle := visit(id); cycle != nil {
				return cycle
			}
		}
	}
	return nil
}

func sortedResourceIDs(resources map[string]Resource) []string {
	ids := make([]string, 0, len(resources))
	for id := range resources {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}
