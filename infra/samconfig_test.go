package infra

import (
	"slices"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"

	"github.com/idgov/atlassian-cloud-connector/infra/templatecheck"
)

const samconfigPath = "../samconfig.toml"

// samconfigEnv is the part of one samconfig.toml environment (default,
// prod, ...) that sam deploy reads.
type samconfigEnv struct {
	Global struct {
		Parameters struct {
			StackName string `toml:"stack_name"`
		}
	}
	Deploy struct {
		Parameters struct {
			Capabilities       string `toml:"capabilities"`
			ResolveS3          bool   `toml:"resolve_s3"`
			S3Bucket           string `toml:"s3_bucket"`
			ParameterOverrides string `toml:"parameter_overrides"`
		}
	}
}

// loadSamconfig returns samconfig.toml's environments by name.
func loadSamconfig(t *testing.T) map[string]samconfigEnv {
	t.Helper()
	var top map[string]toml.Primitive
	meta, err := toml.DecodeFile(samconfigPath, &top)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := top["version"]; !ok {
		t.Errorf("%s has no version key, which SAM CLI requires", samconfigPath)
	}
	envs := map[string]samconfigEnv{}
	for name, primitive := range top {
		if name == "version" {
			continue
		}
		var env samconfigEnv
		if err := meta.PrimitiveDecode(primitive, &env); err != nil {
			t.Fatalf("%s [%s]: %v", samconfigPath, name, err)
		}
		envs[name] = env
	}
	return envs
}

func TestSamconfigDeploysTemplate(t *testing.T) {
	tmpl := loadTemplate(t)
	config := loadSamconfig(t)
	if _, ok := config["default"]; !ok {
		t.Fatalf("%s has no default environment", samconfigPath)
	}
	for env, settings := range config {
		t.Run(env, func(t *testing.T) {
			deploy := settings.Deploy.Parameters
			if settings.Global.Parameters.StackName == "" {
				t.Error("stack_name is not set")
			}
			if !slices.Contains(strings.Fields(deploy.Capabilities), "CAPABILITY_IAM") {
				t.Errorf("capabilities = %q: the stack creates IAM roles, so it needs CAPABILITY_IAM", deploy.Capabilities)
			}
			if !deploy.ResolveS3 && deploy.S3Bucket == "" {
				t.Error("neither resolve_s3 nor s3_bucket is set: sam deploy needs a bucket for the packaged code")
			}
			values, err := templatecheck.ParseParameterOverrides(deploy.ParameterOverrides)
			if err != nil {
				t.Fatal(err)
			}
			for _, problem := range templatecheck.CheckParameterValues(tmpl, samconfigPath+" ["+env+"]", values) {
				t.Error(problem)
			}
		})
	}
}

func TestParameterChecksReportBadValues(t *testing.T) {
	tmpl := loadTemplate(t)
	cases := []struct {
		name      string
		overrides string
		want      string
	}{
		{"suffix without leading dot", `TenantHostSuffix="connect.example.com"`, "does not match the AllowedPattern"},
		{"unknown parameter", `TenantHostSuffix=".connect.example.com" Lanes="8"`, "Lanes is not a parameter"},
		{"missing required parameter", `Stage="dev"`, "parameter TenantHostSuffix has no Default and no value"},
		{"too many lanes", `TenantHostSuffix=".connect.example.com" SyncLanes="41"`, "above the MaxValue 40"},
		{"lanes not a number", `TenantHostSuffix=".connect.example.com" SyncLanes="eight"`, "not a number"},
		{"retention not allowed", `TenantHostSuffix=".connect.example.com" LogRetentionDays="31"`, "not one of the AllowedValues"},
		{"log level not allowed", `TenantHostSuffix=".connect.example.com" LogLevel="VERBOSE"`, "not one of the AllowedValues"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			values, err := templatecheck.ParseParameterOverrides(c.overrides)
			if err != nil {
				t.Fatal(err)
			}
			problems := templatecheck.CheckParameterValues(tmpl, "test", values)
			if !reported(problems, c.want) {
				t.Errorf("CheckParameterValues(%s) did not report %q; it reported:\n%s", c.overrides, c.want, list(problems))
			}
		})
	}
}

func TestParseParameterOverrides(t *testing.T) {
	values, err := templatecheck.ParseParameterOverrides(`Stage="dev" AlarmEmail="" Quoted="a \"b\" c"`)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"Stage": "dev", "AlarmEmail": "", "Quoted": `a "b" c`}
	for key, value := range want {
		if got, ok := values[key]; !ok || got != value {
			t.Errorf("values[%s] = %q (present %v), want %q", key, got, ok, value)
		}
	}
	if len(values) != len(want) {
		t.Errorf("parsed %d values, want %d: %v", len(values), len(want), values)
	}
	if _, err := templatecheck.ParseParameterOverrides(`Stage=dev`); err == nil {
		t.Error(`ParseParameterOverrides("Stage=dev") returned no error for an unquoted value`)
	}
}
