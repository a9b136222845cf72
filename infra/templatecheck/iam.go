package templatecheck

import (
	"fmt"
	"slices"
	"strings"
)

// SecretPrefixParameter is the template parameter that starts the name of
// every connection secret.
const SecretPrefixParameter = "SecretPrefix"

// SecretPrefixARN is the only ARN form, besides this stack's own secrets, that
// a statement may grant Secrets Manager actions on: the secrets whose names
// start with the SecretPrefix parameter and a slash.
const SecretPrefixARN = "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:${" + SecretPrefixParameter + "}/"

// StarActions are the actions a statement may grant on Resource "*", each
// with the reason. AWS's service authorization reference lists no resource
// type for them, so "*" is the narrowest resource that works.
var StarActions = map[string]string{
	"xray:PutTraceSegments":              "X-Ray has no resource-level permissions for trace data",
	"xray:PutTelemetryRecords":           "X-Ray has no resource-level permissions for trace data",
	"xray:GetSamplingRules":              "X-Ray sampling actions have no resource type",
	"xray:GetSamplingTargets":            "X-Ray sampling actions have no resource type",
	"cloudwatch:PutMetricData":           "CloudWatch metrics have no ARN; a cloudwatch:namespace condition narrows it",
	"logs:CreateLogDelivery":             "CloudWatch Logs delivery actions used by Step Functions logging support only \"*\"",
	"logs:GetLogDelivery":                "CloudWatch Logs delivery actions used by Step Functions logging support only \"*\"",
	"logs:UpdateLogDelivery":             "CloudWatch Logs delivery actions used by Step Functions logging support only \"*\"",
	"logs:DeleteLogDelivery":             "CloudWatch Logs delivery actions used by Step Functions logging support only \"*\"",
	"logs:ListLogDeliveries":             "CloudWatch Logs delivery actions used by Step Functions logging support only \"*\"",
	"logs:PutResourcePolicy":             "CloudWatch Logs resource policies are account-wide",
	"logs:DescribeResourcePolicies":      "CloudWatch Logs resource policies are account-wide",
	"logs:DescribeLogGroups":             "DescribeLogGroups lists log groups across the account",
	"xray:GetSamplingStatisticSummaries": "X-Ray sampling actions have no resource type",
	"scheduler:ListSchedules":            "EventBridge Scheduler authorizes ListSchedules only on \"*\"; the GroupName filter narrows the result",
}

// starConditions are the condition keys a "*" statement with the action must
// set.
var starConditions = map[string]string{
	"cloudwatch:PutMetricData": "cloudwatch:namespace",
}

// refReturnsARN lists the resource types whose Ref is their ARN; the Ref of
// other types (a table, a function, a log group, a queue) is a name or URL.
var refReturnsARN = map[string]bool{
	"AWS::SecretsManager::Secret":      true,
	"AWS::Serverless::StateMachine":    true,
	"AWS::StepFunctions::StateMachine": true,
	"AWS::SNS::Topic":                  true,
	"AWS::IAM::ManagedPolicy":          true,
}

// CheckIAM checks every Allow statement of the template's IAM roles and
// policies and of its functions' and state machines' SAM Policies. Actions
// must have no wildcards. Every resource must be an ARN of this stack's
// resources (!GetAtt X.Arn, an ARN-valued !Ref, or a !Sub naming a
// resource), a secret under SecretPrefixARN, or "*" for StarActions only with
// a YAML comment beside it that explains why. Managed policies and SAM policy
// templates are rejected, because their statements are not in the template.
func CheckIAM(t *Template) []Problem {
	c := &iamChecker{t: t, resources: t.Resources(), parameters: t.Section("Parameters")}
	ids := make([]string, 0, len(c.resources))
	for id := range c.resources {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		r := c.resources[id]
		base := joinPath("Resources", id, "Properties")
		switch r.Type {
		case "AWS::IAM::Role":
			if _, ok := r.Properties["ManagedPolicyArns"]; ok {
				c.report(joinPath(base, "ManagedPolicyArns"), "%s: ManagedPolicyArns attaches statements this template does not show: write them as inline Policies", id)
			}
			policies, _ := r.Properties["Policies"].([]any)
			for i, p := range policies {
				policy, _ := p.(map[string]any)
				c.checkDocument(id, joinPath(base, "Policies", i, "PolicyDocument"), policy["PolicyDocument"])
			}
		case "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::RolePolicy":
			c.checkDocument(id, joinPath(base, "PolicyDocument"), r.Properties["PolicyDocument"])
		case FunctionType, StateMachineType:
			c.checkSAMPolicies(r, base)
		}
	}
	return c.problems
}

type iamChecker struct {
	t          *Template
	resources  map[string]Resource
	parameters map[string]any
	problems   []Problem
}

func (c *iamChecker) report(path, format string, args ...any) {
	c.problems = append(c.problems, Problem{Check: "iam", Where: c.t.Where(path), Message: fmt.Sprintf(format, args...)})
}

