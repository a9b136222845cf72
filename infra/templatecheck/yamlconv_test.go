package templatecheck

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseShortFormTags(t *testing.T) {
	cases := []struct {
		name string
		yaml string
		want any
	}{
		{"Ref", "V: !Ref Table", map[string]any{"Ref": "Table"}},
		{"GetAtt dotted", "V: !GetAtt Table.Arn", map[string]any{"Fn::GetAtt": []any{"Table", "Arn"}}},
		{"GetAtt nested attribute", "V: !GetAtt Db.Endpoint.Address", map[string]any{"Fn::GetAtt": []any{"Db", "Endpoint.Address"}}},
		{"GetAtt list", "V: !GetAtt [Table, Arn]", map[string]any{"Fn::GetAtt": []any{"Table", "Arn"}}},
		{"Sub string", "V: !Sub ${Table.Arn}/index/*", map[string]any{"Fn::Sub": "${Table.Arn}/index/*"}},
		{"Sub list", "V: !Sub [\"${A}\", {A: !Ref B}]", map[string]any{"Fn::Sub": []any{"${A}", map[string]any{"A": map[string]any{"Ref": "B"}}}}},
		{"nested Not Equals", "V: !Not [!Equals [!Ref A, \"\"]]", map[string]any{"Fn::Not": []any{map[string]any{"Fn::Equals": []any{map[string]any{"Ref": "A"}, ""}}}}},
		{"Ref of a number-like name stays a string", "V: !Ref 123", map[string]any{"Ref": "123"}},
		{"plain scalars keep their types", "V: [1, true, x]", []any{1, true, "x"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tmpl, err := Parse("template.yaml", []byte(c.yaml))
			if err != nil {
				t.Fatal(err)
			}
			if got := tmpl.Root["V"]; !reflect.DeepEqual(got, c.want) {
				t.Errorf("V = %#v, want %#v", got, c.want)
			}
		})
	}
}

func TestParseRejectsBadTemplates(t *testing.T) {
	cases := []struct {
		name string
		yaml string
		want string
	}{
		{"duplicate key", "A: 1\nA: 2\n", "duplicate key \"A\""},
		{"unknown tag", "A: !Reference B\n", "unknown tag !Reference"},
		{"GetAtt without attribute", "A: !GetAtt Table\n", "has no attribute"},
		{"not a mapping", "- a\n- b\n", "not a mapping"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("template.yaml", []byte(c.yaml))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Parse(%q) error = %v, want one containing %q", c.yaml, err, c.want)
			}
		})
	}
}

func TestCommentsKeptByPath(t *testing.T) {
	src := `Statement:
  - Effect: Allow
    # above the key
    Resource: "*" # beside the value
  - Effect: Allow
    Resource:
      - "*" # beside the item
  - Effect: Allow
    Resource: "*"
`
	tmpl, err := Parse("template.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		path string
		want string
	}{
		{"Statement/0/Resource", "# above the key\n# beside the value"},
		{"Statement/1/Resource/0", "# beside the item"},
		{"Statement/2/Resource", ""},
	}
	for _, c := range cases {
		if got := tmpl.Comment(c.path); got != c.want {
			t.Errorf("Comment(%s) = %q, want %q", c.path, got, c.want)
		}
	}
	if where := tmpl.Where("Statement/1/Resource/0"); where != "template.yaml:7 Statement/1/Resource/0" {
		t.Errorf("Where(Statement/1/Resource/0) = %q, want template.yaml:7 Statement/1/Resource/0", where)
	}
}

func TestSubVariables(t *testing.T) {
	got := subVariables("arn:${AWS::Partition}:states:${AWS::Region}:${!Literal}:execution:${Machine.Name}:*")
	want := []string{"AWS::Partition", "AWS::Region", "Machine.Name"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("subVariables = %v, want %v", got, want)
	}
}
