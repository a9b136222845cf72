package atlassian

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// specPath is Atlassian's OpenAPI document for the Jira Cloud platform REST
// API, relative to this package.
var specPath = filepath.Join("..", "..", "testdata", "jira-platform-openapi.json")

// accessibleResourcesOperation names the gateway call, which the Jira
// platform document does not describe.
const accessibleResourcesOperation = "accessibleResources"

var (
	specOnce   sync.Once
	specRouter routers.Router
	specErr    error
)

// jiraSpecRouter loads the OpenAPI document once and returns a router that
// matches paths relative to the site, such as /rest/api/3/users/search.
func jiraSpecRouter(t testing.TB) routers.Router {
	t.Helper()
	specOnce.Do(func() {
		doc, err := openapi3.NewLoader().LoadFromFile(specPath)
		if err != nil {
			specErr = fmt.Errorf("loading %s: %w", specPath, err)
			return
		}
		// The document's server is https://your-domain.atlassian.net; the
		// transport strips the site prefix, so match on the path alone.
		doc.Servers = nil
		if specErr = dropConflictingPaths(doc); specErr != nil {
			return
		}
		specRouter, specErr = legacy.NewRouter(doc, specValidationOptions...)
	})
	if specErr != nil {
		t.Fatalf("OpenAPI router: %v", specErr)
	}
	return specRouter
}

// specValidationOptions skip checks that Atlassian's document fails but
// that do not concern requests: examples and defaults outside their enums.
var specValidationOptions = []openapi3.ValidationOption{
	openapi3.DisableExamplesValidation(),
	openapi3.DisableSchemaDefaultsValidation(),
}

// dropConflictingPaths deletes the second path of each pair that differs
// only in a parameter name, such as /field/{id} and /field/{fieldId}, which
// the document contains and which the router cannot hold together. None of
// them is an endpoint that the client calls.
func dropConflictingPaths(doc *openapi3.T) error {
	for range 20 {
		err := doc.Validate(context.Background(), specValidationOptions...)
		var conflict *openapi3.ConflictingPathsError
		if !errors.As(err, &conflict) {
			return err
		}
		doc.Paths.Delete(conflict.Path2)
	}
	return errors.New("more than 20 conflicting paths in the OpenAPI document")
}

// specTransport checks every request against the OpenAPI document before
// passing it on, and counts the operations it saw. A request that fails the
// check fails the test and is not sent.
type specTransport struct {
	t       testing.TB
	base    http.RoundTripper
	router  routers.Router
	prefix  string // "/ex/jira/{cloudId}"
	token   string
	mu      sync.Mutex
	counts  map[string]int // operationId -> requests
	invalid []string
}

func newSpecTransport(t testing.TB, base http.RoundTripper, cloudID, token string) *specTransport {
	return &specTransport{
		t:      t,
		base:   base,
		router: jiraSpecRouter(t),
		prefix: "/ex/jira/" + cloudID,
		token:  token,
		counts: map[string]int{},
	}
}

func (s *specTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	body, err := readBody(req)
	if err != nil {
		return nil, err
	}
	operation, err := s.check(req, body)
	if err != nil {
		s.mu.Lock()
		s.invalid = append(s.invalid, err.Error())
		s.mu.Unlock()
		s.t.Errorf("request outside the OpenAPI document: %v", err)
		return nil, fmt.Errorf("spec check: %w", err)
	}
	s.mu.Lock()
	s.counts[operation]++
	s.mu.Unlock()
	return s.base.RoundTrip(req)
}

// Operations returns the operationIds seen, sorted.
func (s *specTransport) Operations() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ops := make([]string, 0, len(s.counts))
	for op := range s.counts {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	return ops
}

// readBody reads the request body and puts a fresh copy back.
func readBody(req *http.Request) ([]byte, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return nil, nil
	}
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return nil, err
	}
	_ = req.Body.Close()
	req.Body = io.NopCloser(bytes.NewReader(body))
	return body, nil
}

// check validates one request and returns its operationId.
func (s *specTransport) check(req *http.Request, body []byte) (string, error) {
	if got, want := req.Header.Get("Authorization"), "Bearer "+s.token; got != want {
		return "", fmt.Errorf("%s %s: Authorization header is not the bearer token", req.Method, req.URL.Path)
	}
	if req.URL.Path == "/oauth/token/accessible-resources" {
		if req.Method != http.MethodGet || req.URL.RawQuery != "" || body != nil {
			return "", fmt.Errorf("accessible-resources: expected a plain GET, got %s with query %q", req.Method, req.URL.RawQuery)
		}
		return accessibleResourcesOperation, nil
	}
	if !strings.HasPrefix(req.URL.Path, s.prefix+"/") {
		return "", fmt.Errorf("%s %s: path is not under %s", req.Method, req.URL.Path, s.prefix)
	}

	relative := req.Clone(context.Background())
	relative.URL.Path = strings.TrimPrefix(req.URL.Path, s.prefix)
	relative.URL.RawPath = strings.TrimPrefix(req.URL.RawPath, s.prefix)
	relative.Body = io.NopCloser(bytes.NewReader(body))
	if body == nil {
		relative.Body = http.NoBody
	}
	route, pathParams, err := s.router.FindRoute(relative)
	if err != nil {
		return "", fmt.Errorf("%s %s: %w", req.Method, relative.URL.Path, err)
	}
	operation := route.Operation.OperationID

	declared := map[string]bool{}
	for _, params := range []openapi3.Parameters{route.PathItem.Parameters, route.Operation.Parameters} {
		for _, p := range params {
			if p.Value != nil && p.Value.In == openapi3.ParameterInQuery {
				declared[p.Value.Name] = true
			}
		}
	}
	for name := range relative.URL.Query() {
		if !declared[name] {
			return "", fmt.Errorf("%s: query parameter %q is not declared", operation, name)
		}
	}

	input := &openapi3filter.RequestValidationInput{
		Request:    relative,
		PathParams: pathParams,
		Route:      route,
		Options:    &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
	}
	if err := openapi3filter.ValidateRequest(context.Background(), input); err != nil {
		return "", fmt.Errorf("%s: %w", operation, err)
	}
	return operation, nil
}
