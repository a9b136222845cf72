package templatecheck

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/awslabs/goformation/v7/cloudformation"
	"github.com/awslabs/goformation/v7/intrinsics"
)

// samTypes are the AWS::Serverless resource types the SAM transform defines.
//
// NOTE: goformation v7.14.9's SAM schema predates properties this template
// uses (Function LoggingConfig, HttpApi AccessLogSettings), so SAM resources
// are checked by the other checks only and not decoded into goformation's
// types.
var samTypes = map[string]bool{
	"AWS::Serverless::Api":          true,
	"AWS::Serverless::Application":  true,
	"AWS::Serverless::Connector":    true,
	"AWS::Serverless::Function":     true,
	"AWS::Serverless::GraphQLApi":   true,
	"AWS::Serverless::HttpApi":      true,
	"AWS::Serverless::LayerVersion": true,
	"AWS::Serverless::SimpleTable":  true,
	"AWS::Serverless::StateMachine": true,
}

// CheckResourceSchemas decodes every CloudFormation resource into its
// goformation type, which rejects unknown resource types and unknown
// property names (such as a misspelt BillingMode) the way CloudFormation
// would at deploy time.
func CheckResourceSchemas(t *Template) []Problem {
	_, problems := typedResources(t)
	return problems
}

// typedResources decodes the template's CloudFormation (not SAM) resources
// into goformation types. Intrinsic functions are resolved as goformation
// does: a Ref of a parameter becomes its default, a Ref or GetAtt of a
// resource becomes null, and a Sub keeps its resolvable parts.
func typedResources(t *Template) (map[string]cloudformation.Resource, []Problem) {
	var problems []Problem
	report := func(id, format string, args ...any) {
		problems = append(problems, Problem{Check: "schema", Where: t.Where(joinPath("Resources", id)), Message: id + ": " + fmt.Sprintf(format, args...)})
	}
	raw, err := json.Marshal(t.Root)
	if err != nil {
		report("", "encode the template as JSON: %v", err)
		return nil, problems
	}
	processed, err := intrinsics.ProcessJSON(raw, nil)
	if err != nil {
		report("", "resolve intrinsic functions: %v", err)
		return nil, problems
	}
	var doc struct {
		Resources map[string]json.RawMessage
	}
	if err := json.Unmarshal(processed, &doc); err != nil {
		report("", "decode resources: %v", err)
		return nil, problems
	}
	typed := map[string]cloudformation.Resource{}
	for _, r := range t.Resources() {
		switch {
		case r.Type == "":
			report(r.ID, "resource has no Type")
		case strings.HasPrefix(r.Type, "AWS::Serverless::"):
			if !samTypes[r.Type] {
				report(r.ID, "%s is not a SAM resource type", r.Type)
			}
		case strings.HasPrefix(r.Type, "Custom::"):
		default:
			resource, known := cloudformation.AllResources()[r.Type]
			if !known {
				report(r.ID, "%s is not a CloudFormation resource type", r.Type)
				continue
			}
			if err := json.Unmarshal(doc.Resources[r.ID], resource); err != nil {
				report(r.ID, "%s does not match the CloudFormation schema: %v", r.Type, err)
				continue
			}
			typed[r.ID] = resource
		}
	}
	return typed, problems
}
