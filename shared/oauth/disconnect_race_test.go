package oauth

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/idgov/atlassian-cloud-connector/shared/connection"
)

// removeDuringExchange marks the connection removed when the code exchange
// request goes out, as a disconnect racing the callback would.
type removeDuringExchange struct {
	h    *harness
	key  connection.Key
	next http.RoundTripper
}

func (r removeDuringExchange) RoundTrip(req *http.Request) (*http.Response, error) {
	if strings.HasSuffix(req.URL.Path, "/oauth/token") {
		if _, err := r.h.conns.SetStatus(req.Context(), r.key, connection.StatusRemoved, "disconnected"); err != nil {
			r.h.t.Errorf("mark removed: %v", err)
		}
	}
	return r.next.RoundTrip(req)
}

func TestCallbackDeletesTokensOfRemovedConnection(t *testing.T) {
	h := newHarness(t, nil)
	h.flow.HTTPClient = &http.Client{Transport: removeDuringExchange{h: h, key: acme, next: http.DefaultTransport}}
	query := h.authorize(acme)

	resp := h.callback(acme.Tenant+testHostSuffix, acme.ID, query)
	if resp.StatusCode != http.StatusGone {
		t.Errorf("callback status = %d, want 410 for a connection removed during the exchange", resp.StatusCode)
	}
	out, err := h.sm.Client().DescribeSecret(context.Background(), &secretsmanager.DescribeSecretInput{
		SecretId: stringPtr(h.secrets.TokensName(acme)),
	})
	if err != nil {
		t.Fatalf("describe tokens secret: %v", err)
	}
	if out.DeletedDate == nil {
		t.Error("the tokens secret of a removed connection is not scheduled for deletion")
	}
	if got := h.status(acme).Status; got != connection.StatusRemoved {
		t.Errorf("connection status = %q, want removed", got)
	}
	h.starter.mu.Lock()
	defer h.starter.mu.Unlock()
	if len(h.starter.calls) != 0 {
		t.Errorf("a sync started for a removed connection: %v", h.starter.calls)
	}
}

func stringPtr(s string) *string { return &s }
