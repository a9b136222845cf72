package templatecheck

import (
	"context"
	"debug/buildinfo"
	"debug/elf"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// lambdaArchitectures maps a Lambda architecture to its GOARCH and ELF
// machine.
var lambdaArchitectures = map[string]struct {
	GOARCH  string
	Machine elf.Machine
}{
	"arm64":  {"arm64", elf.EM_AARCH64},
	"x86_64": {"amd64", elf.EM_X86_64},
}

// BuildFunctions builds every AWS::Serverless::Function the way sam build
// does for BuildMethod makefile. It runs `make build-<LogicalId>` with the
// function's Makefile in its project root and ARTIFACTS_DIR set to a folder
// under artifactsRoot. It then checks that the handler executable is a
// static Go binary of the CodeUri package for Linux and the function's
// architecture.
//
// NOTE: sam build runs the target in a copy of the project root, but this
// runs it in place. A target that needs files sam build does not copy
// still passes here.
func BuildFunctions(ctx context.Context, t *Template, artifactsRoot string) []Problem {
	var problems []Problem
	for _, fn := range t.ResourcesOfType(FunctionType) {
		where := t.Where(joinPath("Resources", fn.ID))
		for _, msg := range buildFunction(ctx, t, fn, filepath.Join(artifactsRoot, fn.ID)) {
			problems = append(problems, Problem{Check: "build", Where: where, Message: fn.ID + ": " + msg})
		}
	}
	return problems
}

func buildFunction(ctx context.Context, t *Template, fn Resource, artifacts string) []string {
	codeURI, ok := fn.Properties["CodeUri"].(string)
	if !ok {
		return []string{"CodeUri is not a folder path, so there is nothing to build"}
	}
	makefile := filepath.Join(t.Dir, filepath.FromSlash(metadataPath(fn, "ContextPath", codeURI)), "Makefile")
	root := filepath.Join(t.Dir, filepath.FromSlash(metadataPath(fn, "ProjectRootDirectory", codeURI)))
	if err := os.MkdirAll(artifacts, 0o755); err != nil {
		return []string{fmt.Sprintf("create artifacts folder: %v", err)}
	}
	cmd := exec.CommandContext(ctx, "make", "--makefile="+makefile, "build-"+fn.ID)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "ARTIFACTS_DIR="+artifacts)
	if out, err := cmd.CombinedOutput(); err != nil {
		return []string{fmt.Sprintf("make build-%s in %s failed: %v\n%s", fn.ID, root, err, tail(string(out), 20))}
	}
	handler, _ := t.FunctionProperty(fn, "Handler")
	handlerName, _ := handler.(string)
	architectures, _ := t.FunctionProperty(fn, "Architectures")
	arch := WantArchitecture
	if list, ok := architectures.([]any); ok && len(list) == 1 {
		arch, _ = list[0].(string)
	}
	return inspectExecutable(filepath.Join(artifacts, handlerName), codeURI, arch)
}

// inspectExecutable checks that path is a Go executable of the package in
// codeURI for Linux on arch, built without cgo.
func inspectExecutable(path, codeURI, arch string) []string {
	info, err := buildinfo.ReadFile(path)
	if err != nil {
		return []string{fmt.Sprintf("the build left no Go executable at %s (%v): the Makefile target must write the handler executable into $(ARTIFACTS_DIR)", path, err)}
	}
	var msgs []string
	wantPackage := info.Main.Path + "/" + strings.Trim(filepath.ToSlash(codeURI), "/")
	if info.Path != wantPackage {
		msgs = append(msgs, fmt.Sprintf("%s was built from package %s, not from CodeUri's package %s", path, info.Path, wantPackage))
	}
	want := lambdaArchitectures[arch]
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	for _, setting := range [][2]string{{"GOOS", "linux"}, {"GOARCH", want.GOARCH}, {"CGO_ENABLED", "0"}} {
		key, value := setting[0], setting[1]
		if settings[key] != value {
			msgs = append(msgs, fmt.Sprintf("%s was built with %s=%q: build with %s=%s", path, key, settings[key], key, value))
		}
	}
	file, err := elf.Open(path)
	if err != nil {
		return append(msgs, fmt.Sprintf("%s is not an ELF executable: %v", path, err))
	}
	defer file.Close()
	if file.Machine != want.Machine {
		msgs = append(msgs, fmt.Sprintf("%s is an ELF executable for %s, but the function's architecture %s needs %s", path, file.Machine, arch, want.Machine))
	}
	return msgs
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
