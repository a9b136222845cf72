// Package templatecheck checks the bundle's AWS SAM template (template.yaml)
// without SAM CLI, cfn-lint or an AWS account. It checks that each function's
// code folder builds for its runtime and architecture, and that the state
// machine's definition placeholders match its substitutions. It checks that
// every IAM statement names only this stack's resources, and that the
// callback route and the table schema match the Go code. It also checks that
// CloudFormation resource properties are known and that references resolve
// without a dependency cycle.
//
// Each Check function returns the problems it found; an empty result means
// the template passed that check. The template is read with its
// CloudFormation short-form tags (!Ref, !GetAtt, !Sub, ...) turned into their
// long form ({"Ref": ...}, {"Fn::GetAtt": [...]}, {"Fn::Sub": ...}), so that
// references stay visible, and with its YAML comments kept by path, because a
// `Resource: "*"` must carry a comment that justifies it.
package templatecheck

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Template is a parsed SAM template.
type Template struct {
	// Path is the template file; Dir, its folder, is where relative paths
	// such as CodeUri and DefinitionUri start, as for sam build.
	Path string
	Dir  string
	// Root is the whole document with intrinsic functions in long form.
	Root map[string]any

	comments map[string]string // node path → its YAML comments
	lines    map[string]int    // node path → line number
}

// Resource is one entry of the template's Resources section.
type Resource struct {
	ID         string
	Type       string
	Properties map[string]any
	Metadata   map[string]any
	// Node is the resource's raw mapping, with DependsOn, Condition and
	// DeletionPolicy.
	Node map[string]any
}

// Problem is one fault a check found in the template.
type Problem struct {
	Check   string // name of the check, such as "iam"
	Where   string // template location, such as "template.yaml:120 Resources/CallbackRole"
	Message string
}

func (p Problem) String() string {
	return fmt.Sprintf("%s: %s: %s", p.Check, p.Where, p.Message)
}

// Load reads and parses the template at path.
func Load(path string) (*Template, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read template: %w", err)
	}
	return Parse(path, data)
}

// Parse parses template text as if it were the file at path, so that tests
// can check a changed copy against the real code folders.
func Parse(path string, data []byte) (*Template, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("resolve template path %s: %w", path, err)
	}
	conv := newConverter()
	root, err := conv.parse(data)
	if err != nil {
		return nil, fmt.Errorf("parse template %s: %w", path, err)
	}
	return &Template{
		Path:     abs,
		Dir:      filepath.Dir(abs),
		Root:     root,
		comments: conv.comments,
		lines:    conv.lines,
	}, nil
}

// Section returns a top-level section such as Parameters or Resources, or
// nil when the template has none.
func (t *Template) Section(name string) map[string]any {
	m, _ := t.Root[name].(map[string]any)
	return m
}

// Resources returns the template's resources by logical id.
func (t *Template) Resources() map[string]Resource {
	out := map[string]Resource{}
	for id, raw := range t.Section("Resources") {
		node, _ := raw.(map[string]any)
		typ, _ := node["Type"].(string)
		props, _ := node["Properties"].(map[string]any)
		meta, _ := node["Metadata"].(map[string]any)
		out[id] = Resource{ID: id, Type: typ, Properties: props, Metadata: meta, Node: node}
	}
	return out
}

// ResourcesOfType returns the resources of one type, sorted by logical id.
func (t *Template) ResourcesOfType(typ string) []Resource {
	var out []Resource
	for _, r := range t.Resources() {
		if r.Type == typ {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b Resource) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// FunctionProperty returns a property of an AWS::Serverless::Function, or
// the Globals.Function value when the function does not set it.
func (t *Template) FunctionProperty(fn Resource, name string) (any, bool) {
	if v, ok := fn.Properties[name]; ok {
		return v, true
	}
	globals, _ := t.Section("Globals")["Function"].(map[string]any)
	v, ok := globals[name]
	return v, ok
}

// Comment returns the YAML comments at a node path (the key's and the
// value's, head and line comments), or "".
func (t *Template) Comment(path string) string { return t.comments[path] }

// Where formats a node path with the nearest line number of the template.
func (t *Template) Where(path string) string {
	name := filepath.Base(t.Path)
	for p := path; p != ""; p = parentPath(p) {
		if line, ok := t.lines[p]; ok {
			return fmt.Sprintf("%s:%d %s", name, line, path)
		}
	}
	return name + " " + path
}

func parentPath(p string) string {
	i := strings.LastIndex(p, "/")
	if i < 0 {
		return ""
	}
	return p[:i]
}

// joinPath joins node path segments, skipping empty ones.
func joinPath(parts ...any) string {
	s := make([]string, 0, len(parts))
	for _, p := range parts {
		if text := fmt.Sprint(p); text != "" {
			s = append(s, text)
		}
	}
	return strings.Join(s, "/")
}
