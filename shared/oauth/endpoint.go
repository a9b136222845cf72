package oauth

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// maxTokenResponse bounds the token endpoint's response body that is read.
const maxTokenResponse = 1 << 20

// defaultExpiresIn is the access token lifetime in seconds assumed when a
// token response has no expires_in.
const defaultExpiresIn = 3600

// Grant types sent to the token endpoint.
const (
	grantAuthorizationCode = "authorization_code"
	grantRefreshToken      = "refresh_token"
)

// tokenResponse is the token endpoint's JSON response body, errors included.
type tokenResponse struct {
	AccessToken      string `json:"access_token"`
	RefreshToken     string `json:"refresh_token"`
	ExpiresIn        int64  `json:"expires_in"`
	Scope            string `json:"scope"`
	TokenType        string `json:"token_type"`
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
}

// issuedToken is a successful token response with its absolute expiry.
type issuedToken struct {
	Token *oauth2.Token
	Scope string
}

// endpoint returns the x/oauth2 endpoint of an Atlassian authorization
// server base URL, such as https://auth.atlassian.com.
func endpoint(authBaseURL string) oauth2.Endpoint {
	base := strings.TrimSuffix(authBaseURL, "/")
	return oauth2.Endpoint{
		AuthURL:   base + "/authorize",
		TokenURL:  base + "/oauth/token",
		AuthStyle: oauth2.AuthStyleInParams,
	}
}

// requestToken posts a grant to the token endpoint as a JSON body. now is
// the time before the request, from which the expiry is counted.
//
// Atlassian's 3LO guide documents a JSON body for both the
// authorization_code and the refresh_token grant, while golang.org/x/oauth2
// v0.38 always sends application/x-www-form-urlencoded. So the connector
// posts the JSON itself and keeps x/oauth2 for the authorize URL, the Token
// type and the Transport. The secret values in the body are removed from any error
// description before it is returned.
func requestToken(ctx context.Context, client *http.Client, tokenURL string, body map[string]string, now time.Time) (issuedToken, error) {
	grant := body["grant_type"]
	encoded, err := json.Marshal(body)
	if err != nil {
		return issuedToken{}, fmt.Errorf("encode %s grant: %w", grant, err)
	}

	req, err := http.NewRequestWithContext(ctx, http.MethodPost, tokenURL, bytes.NewReader(encoded))
	if err != nil {
		return issuedToken{}, fmt.Errorf("build %s grant request to %s: %w", grant, tokenURL, err)
	}

	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return issuedToken{}, &TokenError{Grant: grant, Cause: err}
	}

	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxTokenResponse))
	if err != nil {
		return issuedToken{}, &TokenError{Grant: grant, StatusCode: resp.StatusCode, Cause: err}
	}

	var parsed tokenResponse
	mediaType, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	decodeErr := json.Unmarshal(raw, &parsed)
	if resp.StatusCode < 200 || resp.StatusCode > 299 || parsed.Error != "" {
		return issuedToken{}, &TokenError{
			Grant:       grant,
			StatusCode:  resp.StatusCode,
			Code:        parsed.Error,
			Description: redact(parsed.ErrorDescription, body),
		}
	}

	if decodeErr != nil || parsed.AccessToken == "" {
		return issuedToken{}, &TokenError{
			Grant:       grant,
			StatusCode:  resp.StatusCode,
			Description: fmt.Sprintf("the response (%s) has no access_token", mediaType),
		}
	}

	token := &oauth2.Token{
		AccessToken:  parsed.AccessToken,
		RefreshToken: parsed.RefreshToken,
		TokenType:    parsed.TokenType,
	}

	expiresIn := parsed.ExpiresIn
	if expiresIn <= 0 {
		// NOTE: 3600 s is an assumption (Atlassian's usual expires_in).
		// Without a default, a zero expiry would make every call refresh.
		expiresIn = defaultExpiresIn
	}

	// Counting from before the request keeps the expiry on the safe side.
	token.Expiry = now.Add(time.Duration(expiresIn) * time.Second)
	token.ExpiresIn = expiresIn
	return issuedToken{Token: token, Scope: parsed.Scope}, nil
}

// redact removes the secret values of a request body from a text the
// server returned, and shortens it to 200 bytes.
func redact(text string, body map[string]string) string {
	for name, value := range body {
		if name != "grant_type" && name != "client_id" && name != "redirect_uri" && len(value) >= 4 {
			text = strings.ReplaceAll(text, value, "[redacted]")
		}
	}
	if len(text) > 200 {
		text = text[:200] + "…"
	}
	return text
}
