package oauth

import (
	"bytes"
	"context"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/idgov/atlassian-cloud-connector/shared/connection"
)

// CallbackPathPrefix is the path of the callback route without its
// {uniqueIdentifier} segment.
const CallbackPathPrefix = "/application/oauthProcessCode/"

// pageTemplate is the callback's whole page. It loads nothing from other
// origins, and the Referrer-Policy header keeps the callback URL, which
// contains the authorization code, out of any later request.
var pageTemplate = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>body{font-family:system-ui,sans-serif;max-width:40em;margin:3em auto;padding:0 1em;line-height:1.5}
h1{font-size:1.4em}.ok{color:#006644}.fail{color:#bf2600}code{font-size:.95em}</style>
</head>
<body>
<h1 class="{{if .Connected}}ok{{else}}fail{{end}}">{{.Title}}</h1>
<p>{{.Detail}}</p>
{{- if .List}}
<ul>{{range .List}}<li><code>{{.}}</code></li>{{end}}</ul>
{{- end}}
<p><small>Connection <code>{{.Key.ID}}</code> · result <code>{{.Reason}}</code>{{if .RunID}} · sync run <code>{{.RunID}}</code>{{end}}</small></p>
</body>
</html>
`))

var securityHeaders = map[string]string{
	"Cache-Control":           "no-store",
	"Referrer-Policy":         "no-referrer",
	"X-Content-Type-Options":  "nosniff",
	"X-Frame-Options":         "DENY",
	"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
}

// Response is the HTTP response to a callback.
type Response struct {
	Status  int
	Headers map[string]string
	Body    string
}

// Response renders the outcome as a 302 to the connection's return URL, with
// the parameters status, connectionId and (when the sync started) runId.
// Without a return URL it renders the HTML page, and so it does for a
// rejected state, because that request may not come from this connection's
// admin.
func (o *Outcome) Response() Response {
	headers := make(map[string]string, len(securityHeaders)+1)
	for name, value := range securityHeaders {
		headers[name] = value
	}
	if target := o.returnTarget(); target != "" {
		headers["Location"] = target
		return Response{Status: http.StatusFound, Headers: headers}
	}
	var body bytes.Buffer
	if err := pageTemplate.Execute(&body, o); err != nil {
		// The template is fixed and its data are strings, so this is a bug.
		body.Reset()
		body.WriteString("<!DOCTYPE html><title>Error</title><p>The result page could not be shown.</p>")
	}
	headers["Content-Type"] = "text/html; charset=utf-8"
	return Response{Status: o.HTTPStatus, Headers: headers, Body: body.String()}
}

func (o *Outcome) returnTarget() string {
	if o.Connection == nil || o.Connection.ReturnURL == "" || o.Reason == ReasonInvalidState {
		return ""
	}
	target, err := url.Parse(o.Connection.ReturnURL)
	if err != nil {
		return ""
	}
	query := target.Query()
	query.Set("status", string(o.Reason))
	query.Set("connectionId", o.Key.ID)
	if o.RunID != "" {
		query.Set("runId", o.RunID)
	}
	if o.SyncErr != nil {
		query.Set("sync", "not_started")
	}
	target.RawQuery = query.Encode()
	return target.String()
}

// TenantFromHost returns the tenant of a callback host name: the single DNS
// label in front of suffix, so "acme.connect.example.com" with suffix
// ".connect.example.com" is tenant "acme". A port is ignored.
func TenantFromHost(host, suffix string) (string, error) {
	if suffix == "" {
		return "", fmt.Errorf("no tenant host suffix is configured: set TENANT_HOST_SUFFIX, such as .connect.example.com")
	}
	name := strings.ToLower(host)
	if h, _, ok := strings.Cut(name, ":"); ok {
		name = h
	}
	tenant, ok := strings.CutSuffix(name, strings.ToLower(suffix))
	if !ok || tenant == "" || strings.Contains(tenant, ".") {
		return "", fmt.Errorf("host %q is not <tenant>%s: use the callback URL shown in the app settings", host, suffix)
	}
	if err := connection.ValidateTenant(tenant); err != nil {
		return "", fmt.Errorf("host %q: %w", host, err)
	}
	return tenant, nil
}

// HandleCallback is the Lambda handler of GET
// /application/oauthProcessCode/{uniqueIdentifier} behind an API Gateway
// HTTP API (payload format 2.0). It takes the tenant from the host name and
// never returns an error: every failure is a page or a redirect.
func (f *Flow) HandleCallback(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	host := req.RequestContext.DomainName
	if host == "" {
		host = req.Headers["host"]
	}
	id := req.PathParameters["uniqueIdentifier"]
	if id == "" {
		id = strings.TrimPrefix(req.RawPath, CallbackPathPrefix)
	}
	var outcome *Outcome
	tenant, err := TenantFromHost(host, f.TenantHostSuffix)
	switch {
	case err != nil:
		outcome = reject(connection.Key{ID: id}, ReasonInvalidRequest, http.StatusBadRequest, "Unknown callback address",
			"This address does not belong to a tenant of this service. Use the callback URL shown in the app settings.", err)
	case req.RequestContext.HTTP.Method != "" && req.RequestContext.HTTP.Method != http.MethodGet:
		outcome = reject(connection.Key{Tenant: tenant, ID: id}, ReasonInvalidRequest, http.StatusMethodNotAllowed,
			"Method not allowed", "The callback accepts GET only.",
			fmt.Errorf("callback method %s is not GET", req.RequestContext.HTTP.Method))
	default:
		query, parseErr := url.ParseQuery(req.RawQueryString)
		if parseErr != nil {
			// A malformed pair is dropped; the rest may still hold the state.
			f.logger().WarnContext(ctx, "callback query partly malformed", "tenant", tenant, "connectionId", id)
		}
		outcome = f.Complete(ctx, connection.Key{Tenant: tenant, ID: id}, query)
	}
	f.logOutcome(ctx, outcome)
	resp := outcome.Response()
	return events.APIGatewayV2HTTPResponse{StatusCode: resp.Status, Headers: resp.Headers, Body: resp.Body}, nil
}

// callbackHandler serves the callback of one connection at path, for local
// runs where the tenant comes from the command line instead of a host name.
// It calls done with the outcome of every callback it serves.
func (f *Flow) callbackHandler(key connection.Key, path string, done func(*Outcome)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || r.URL.Path != path {
			http.NotFound(w, r)
			return
		}
		outcome := f.Complete(r.Context(), key, r.URL.Query())
		f.logOutcome(r.Context(), outcome)
		resp := outcome.Response()
		for name, value := range resp.Headers {
			w.Header().Set(name, value)
		}
		w.WriteHeader(resp.Status)
		_, _ = w.Write([]byte(resp.Body))
		done(outcome)
	})
}

func (f *Flow) logOutcome(ctx context.Context, o *Outcome) {
	attrs := []any{"tenant", o.Key.Tenant, "connectionId", o.Key.ID, "result", o.Reason, "httpStatus", o.HTTPStatus}
	if o.RunID != "" {
		attrs = append(attrs, "runId", o.RunID)
	}
	switch {
	case o.Connected() && o.SyncErr != nil:
		f.logger().ErrorContext(ctx, "connection authorized but first sync not started", append(attrs, "error", o.SyncErr.Error())...)
	case o.Connected():
		f.logger().InfoContext(ctx, "connection authorized", attrs...)
	case o.Reason == ReasonInternalError:
		f.logger().ErrorContext(ctx, "callback failed", append(attrs, "error", errString(o.Err))...)
	default:
		f.logger().WarnContext(ctx, "callback rejected", append(attrs, "error", errString(o.Err))...)
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
