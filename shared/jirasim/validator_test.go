package jirasim

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestValidatorRejectsBadResponses shows that the fidelity check can fail:
// each response breaks the document in one way.
func TestValidatorRejectsBadResponses(t *testing.T) {
	loadSpec(t)
	const base = "http://127.0.0.1/ex/jira/c1/rest/api/3"
	jsonHeader := http.Header{"Content-Type": {"application/json"}}
	cases := []struct {
		name    string
		method  string
		path    string
		status  int
		body    string
		wantErr bool
	}{
		{"valid users", "GET", "/users/search", 200, `[{"accountId":"a","active":true}]`, false},
		{"valid error", "GET", "/users/search", 400, `{"errorMessages":["bad"],"errors":{}}`, false},
		{"valid gateway error", "GET", "/users/search", 401, `{"code":401,"message":"Unauthorized"}`, false},
		{"boolean as string", "GET", "/users/search", 200, `[{"accountId":"a","active":"true"}]`, true},
		{"unknown accountType", "GET", "/users/search", 200, `[{"accountId":"a","accountType":"robot"}]`, true},
		{"locale in UserDetails", "GET", "/group/member", 200, `{"values":[{"accountId":"a","locale":"en_US"}]}`, true},
		{"numeric project id", "GET", "/project/search", 200, `{"values":[{"id":10000}]}`, true},
		{"null email", "GET", "/users/search", 200, `[{"accountId":"a","emailAddress":null}]`, true},
		{"undocumented status", "GET", "/users/search", 418, `{"errorMessages":[],"errors":{}}`, true},
		{"error body not Jira's", "GET", "/group/bulk", 400, `{"message":"bad"}`, true},
		{"gateway body with extra field", "GET", "/group/bulk", 401, `{"code":401,"message":"x","id":1}`, true},
		{"unknown operation", "GET", "/myself", 200, `{}`, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := httptest.NewRequest(c.method, base+c.path, nil)
			_, err := validateAPIResponse(req, c.status, jsonHeader, []byte(c.body))
			if gotErr := err != nil; gotErr != c.wantErr {
				t.Errorf("validateAPIResponse error = %v, want an error: %v", err, c.wantErr)
			}
		})
	}
}
