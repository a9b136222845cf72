package connection

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"
)

// namePattern is the rule for tenants and connection identifiers: they end
// up inside DynamoDB keys joined by '#', Secrets Manager names joined by '/'
// and host names, so only lower-case letters, digits and hyphens are allowed.
var namePattern = regexp.MustCompile(`^[a-z0-9-]{1,64}$`)

// siteHostSuffixes are the host name endings of Atlassian Cloud sites.
var siteHostSuffixes = []string{".atlassian.net", ".jira.com"}

// siteLabelPattern is the site name in front of the suffix: one DNS label.
var siteLabelPattern = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

// ValidationError is a rejected setting. Field is the JSON name of the
// setting and Message says what is wrong and how to fix it.
type ValidationError struct {
	Field   string
	Message string
}

func (e *ValidationError) Error() string { return "invalid " + e.Field + ": " + e.Message }

func invalid(field, format string, args ...any) *ValidationError {
	return &ValidationError{Field: field, Message: fmt.Sprintf(format, args...)}
}

// ValidateTenant checks a tenant name.
func ValidateTenant(tenant string) error {
	if !namePattern.MatchString(tenant) {
		return invalid("tenant", "%q must be 1 to 64 characters of a-z, 0-9 and '-'", tenant)
	}
	return nil
}

// ValidateID checks a connection identifier.
func ValidateID(id string) error {
	if !namePattern.MatchString(id) {
		return invalid("connectionId", "%q must be 1 to 64 characters of a-z, 0-9 and '-', such as %q", id, DefaultID)
	}
	return nil
}

// Validate checks both parts of the key.
func (k Key) Validate() error {
	if err := ValidateTenant(k.Tenant); err != nil {
		return err
	}
	return ValidateID(k.ID)
}

// NormalizeSiteURL validates an Atlassian Cloud site URL and returns it in
// canonical form: "https://<name>.atlassian.net" (or ".jira.com"), lower
// case, without a trailing slash. Paths, queries, ports, user info and
// schemes other than https are rejected.
func NormalizeSiteURL(raw string) (string, error) {
	const example = "https://your-site.atlassian.net"
	trimmed := strings.TrimSpace(raw)
	u, err := url.Parse(trimmed)
	if err != nil || u.Host == "" {
		return "", invalid("siteUrl", "%q is not a URL; enter the site address, such as %s", raw, example)
	}
	if !strings.EqualFold(u.Scheme, "https") {
		return "", invalid("siteUrl", "%q must use https, such as %s", raw, example)
	}
	if u.User != nil || u.Port() != "" {
		return "", invalid("siteUrl", "%q must not contain user info or a port; use %s", raw, example)
	}
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return "", invalid("siteUrl", "%q must be the site address only, without a path or query, such as %s", raw, example)
	}
	host := strings.ToLower(u.Hostname())
	for _, suffix := range siteHostSuffixes {
		label, ok := strings.CutSuffix(host, suffix)
		if ok && siteLabelPattern.MatchString(label) {
			return "https://" + host, nil
		}
	}
	return "", invalid("siteUrl", "%q is not an Atlassian Cloud site; it must be https://<name>.atlassian.net or https://<name>.jira.com", raw)
}

// SameSite reports whether a site URL returned by Atlassian (for example
// from accessible-resources) names the configured site. Both are compared
// after lower-casing and removing one trailing slash, and the returned URL's
// scheme defaults to https.
func SameSite(configured, returned string) bool {
	norm := func(s string) string {
		s = strings.ToLower(strings.TrimSpace(s))
		s = strings.TrimSuffix(s, "/")
		if !strings.Contains(s, "://") {
			s = "https://" + s
		}
		return s
	}
	return configured != "" && norm(configured) == norm(returned)
}

// validateCallbackURL checks a redirect or return URL: https, or http on a
// loopback address for local runs.
func validateCallbackURL(field, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return invalid(field, "%q is not an absolute URL; use https://host/path", raw)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if isLoopback(u.Hostname()) {
			return nil
		}
		return invalid(field, "%q uses http on a non-loopback host; use https", raw)
	default:
		return invalid(field, "%q must use https (or http on 127.0.0.1 for local runs)", raw)
	}
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