// checkSAMPolicies checks a SAM function's or state machine's Role or
// Policies.
func (c *iamChecker) checkSAMPolicies(r Resource, base string) {
	role, hasRole := r.Properties["Role"]
	policies, hasPolicies := r.Properties["Policies"]
	switch {
	case hasRole && hasPolicies:
		c.report(base, "%s: SAM accepts Role or Policies, not both", r.ID)
	case hasRole:
		name, arg, _ := intrinsic(role)
		id, attr, ok := getAtt(arg)
		if name != "Fn::GetAtt" || !ok || attr != "Arn" || c.resources[id].Type != "AWS::IAM::Role" {
			c.report(joinPath(base, "Role"), "%s: Role must be !GetAtt <Role>.Arn of an AWS::IAM::Role in this template, so that its statements can be checked", r.ID)
		}
	case hasPolicies:
		list, isList := policies.([]any)
		if !isList {
			list = []any{policies}
		}
		for i, p := range list {
			path := joinPath(base, "Policies", i)
			switch doc := p.(type) {
			case string:
				c.report(path, "%s: managed policy %s attaches statements this template does not show: write them inline", r.ID, doc)
			case map[string]any:
				if _, ok := doc["Statement"]; ok {
					c.checkDocument(r.ID, path, doc)
					continue
				}
				for name := range doc {
					c.report(path, "%s: SAM policy template %s expands to statements this check cannot see: write the statements inline", r.ID, name)
				}
			}
		}
	default:
		c.report(base, "%s: has neither Role nor Policies, so SAM would create a role with AWS managed policies whose statements use Resource \"*\": set Role to a role of this template", r.ID)
	}
}

// checkDocument checks the Allow statements of one policy document. Deny
// statements only take permissions away, so any resource is fine there.
func (c *iamChecker) checkDocument(owner, path string, document any) {
	doc, _ := document.(map[string]any)
	if doc["Statement"] == nil {
		c.report(path, "%s: policy document has no Statement", owner)
		return
	}
	statements, isList := doc["Statement"].([]any)
	statementPath := func(i int) string { return joinPath(path, "Statement", i) }
	if !isList {
		statements = []any{doc["Statement"]}
		statementPath = func(int) string { return joinPath(path, "Statement") }
	}
	for i, s := range statements {
		statement, _ := s.(map[string]any)
		if statement["Effect"] != "Allow" {
			continue
		}
		c.checkStatement(owner, statementPath(i), statement)
	}
}

func (c *iamChecker) checkStatement(owner, path string, statement map[string]any) {
	for _, key := range []string{"NotAction", "NotResource"} {
		if _, ok := statement[key]; ok {
			c.report(joinPath(path, key), "%s: an Allow statement with %s grants everything it does not list: use Action and Resource", owner, key)
		}
	}
	actions := stringList(statement["Action"])
	if len(actions) == 0 {
		c.report(joinPath(path, "Action"), "%s: statement has no Action", owner)
	}
	for _, action := range actions {
		service, name, ok := strings.Cut(action, ":")
		if !ok || service == "" || name == "" || strings.ContainsAny(action, "*?") {
			c.report(joinPath(path, "Action"), "%s: action %q is not one service:Action: name each action the code calls, without wildcards", owner, action)
		}
	}
	resources, isList := statement["Resource"].([]any)
	resourcePath := func(i int) string { return joinPath(path, "Resource", i) }
	if !isList {
		resources = []any{statement["Resource"]}
		resourcePath = func(int) string { return joinPath(path, "Resource") }
	}
	if statement["Resource"] == nil {
		c.report(path, "%s: statement has no Resource", owner)
		return
	}
	for i, resource := range resources {
		if resource == "*" {
			c.checkStar(owner, path, resourcePath(i), actions, statement)
			continue
		}
		if msg := c.checkResource(resource, actions); msg != "" {
			c.report(resourcePath(i), "%s: %s", owner, msg)
		}
	}
}

// checkStar checks a Resource "*": every action must be a StarAction with
// its required condition, and a comment beside it must explain why.
func (c *iamChecker) checkStar(owner, statementPath, resourcePath string, actions []string, statement map[string]any) {
	var narrowable []string
	for _, action := range actions {
		if _, ok := StarActions[action]; !ok {
			narrowable = append(narrowable, action)
			continue
		}
		if key, ok := starConditions[action]; ok && !hasConditionKey(statement["Condition"], key) {
			c.report(joinPath(statementPath, "Condition"), "%s: %s on Resource \"*\" needs a %s condition", owner, action, key)
		}
	}
	if len(narrowable) > 0 {
		c.report(resourcePath, "%s: Resource \"*\" grants %s, which AWS lets a policy narrow to resources: name this stack's resources instead", owner, strings.Join(narrowable, ", "))
	}
	if c.t.Comment(resourcePath) == "" && c.t.Comment(joinPath(statementPath, "Resource")) == "" {
		c.report(resourcePath, "%s: Resource \"*\" has no comment: say beside it why AWS offers no narrower resource", owner)
	}
}

