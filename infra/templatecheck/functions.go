package templatecheck

import (
	"fmt"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// The bundle's function rules: every function is a Go binary named
// bootstrap for the OS-only Amazon Linux 2023 runtime on Graviton, built by
// a Makefile target that sam build runs.
const (
	FunctionType     = "AWS::Serverless::Function"
	WantRuntime      = "provided.al2023"
	WantArchitecture = "arm64"
	WantHandler      = "bootstrap"
	WantBuildMethod  = "makefile"
)

// CheckFunctions checks every AWS::Serverless::Function. Its CodeUri must be
// a folder that contains a main.go of package main, and its runtime,
// architecture and handler (its own or from Globals) must be the bundle's.
// Its Metadata must have sam build run a build-<LogicalId> target of a
// Makefile from a project root that contains go.mod.
func CheckFunctions(t *Template) []Problem {
	functions := t.ResourcesOfType(FunctionType)
	if len(functions) == 0 {
		return []Problem{{Check: "functions", Where: t.Where("Resources"), Message: "the template defines no " + FunctionType}}
	}
	var problems []Problem
	for _, fn := range functions {
		report := func(field, format string, args ...any) {
			path := joinPath("Resources", fn.ID, "Properties", field)
			if field == "" || strings.HasPrefix(field, "Metadata") {
				path = joinPath("Resources", fn.ID, field)
			}
			problems = append(problems, Problem{Check: "functions", Where: t.Where(path), Message: fn.ID + ": " + fmt.Sprintf(format, args...)})
		}
		codeDir, ok := functionCodeDir(t, fn)
		if !ok {
			report("CodeUri", "CodeUri must be a folder path relative to the template, such as functions/callback")
		} else if msg := checkMainPackage(codeDir); msg != "" {
			report("CodeUri", "%s", msg)
		}
		checkFunctionSettings(t, fn, report)
		checkBuildMetadata(t, fn, report)
	}
	return problems
}

// functionCodeDir returns the absolute folder of a function's CodeUri.
func functionCodeDir(t *Template, fn Resource) (string, bool) {
	uri, ok := fn.Properties["CodeUri"].(string)
	if !ok || uri == "" || strings.HasPrefix(uri, "s3://") {
		return "", false
	}
	return filepath.Join(t.Dir, filepath.FromSlash(uri)), true
}

// checkMainPackage returns "" when dir contains a main.go of package main,
// or what is wrong.
func checkMainPackage(dir string) string {
	info, err := os.Stat(dir)
	if err != nil || !info.IsDir() {
		return fmt.Sprintf("CodeUri folder %s does not exist: point CodeUri at the function's folder under functions/", dir)
	}
	mainFile := filepath.Join(dir, "main.go")
	file, err := parser.ParseFile(token.NewFileSet(), mainFile, nil, parser.PackageClauseOnly)
	if err != nil {
		return fmt.Sprintf("CodeUri folder %s has no readable main.go (%v): the function's command must be a main.go in that folder", dir, err)
	}
	if file.Name.Name != "main" {
		return fmt.Sprintf("%s is package %s: a Lambda function's command must be package main", mainFile, file.Name.Name)
	}
	return ""
}

func checkFunctionSettings(t *Template, fn Resource, report func(field, format string, args ...any)) {
	if pkg, _ := fn.Properties["PackageType"].(string); pkg != "" && pkg != "Zip" {
		report("PackageType", "PackageType is %s: the bundle deploys .zip packages built by the Makefile", pkg)
	}
	runtimeName, _ := t.FunctionProperty(fn, "Runtime")
	if runtimeName != WantRuntime {
		report("Runtime", "Runtime is %v: set %s (here or in Globals.Function)", display(runtimeName), WantRuntime)
	}
	handler, _ := t.FunctionProperty(fn, "Handler")
	if handler != WantHandler {
		report("Handler", "Handler is %v: set %s, the executable name the OS-only runtime starts", display(handler), WantHandler)
	}
	architectures, _ := t.FunctionProperty(fn, "Architectures")
	list, _ := architectures.([]any)
	if len(list) != 1 || list[0] != WantArchitecture {
		report("Architectures", "Architectures is %v: set [%s], the architecture the Makefile builds for", display(architectures), WantArchitecture)
	}
}

func checkBuildMetadata(t *Template, fn Resource, report func(field, format string, args ...any)) {
	method, _ := fn.Metadata["BuildMethod"].(string)
	if method != WantBuildMethod {
		report("Metadata/BuildMethod", "Metadata.BuildMethod is %v: set %s so that sam build runs the Makefile target build-%s", display(fn.Metadata["BuildMethod"]), WantBuildMethod, fn.ID)
		return
	}
	codeURI, _ := fn.Properties["CodeUri"].(string)
	makefile := filepath.Join(t.Dir, filepath.FromSlash(metadataPath(fn, "ContextPath", codeURI)), "Makefile")
	data, err := os.ReadFile(makefile)
	switch {
	case err != nil:
		report("Metadata/ContextPath", "Makefile %s not found: sam build runs its target build-%s (Metadata.ContextPath names its folder)", makefile, fn.ID)
	case !makeTargetPattern(fn.ID).Match(data):
		report("Metadata/ContextPath", "Makefile %s has no target build-%s, which sam build runs for this function", makefile, fn.ID)
	}
	root := filepath.Join(t.Dir, filepath.FromSlash(metadataPath(fn, "ProjectRootDirectory", codeURI)))
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		report("Metadata/ProjectRootDirectory", "project root %s has no go.mod: set Metadata.ProjectRootDirectory to the module root, which sam build copies for the Makefile", root)
	}
}

// metadataPath returns a folder named in the function's Metadata, or the
// CodeUri folder that sam build uses when it is absent.
func metadataPath(fn Resource, key, codeURI string) string {
	if p, ok := fn.Metadata[key].(string); ok && p != "" {
		return p
	}
	return codeURI
}

func makeTargetPattern(id string) *regexp.Regexp {
	return regexp.MustCompile(`(?m)^build-` + regexp.QuoteMeta(id) + `\s*:`)
}

// display formats a template value for a message; an absent value is
// "missing".
func display(v any) string {
	if v == nil {
		return "missing"
	}
	return fmt.Sprintf("%v", v)
}
