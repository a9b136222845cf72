package templatecheck

import (
	"errors"
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// shortFormTags maps CloudFormation's YAML short-form tags to the long-form
// key of the same intrinsic function.
var shortFormTags = map[string]string{
	"!Ref":         "Ref",
	"!Condition":   "Condition",
	"!Base64":      "Fn::Base64",
	"!Cidr":        "Fn::Cidr",
	"!FindInMap":   "Fn::FindInMap",
	"!GetAtt":      "Fn::GetAtt",
	"!GetAZs":      "Fn::GetAZs",
	"!ImportValue": "Fn::ImportValue",
	"!Join":        "Fn::Join",
	"!Select":      "Fn::Select",
	"!Split":       "Fn::Split",
	"!Sub":         "Fn::Sub",
	"!Transform":   "Fn::Transform",
	"!And":         "Fn::And",
	"!Equals":      "Fn::Equals",
	"!If":          "Fn::If",
	"!Not":         "Fn::Not",
	"!Or":          "Fn::Or",
}

// converter turns a yaml.v3 node tree into plain Go values (maps, slices,
// strings, numbers, booleans) and records comments and line numbers by path.
type converter struct {
	comments map[string]string
	lines    map[string]int
}

func newConverter() *converter {
	return &converter{comments: map[string]string{}, lines: map[string]int{}}
}

func (c *converter) parse(data []byte) (map[string]any, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return nil, errors.New("the file is not one YAML document")
	}
	v, err := c.convert(doc.Content[0], "")
	if err != nil {
		return nil, err
	}
	root, ok := v.(map[string]any)
	if !ok {
		return nil, errors.New("the document is not a mapping")
	}
	return root, nil
}

func (c *converter) convert(n *yaml.Node, path string) (any, error) {
	if n.Kind == yaml.AliasNode {
		return c.convert(n.Alias, path)
	}
	if long, ok := shortFormTags[n.Tag]; ok {
		return c.convertShortForm(n, long, path)
	}
	if strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!") {
		return nil, fmt.Errorf("line %d: unknown tag %s: use a CloudFormation intrinsic function tag such as !Ref or !Sub", n.Line, n.Tag)
	}
	switch n.Kind {
	case yaml.MappingNode:
		return c.convertMapping(n, path)
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for i, item := range n.Content {
			itemPath := joinPath(path, i)
			c.note(itemPath, item.Line, item.HeadComment, item.LineComment)
			v, err := c.convert(item, itemPath)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.ScalarNode:
		var v any
		if err := n.Decode(&v); err != nil {
			return nil, fmt.Errorf("line %d: %w", n.Line, err)
		}
		return v, nil
	}
	return nil, fmt.Errorf("line %d: unsupported YAML node kind %d", n.Line, n.Kind)
}

func (c *converter) convertMapping(n *yaml.Node, path string) (map[string]any, error) {
	out := make(map[string]any, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, value := n.Content[i], n.Content[i+1]
		if key.Kind != yaml.ScalarNode {
			return nil, fmt.Errorf("line %d: mapping key is not a string", key.Line)
		}
		if _, dup := out[key.Value]; dup {
			return nil, fmt.Errorf("line %d: duplicate key %q: CloudFormation rejects templates with duplicate keys", key.Line, key.Value)
		}
		childPath := key.Value
		if path != "" {
			childPath = path + "/" + key.Value
		}
		c.note(childPath, key.Line, key.HeadComment, key.LineComment, value.HeadComment, value.LineComment)
		v, err := c.convert(value, childPath)
		if err != nil {
			return nil, err
		}
		out[key.Value] = v
	}
	return out, nil
}

// convertShortForm returns the long form of a tagged node: "!GetAtt A.B"
// becomes {"Fn::GetAtt": ["A", "B"]}, and any other tag wraps the node's
// untagged value.
func (c *converter) convertShortForm(n *yaml.Node, long, path string) (any, error) {
	if long == "Fn::GetAtt" && n.Kind == yaml.ScalarNode {
		id, attr, ok := strings.Cut(n.Value, ".")
		if !ok {
			return nil, fmt.Errorf("line %d: !GetAtt %s has no attribute: write !GetAtt LogicalId.Attribute", n.Line, n.Value)
		}
		return map[string]any{long: []any{id, attr}}, nil
	}
	untagged := *n
	untagged.Tag = ""
	if n.Kind == yaml.ScalarNode {
		// A tagged scalar such as "!Ref Name" is always a string.
		untagged.Tag = "!!str"
	}
	v, err := c.convert(&untagged, path+"/"+long)
	if err != nil {
		return nil, err
	}
	return map[string]any{long: v}, nil
}

func (c *converter) note(path string, line int, comments ...string) {
	if _, ok := c.lines[path]; !ok {
		c.lines[path] = line
	}
	var parts []string
	for _, text := range comments {
		if text = strings.TrimSpace(text); text != "" {
			parts = append(parts, text)
		}
	}
	if len(parts) > 0 {
		c.comments[path] = strings.Join(parts, "\n")
	}
}
