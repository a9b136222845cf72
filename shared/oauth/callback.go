package oauth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"golang.org/x/oauth2"

	"github.com/idgov/atlassian-cloud-connector/shared/atlassian"
	"github.com/idgov/atlassian-cloud-connector/shared/connection"
	"github.com/idgov/atlassian-cloud-connector/shared/secrets"
)

// errorCodePattern accepts OAuth error codes such as access_denied; other
// values of the error parameter are not shown or logged as given.
var errorCodePattern = regexp.MustCompile(`^[a-z_]{1,64}$`)

// TriggerConsent prefixes the trigger passed to SyncStarter after consent.
const TriggerConsent = "consent"

// Complete processes the query of a callback for the connection, in this
// order: an error parameter, the state, the connection, the code exchange,
// the site among the accessible resources, the granted scopes. On success it
// stores the tokens, marks the connection connected and starts the first
// sync. The caller must have taken the tenant from a trusted source.
func (f *Flow) Complete(ctx context.Context, key connection.Key, query url.Values) *Outcome {
	if err := key.Validate(); err != nil {
		return reject(key, ReasonInvalidRequest, http.StatusBadRequest, "Invalid callback address",
			"The callback address names an invalid connection. Use the callback URL shown in the app settings.", err)
	}

	if code := query.Get("error"); code != "" {
		return f.declined(ctx, key, code, query.Get("state"))
	}

	if err := f.States.Consume(ctx, query.Get("state"), key); err != nil {
		var stateErr *StateError
		if errors.As(err, &stateErr) {
			return reject(key, ReasonInvalidState, http.StatusBadRequest, "Authorization link not valid",
				stateDetails[stateErr.Problem], err)
		}
		return internalError(key, err)
	}

	code := query.Get("code")
	if code == "" {
		return reject(key, ReasonInvalidRequest, http.StatusBadRequest, "No authorization code",
			"Atlassian returned no authorization code. Start the connection again from the app settings.",
			fmt.Errorf("callback for %s has no code parameter", key))
	}

	conn, outcome := f.loadConnection(ctx, key)
	if outcome != nil {
		return outcome
	}

	issued, outcome := f.exchange(ctx, conn, code)
	if outcome != nil {
		return outcome
	}

	cloudID, outcome := f.matchSite(ctx, conn, issued.Token)
	if outcome != nil {
		return outcome
	}

	missing := MissingScopes(conn.Scopes, issued.Scope, issued.Token.RefreshToken != "")
	if len(missing) > 0 {
		o := reject(key, ReasonMissingScopes, http.StatusForbidden, "Permissions missing",
			"The grant lacks scopes the connector needs. Add them to the app's permissions in the Atlassian developer console, then start the connection again.",
			fmt.Errorf("grant for %s lacks %d required scopes: %s", key, len(missing), strings.Join(missing, " ")))
		o.Connection, o.List = &conn, missing
		return o
	}

	return f.connect(ctx, conn, issued, cloudID)
}

// declined consumes the state when it is valid, so that the link cannot be
// used again, and reports the authorize endpoint's error.
func (f *Flow) declined(ctx context.Context, key connection.Key, code, state string) *Outcome {
	if state != "" {
		if err := f.States.Consume(ctx, state, key); err != nil {
			f.logger().InfoContext(ctx, "state of a declined authorization not consumed",
				"tenant", key.Tenant, "connectionId", key.ID, "error", err)
		}
	}
	if !errorCodePattern.MatchString(code) {
		code = "unrecognized"
	}
	if code == "access_denied" {
		return reject(key, ReasonDeclined, http.StatusForbidden, "Authorization declined",
			"The connection was not authorized, so nothing was connected. To connect, start again from the app settings and choose Accept on Atlassian's consent screen.",
			fmt.Errorf("authorization of %s declined (error=access_denied)", key))
	}
	return reject(key, ReasonAuthorizeError, http.StatusBadGateway, "Authorization failed",
		"Atlassian returned the error \""+code+"\" instead of an authorization. Check the app's callback URL and permissions in the Atlassian developer console, then start again.",
		fmt.Errorf("authorize endpoint returned error=%s for %s", code, key))
}

func (f *Flow) loadConnection(ctx context.Context, key connection.Key) (connection.Connection, *Outcome) {
	conn, err := f.Connections.Get(ctx, key)
	var notFound *connection.NotFoundError
	switch {
	case errors.As(err, &notFound):
		return conn, reject(key, ReasonNotFound, http.StatusNotFound, "Connection not found",
			"No connection with this identifier is configured. Configure it in the app settings, then start again.", err)
	case err != nil:
		return conn, internalError(key, err)
	case conn.Status == connection.StatusRemoved:
		return conn, reject(key, ReasonRemoved, http.StatusGone, "Connection removed",
			"This connection was removed. Configure a new connection in the app settings.",
			&connection.RemovedError{Key: key})
	}
	return conn, nil
}

