package jirasim

import (
	"slices"
	"testing"
)

// TestOperationScopesMatchOpenAPI compares the scope table with each
// operation's x-atlassian-oauth2-scopes in the OpenAPI document.
func TestOperationScopesMatchOpenAPI(t *testing.T) {
	doc, _ := loadSpec(t)
	for _, op := range apiOperations {
		t.Run(op.method+" "+op.path, func(t *testing.T) {
			operation := doc.Paths.Value("/rest/api/3" + op.path).GetOperation(op.method)
			sets, _ := operation.Extensions["x-atlassian-oauth2-scopes"].([]any)
			want := map[string][]string{}
			for _, set := range sets {
				m, _ := set.(map[string]any)
				state, _ := m["state"].(string)
				list, _ := m["scopes"].([]any)
				for _, s := range list {
					want[state] = append(want[state], s.(string))
				}
			}
			if !slices.Equal(op.classic, want["Current"]) {
				t.Errorf("classic scopes %v, document says %v", op.classic, want["Current"])
			}
			if !slices.Equal(op.granular, want["Beta"]) {
				t.Errorf("granular scopes %v, document says %v", op.granular, want["Beta"])
			}
		})
	}
}

func TestClassicScopesAllowEveryOperation(t *testing.T) {
	for _, op := range apiOperations {
		if !op.allowedBy(ClassicScopes) {
			t.Errorf("ClassicScopes do not allow %s %s", op.method, op.path)
		}
	}
}
