package jirasim

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

const specPath = "../../testdata/jira-platform-openapi.json"

// The OpenAPI document is 2.4 MB: load it once per test binary.
var spec struct {
	once     sync.Once
	doc      *openapi3.T
	router   routers.Router
	loadTime time.Duration
	err      error
}

func loadSpec(t testing.TB) (*openapi3.T, routers.Router) {
	t.Helper()
	spec.once.Do(func() {
		start := time.Now()
		loader := openapi3.NewLoader()
		spec.doc, spec.err = loader.LoadFromFile(specPath)
		if spec.err == nil {
			spec.router, spec.err = servedRouter(spec.doc)
		}
		spec.loadTime = time.Since(start)
	})
	if spec.err != nil {
		t.Fatalf("load %s: %v", specPath, spec.err)
	}
	return spec.doc, spec.router
}

// servedRouter returns a router over the operations the simulator serves.
// The full document does not pass kin-openapi's checks (two paths conflict,
// and some examples and parameter defaults break their own schemas), so the
// router gets a copy that keeps only the served paths, and the check skips
// examples and defaults.
func servedRouter(doc *openapi3.T) (routers.Router, error) {
	served := openapi3.NewPaths()
	for _, op := range apiOperations {
		item := doc.Paths.Value("/rest/api/3" + op.path)
		if item == nil || item.GetOperation(op.method) == nil {
			return nil, fmt.Errorf("operation %s /rest/api/3%s is not in the document", op.method, op.path)
		}
		served.Set("/rest/api/3"+op.path, item)
	}
	trimmed := *doc
	trimmed.Paths = served
	return legacy.NewRouter(&trimmed, openapi3.DisableExamplesValidation(), openapi3.DisableSchemaDefaultsValidation())
}

// gatewayStatuses are the statuses the api.atlassian.com gateway or the
// rate limiter may send for any operation, whether or not the document
// lists them.
var gatewayStatuses = map[int]bool{
	http.StatusUnauthorized: true, http.StatusForbidden: true, http.StatusNotFound: true,
	http.StatusTooManyRequests: true, http.StatusInternalServerError: true, http.StatusServiceUnavailable: true,
}

// validateAPIResponse checks one response of an API path against the
// document: the operation must exist, a documented status must match its
// schema, and every error body must be Jira's ErrorCollection or the
// gateway's {code, message}.
// It returns the operation's ID.
func validateAPIResponse(req *http.Request, status int, header http.Header, body []byte) (string, error) {
	doc, router := spec.doc, spec.router
	rel := apiPath(req.URL.Path)
	specURL, err := url.Parse("https://your-domain.atlassian.net/rest/api/3" + rel + "?" + req.URL.RawQuery)
	if err != nil {
		return "", err
	}
	specReq := req.Clone(context.Background())
	specReq.URL = specURL
	specReq.Host = specURL.Host

	route, pathParams, err := router.FindRoute(specReq)
	if err != nil {
		return "", fmt.Errorf("no operation %s /rest/api/3%s in the OpenAPI document: %w", req.Method, rel, err)
	}
	opID := route.Operation.OperationID

	if media, _, _ := mime.ParseMediaType(header.Get("Content-Type")); len(body) > 0 && media != "application/json" {
		return opID, fmt.Errorf("Content-Type %q with a body: want application/json", header.Get("Content-Type"))
	}

	documented := route.Operation.Responses.Status(status) != nil
	if !documented && !gatewayStatuses[status] {
		return opID, fmt.Errorf("status %d is neither documented for %s nor a gateway status", status, opID)
	}
	if documented {
		input := &openapi3filter.ResponseValidationInput{
			RequestValidationInput: &openapi3filter.RequestValidationInput{
				Request: specReq, PathParams: pathParams, Route: route,
			},
			Status: status, Header: header,
			Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
		}
		input.SetBodyBytes(body)
		if err := openapi3filter.ValidateResponse(context.Background(), input); err != nil {
			return opID, fmt.Errorf("%s status %d: %w", opID, status, err)
		}
	}

	if status < 400 {
		return opID, nil
	}
	return opID, validateErrorBody(doc, body)
}

// validateErrorBody accepts the gateway's {code, message} or a body that
// matches the document's ErrorCollection schema.
func validateErrorBody(doc *openapi3.T, body []byte) error {
	var gw map[string]any
	if err := json.Unmarshal(body, &gw); err != nil {
		return fmt.Errorf("error body %q is not a JSON object: %w", body, err)
	}
	if _, hasCode := gw["code"]; hasCode {
		var g gatewayError
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&g); err != nil || g.Message == "" {
			return fmt.Errorf("gateway error body %q: want {code, message}", body)
		}
		return nil
	}
	schema := doc.Components.Schemas["ErrorCollection"].Value
	var v any
	_ = json.Unmarshal(body, &v)
	if err := schema.VisitJSON(v, openapi3.VisitAsResponse(), openapi3.MultiErrors()); err != nil {
		return fmt.Errorf("error body %s does not match ErrorCollection: %w", body, err)
	}
	return nil
}

// validatingTransport validates every response of an API path and reports
// failures on t. Auth paths and accessible-resources are not in the document.
type validatingTransport struct {
	t        *testing.T
	mu       sync.Mutex
	statuses map[string][]int // statuses seen per operation ID
}

func (v *validatingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil || apiPath(req.URL.Path) == "" {
		return resp, err
	}
	loadSpec(v.t)
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	opID, verr := validateAPIResponse(req, resp.StatusCode, resp.Header, body)
	if verr != nil {
		v.t.Errorf("%s %s: response does not match the OpenAPI document: %v", req.Method, req.URL.RequestURI(), verr)
	}
	v.mu.Lock()
	if v.statuses == nil {
		v.statuses = map[string][]int{}
	}
	v.statuses[opID] = append(v.statuses[opID], resp.StatusCode)
	v.mu.Unlock()
	return resp, nil
}