// checkResource returns "" when a non-"*" resource is an ARN of this stack or
// a secret under the prefix, or what is wrong with it.
func (c *iamChecker) checkResource(resource any, actions []string) string {
	secretActions := slices.ContainsFunc(actions, func(a string) bool { return strings.HasPrefix(a, "secretsmanager:") })
	name, arg, ok := intrinsic(resource)
	if !ok {
		return fmt.Sprintf("resource %v is a literal: build it from this stack's resources with !GetAtt, !Ref or !Sub", resource)
	}
	switch name {
	case "Ref":
		id, _ := arg.(string)
		r, isResource := c.resources[id]
		switch {
		case !isResource && c.parameters[id] != nil:
			return fmt.Sprintf("!Ref %s is a parameter, which can hold any ARN: name this stack's resources", id)
		case !isResource:
			return fmt.Sprintf("!Ref %s names no resource of this template", id)
		case !refReturnsARN[r.Type]:
			return fmt.Sprintf("!Ref %s returns the %s's name, not its ARN: use !GetAtt %s.Arn", id, r.Type, id)
		case secretActions && r.Type != "AWS::SecretsManager::Secret":
			return fmt.Sprintf("Secrets Manager actions on %s (%s): they may name only this stack's secrets or %s*", id, r.Type, SecretPrefixARN)
		}
		return ""
	case "Fn::GetAtt":
		id, attr, _ := getAtt(arg)
		if _, isResource := c.resources[id]; !isResource {
			return fmt.Sprintf("!GetAtt %s.%s names no resource of this template", id, attr)
		}
		if !strings.HasSuffix(attr, "Arn") {
			return fmt.Sprintf("!GetAtt %s.%s is not an ARN attribute: use %s.Arn", id, attr, id)
		}
		if secretActions {
			return fmt.Sprintf("Secrets Manager actions on !GetAtt %s.%s: they may name only this stack's secrets (!Ref) or %s*", id, attr, SecretPrefixARN)
		}
		return ""
	case "Fn::Sub":
		return c.checkSubResource(arg, secretActions)
	}
	return fmt.Sprintf("resource built with %s cannot be checked: use !GetAtt, !Ref or !Sub", name)
}

func (c *iamChecker) checkSubResource(arg any, secretActions bool) string {
	s, locals, ok := subArgument(arg)
	if !ok || locals != nil {
		return "use the one-string form of !Sub for a resource, so its variables can be checked"
	}

	underPrefix := strings.HasPrefix(s, SecretPrefixARN)
	namesResource := false
	for _, variable := range subVariables(s) {
		id, _, _ := strings.Cut(variable, ".")
		switch {
		case pseudoParameters[variable]:
		case c.resources[id].Type != "":
			namesResource = true
		case variable == SecretPrefixParameter && underPrefix:
		case c.parameters[variable] != nil:
			return fmt.Sprintf("!Sub %s uses parameter ${%s}, which can hold anything: name this stack's resources", s, variable)
		default:
			return fmt.Sprintf("!Sub %s uses ${%s}, which names nothing in this template", s, variable)
		}
	}

	// Variables such as ${AWS::Region} contain colons, so they are masked
	// before the ARN is split into partition, service, region and account.
	masked := subVariablePattern.ReplaceAllString(s, "VAR")
	if parts := strings.SplitN(masked, ":", 6); len(parts) == 6 && (strings.Contains(parts[3], "*") || strings.Contains(parts[4], "*")) {
		return fmt.Sprintf("!Sub %s has a wildcard region or account: use ${AWS::Region} and ${AWS::AccountId}", s)
	}

	if secretActions && !underPrefix {
		return fmt.Sprintf("!Sub %s is outside the secret prefix: Secrets Manager actions may name only %s* or this stack's secrets", s, SecretPrefixARN)
	}
	if !namesResource && !underPrefix {
		return fmt.Sprintf("!Sub %s names no resource of this stack: include its ${LogicalId} or ${LogicalId.Attribute}", s)
	}
	return ""
}

// hasConditionKey reports whether a statement's Condition block tests key.
func hasConditionKey(condition any, key string) bool {
	operators, _ := condition.(map[string]any)
	for _, tests := range operators {
		if m, ok := tests.(map[string]any); ok {
			if _, ok := m[key]; ok {
				return true
			}
		}
	}
	return false
}

// stringList returns a string or a list of strings as a list; other values
// become their printed form, so that a check can name them.
func stringList(v any) []string {
	switch x := v.(type) {
	case nil:
		return nil
	case string:
		return []string{x}
	case []any:
		out := make([]string, 0, len(x))
		for _, item := range x {
			out = append(out, fmt.Sprint(item))
		}
		return out
	}
	return []string{fmt.Sprint(v)}
}
