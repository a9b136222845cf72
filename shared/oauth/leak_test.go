package oauth

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/idgov/atlassian-cloud-connector/shared/connection"
	"github.com/idgov/atlassian-cloud-connector/shared/jirasim"
)

// runLeakScenarios drives every path that handles a code, token or the
// client secret: success, reuse, failures, refreshes and invalid_grant.
func runLeakScenarios(t *testing.T, h *harness) {
	ctx := context.Background()
	h.connect(acme)
	reused := h.authorize(acme)
	h.callback(acmeHost(), acme.ID, reused)
	h.callback(acmeHost(), acme.ID, reused)

	h.srv.InjectFault(jirasim.Fault{Method: http.MethodPost, Path: "/oauth/token", Kind: jirasim.FaultStatus, Status: http.StatusBadGateway, Count: 1})
	h.callback(acmeHost(), acme.ID, h.authorize(acme))

	if err := h.secrets.PutClientSecret(ctx, acme, "wrong-"+h.clientSecret); err != nil {
		t.Fatalf("store wrong client secret: %v", err)
	}
	h.callback(acmeHost(), acme.ID, h.authorize(acme))
	if err := h.secrets.PutClientSecret(ctx, acme, h.clientSecret); err != nil {
		t.Fatalf("restore client secret: %v", err)
	}

	site := h.dataset.Sites[0].URL
	h.srv.Mutate(func(d *jirasim.Dataset) { d.Sites[0].URL = "https://elsewhere.atlassian.net" })
	h.callback(acmeHost(), acme.ID, h.authorize(acme))
	h.srv.Mutate(func(d *jirasim.Dataset) { d.Sites[0].URL = site })
	h.callback("evil.example.com", acme.ID, h.authorize(acme))

	for range 2 {
		h.clock.Advance(2 * time.Hour)
		for range 3 {
			_, err := h.provider().Token(ctx, acme)
			h.errs = append(h.errs, err)
		}
	}
	h.clock.Advance(2 * time.Hour)
	h.srv.InjectFault(jirasim.Fault{Method: http.MethodPost, Path: "/oauth/token", Kind: jirasim.FaultStatus, Status: http.StatusInternalServerError, Count: 1})
	_, err := h.provider().Token(ctx, acme)
	h.errs = append(h.errs, err)

	h.srv.RevokeGrant()
	_, err = h.provider().Token(ctx, acme)
	h.errs = append(h.errs, err)

	// Configure and connect a second connection through the local flow.
	_, err = ConnectLocally(ctx, LocalConnectOptions{
		Config: connection.Config{
			Key: connection.Key{Tenant: "acme", ID: "local"}, SiteURL: site,
			ClientID: testClientID, ClientSecret: h.clientSecret,
			Schedule: connection.Schedule{Expression: connection.ScheduleManual},
		},
		Connections: h.conns, States: h.states, Secrets: h.secrets, Sync: h.starter,
		AuthURL: h.srv.URL(), APIURL: h.srv.URL(), Out: h.logs, Headless: true, Logger: h.logger, Now: h.clock.Now,
	})
	if err != nil {
		t.Errorf("ConnectLocally: %v", err)
	}
}

// tableDump returns every item of the harness's table as text.
func tableDump(t *testing.T, h *harness) string {
	t.Helper()
	var dump strings.Builder
	paginator := dynamodb.NewScanPaginator(h.table.Client, &dynamodb.ScanInput{TableName: aws.String(h.table.Name)})
	for paginator.HasMorePages() {
		page, err := paginator.NextPage(context.Background())
		if err != nil {
			t.Fatalf("scan table: %v", err)
		}
		for _, item := range page.Items {
			fmt.Fprintf(&dump, "%#v\n", item)
			for name, value := range item {
				fmt.Fprintf(&dump, "%s=%v\n", name, value)
			}
		}
	}
	return dump.String()
}

func TestNoSecretLeaks(t *testing.T) {
	modes := []struct {
		name    string
		consent jirasim.ConsentMode
	}{{"auto consent", jirasim.ConsentAuto}, {"declined consent", jirasim.ConsentDecline}}
	for _, mode := range modes {
		consent := mode.consent
		t.Run(mode.name, func(t *testing.T) {
			h := newHarness(t, func(o *jirasim.Options) { o.Consent = consent })
			if consent == jirasim.ConsentAuto {
				runLeakScenarios(t, h)
			} else {
				h.callback(acmeHost(), acme.ID, h.authorize(acme))
			}
			secretValues := append(h.srv.IssuedSecrets(), h.clientSecret)
			if consent == jirasim.ConsentAuto && len(secretValues) < 10 {
				t.Fatalf("only %d secrets issued; the scenarios did not run", len(secretValues))
			}

			var errText strings.Builder
			for _, err := range h.errs {
				if err != nil {
					fmt.Fprintf(&errText, "%v\n%+v\n%#v\n", err, err, err)
				}
			}
			places := map[string]string{
				"logs":     h.logs.String(),
				"pages":    strings.Join(h.pages, "\n"),
				"errors":   errText.String(),
				"dynamodb": tableDump(t, h),
			}
			for place, text := range places {
				for i, secret := range secretValues {
					if strings.Contains(text, secret) {
						t.Errorf("%s contain issued secret #%d (%s…)", place, i, secret[:min(8, len(secret))])
					}
				}
			}

			// The check itself must be able to fail: the simulator's record
			// of the token requests does contain the client secret.
			var recorded strings.Builder
			for _, r := range h.srv.Requests() {
				recorded.Write(r.Body)
			}
			if !strings.Contains(recorded.String(), h.clientSecret) && consent == jirasim.ConsentAuto {
				t.Errorf("the simulator's recorded token requests do not contain the client secret; the leak check cannot be trusted")
			}
		})
	}
}