// exchange trades the authorization code for a token pair.
func (f *Flow) exchange(ctx context.Context, conn connection.Connection, code string) (issuedToken, *Outcome) {
	clientSecret, err := f.Secrets.ClientSecret(ctx, conn.Key)
	var notFound *secrets.NotFoundError
	if errors.As(err, &notFound) {
		o := reject(conn.Key, ReasonClientUnavailable, http.StatusInternalServerError, "Client secret missing",
			"The connection's client secret is not stored. Enter it again in the app settings, then start again.", err)
		o.Connection = &conn
		return issuedToken{}, o
	}
	if err != nil {
		return issuedToken{}, internalError(conn.Key, err)
	}
	issued, err := requestToken(ctx, f.httpClient(), endpoint(f.AuthURL).TokenURL, map[string]string{
		"grant_type":    grantAuthorizationCode,
		"client_id":     conn.ClientID,
		"client_secret": clientSecret,
		"code":          code,
		"redirect_uri":  conn.RedirectURL,
	}, f.now())
	if err != nil {
		o := reject(conn.Key, ReasonExchangeFailed, http.StatusBadGateway, "Authorization code not accepted",
			"Atlassian did not exchange the authorization code for tokens. Start the connection again; if it fails again, check the client ID, client secret and callback URL in the app settings against the Atlassian developer console.",
			fmt.Errorf("exchange code for %s: %w", conn.Key, err))
		o.Connection = &conn
		return issuedToken{}, o
	}
	return issued, nil
}

// matchSite returns the cloud ID of the configured site among the sites the
// token can reach. It never falls back to the first one.
func (f *Flow) matchSite(ctx context.Context, conn connection.Connection, token *oauth2.Token) (string, *Outcome) {
	client := &http.Client{
		Transport: &oauth2.Transport{Source: oauth2.StaticTokenSource(token), Base: f.httpClient().Transport},
		Timeout:   f.httpClient().Timeout,
	}
	resources, err := atlassian.AccessibleResources(ctx, client, f.APIURL)
	if err != nil {
		o := reject(conn.Key, ReasonSitesUnavailable, http.StatusBadGateway, "Sites not available",
			"Atlassian did not list the sites the grant reaches. Start the connection again in a few minutes.",
			fmt.Errorf("list accessible resources for %s: %w", conn.Key, err))
		o.Connection = &conn
		return "", o
	}
	var granted []string
	for _, r := range resources {
		if connection.SameSite(conn.SiteURL, r.URL) {
			return r.ID, nil
		}
		granted = append(granted, r.URL)
	}
	o := reject(conn.Key, ReasonSiteNotGranted, http.StatusForbidden, "Site not authorized",
		"The consent did not include "+conn.SiteURL+". Start again and choose that site on Atlassian's consent screen, or correct the site URL in the app settings. The consent included the sites below.",
		fmt.Errorf("grant for %s does not reach %s; it reaches %d other sites", conn.Key, conn.SiteURL, len(granted)))
	o.Connection, o.List = &conn, granted
	return "", o
}

// connect stores the tokens, marks the connection connected and starts the
// first sync. The tokens are stored before the connection is marked, so a
// connected connection always has tokens.
func (f *Flow) connect(ctx context.Context, conn connection.Connection, issued issuedToken, cloudID string) *Outcome {
	consentedAt := f.now()
	err := f.Secrets.PutTokens(ctx, conn.Key, secrets.Tokens{
		AccessToken:  issued.Token.AccessToken,
		RefreshToken: issued.Token.RefreshToken,
		TokenType:    issued.Token.TokenType,
		Expiry:       issued.Token.Expiry,
		Scope:        issued.Scope,
		ConsentedAt:  consentedAt,
	})
	if err != nil {
		return internalError(conn.Key, err)
	}

	updated, err := f.Connections.MarkConnected(ctx, conn.Key, cloudID, consentedAt)
	var removed *connection.RemovedError
	if errors.As(err, &removed) {
		// The connection was disconnected during the code exchange: the
		// token pair just stored must not outlive it.
		if derr := f.Secrets.DeleteTokens(ctx, conn.Key, secrets.MinRecoveryDays); derr != nil {
			return internalError(conn.Key, derr)
		}
		return reject(conn.Key, ReasonRemoved, http.StatusGone, "Connection removed",
			"This connection was removed while it was being authorized. Configure a new connection in the app settings.", err)
	}
	if err != nil {
		return internalError(conn.Key, err)
	}

	o := &Outcome{
		Reason:     ReasonConnected,
		HTTPStatus: http.StatusOK,
		Key:        conn.Key,
		Connection: &updated,
		Title:      "Jira Cloud connected",
		Detail:     "The connection to " + updated.SiteURL + " is authorized. The first full sync has started.",
	}

	// Unix milliseconds keep the trigger unique per consent and valid in a
	// Step Functions execution name.
	trigger := TriggerConsent + "-" + strconv.FormatInt(consentedAt.UnixMilli(), 10)
	o.RunID, o.SyncErr = f.Sync.StartSync(ctx, conn.Key, trigger)
	if o.SyncErr != nil {
		o.Detail = "The connection to " + updated.SiteURL + " is authorized, but the first sync did not start. Start a sync from the app, or wait for the next scheduled one."
	}

	return o
}
