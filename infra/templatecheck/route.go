package templatecheck

import (
	"fmt"
	"slices"
	"strings"
)

// HTTPAPIType is the SAM HTTP API resource type.
const HTTPAPIType = "AWS::Serverless::HttpApi"

// CheckCallbackRoute checks that the function functionID serves GET
// wantPath through an HttpApi event with payload format 2.0 on an
// AWS::Serverless::HttpApi of this template, that the API throttles the
// route and writes access logs, that RouteSettings name only that route, and
// that every output with a {uniqueIdentifier} URL ends in wantPath.
func CheckCallbackRoute(t *Template, functionID, wantPath string) []Problem {
	var problems []Problem
	report := func(path, format string, args ...any) {
		problems = append(problems, Problem{Check: "route", Where: t.Where(path), Message: fmt.Sprintf(format, args...)})
	}
	resources := t.Resources()
	fn, ok := resources[functionID]
	if !ok || fn.Type != FunctionType {
		report("Resources", "the template has no %s %s", FunctionType, functionID)
		return problems
	}
	events, _ := fn.Properties["Events"].(map[string]any)
	found := false
	for _, name := range sortedKeys(events) {
		event, _ := events[name].(map[string]any)
		if event["Type"] != "HttpApi" {
			continue
		}
		found = true
		path := joinPath("Resources", functionID, "Properties", "Events", name, "Properties")
		props, _ := event["Properties"].(map[string]any)
		if got := props["Path"]; got != wantPath {
			report(joinPath(path, "Path"), "%s event %s has Path %v: the callback code serves %s", functionID, name, display(got), wantPath)
		}
		if method, _ := props["Method"].(string); !strings.EqualFold(method, "GET") {
			report(joinPath(path, "Method"), "%s event %s has Method %v: the callback accepts GET only", functionID, name, display(props["Method"]))
		}
		if version, ok := props["PayloadFormatVersion"]; ok && version != "2.0" {
			report(joinPath(path, "PayloadFormatVersion"), "%s event %s has PayloadFormatVersion %v: the handler decodes payload format 2.0", functionID, name, version)
		}
		apiID := refTarget(props["ApiId"])
		if resources[apiID].Type != HTTPAPIType {
			report(joinPath(path, "ApiId"), "%s event %s must set ApiId to !Ref of an %s of this template, which sets its access logs and throttling", functionID, name, HTTPAPIType)
			continue
		}
		checkCallbackAPI(t, resources[apiID], props, wantPath, report)
	}
	if !found {
		report(joinPath("Resources", functionID, "Properties", "Events"), "%s has no HttpApi event for %s", functionID, wantPath)
	}
	checkCallbackOutputs(t, wantPath, report)
	return problems
}

func checkCallbackAPI(t *Template, api Resource, event map[string]any, wantPath string, report func(path, format string, args ...any)) {
	base := joinPath("Resources", api.ID, "Properties")
	logs, _ := api.Properties["AccessLogSettings"].(map[string]any)
	if logs["DestinationArn"] == nil || logs["Format"] == nil {
		report(joinPath(base, "AccessLogSettings"), "%s needs AccessLogSettings with DestinationArn and Format", api.ID)
	}
	routeKey := "GET " + wantPath
	routeSettings, _ := api.Properties["RouteSettings"].(map[string]any)
	for _, key := range sortedKeys(routeSettings) {
		if key != routeKey {
			report(joinPath(base, "RouteSettings", key), "%s RouteSettings key %q matches no route: the route is %q", api.ID, key, routeKey)
		}
	}
	throttled := false
	for _, settings := range []any{event["RouteSettings"], routeSettings[routeKey], api.Properties["DefaultRouteSettings"]} {
		m, _ := settings.(map[string]any)
		if m["ThrottlingBurstLimit"] != nil && m["ThrottlingRateLimit"] != nil {
			throttled = true
		}
	}
	if !throttled {
		report(base, "%s does not throttle %s: set ThrottlingBurstLimit and ThrottlingRateLimit in the event's RouteSettings or the API's", api.ID, routeKey)
	}
}

// checkCallbackOutputs checks that outputs with a {uniqueIdentifier} URL
// end in wantPath, and that at least one such output exists.
func checkCallbackOutputs(t *Template, wantPath string, report func(path, format string, args ...any)) {
	outputs := t.Section("Outputs")
	found := false
	for _, name := range sortedKeys(outputs) {
		output, _ := outputs[name].(map[string]any)
		value := outputText(output["Value"])
		if !strings.Contains(value, "{uniqueIdentifier}") {
			continue
		}
		found = true
		if !strings.HasSuffix(value, wantPath) {
			report(joinPath("Outputs", name, "Value"), "output %s is %s, which does not end in the callback path %s", name, value, wantPath)
		}
	}
	if !found {
		report("Outputs", "no output gives the callback URL: add one ending in %s", wantPath)
	}
}

// outputText returns an output value's string, or its Fn::Sub string.
func outputText(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	if name, arg, ok := intrinsic(v); ok && name == "Fn::Sub" {
		s, _, _ := subArgument(arg)
		return s
	}
	return ""
}

// refTarget returns the logical id of a {"Ref": id}, or "".
func refTarget(v any) string {
	name, arg, ok := intrinsic(v)
	if !ok || name != "Ref" {
		return ""
	}
	id, _ := arg.(string)
	return id
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
