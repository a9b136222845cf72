package atlassian

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// decodeJSON unmarshals the body of resp into v. open is the byte that the
// top-level value must start with, '[' or '{'. A JSON null, which
// encoding/json accepts for slices and maps, is therefore malformed.
func decodeJSON(r request, resp response, open byte, v any) error {
	trimmed := bytes.TrimLeft(resp.body, " \t\r\n")
	if len(trimmed) == 0 {
		return malformed(r, resp.status, "empty body where JSON was expected", nil)
	}
	if trimmed[0] != open {
		kind := "an object"
		if open == '[' {
			kind = "an array"
		}
		return malformed(r, resp.status, fmt.Sprintf("top-level JSON value is not %s (starts with %q)", kind, trimmed[0]), nil)
	}
	if err := json.Unmarshal(resp.body, v); err != nil {
		return malformed(r, resp.status, describeJSONError(err), err)
	}
	return nil
}

func describeJSONError(err error) string {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		field := typeErr.Field
		if field == "" {
			field = "(top level)"
		}
		return fmt.Sprintf("field %s is a JSON %s where %s is expected", field, typeErr.Value, typeErr.Type)
	}
	var syntaxErr *json.SyntaxError
	if errors.As(err, &syntaxErr) {
		return fmt.Sprintf("invalid JSON at byte %d: %s", syntaxErr.Offset, syntaxErr)
	}
	return "invalid JSON: " + err.Error()
}

// pageJSON is the wire form of a PageBean. Pointers distinguish a missing
// field from a zero one.
type pageJSON[T any] struct {
	StartAt    *int  `json:"startAt"`
	MaxResults *int  `json:"maxResults"`
	Total      *int  `json:"total"`
	IsLast     *bool `json:"isLast"`
	Values     *[]T  `json:"values"`
}

// decodePage decodes a PageBean requested at startAt and checks each value
// with check, which returns a problem description or "".
func decodePage[T any](r request, resp response, startAt int, check func(*T) string) (Page[T], error) {
	var wire pageJSON[T]
	if err := decodeJSON(r, resp, '{', &wire); err != nil {
		return Page[T]{}, err
	}
	if wire.Values == nil {
		return Page[T]{}, malformed(r, resp.status, "values is missing or null", nil)
	}
	if wire.StartAt != nil && *wire.StartAt != startAt {
		return Page[T]{}, malformed(r, resp.status, fmt.Sprintf("startAt is %d but %d was requested", *wire.StartAt, startAt), nil)
	}
	values := *wire.Values
	if len(values) == 0 && wire.IsLast != nil && !*wire.IsLast {
		// Advancing startAt by zero items would request this page forever.
		return Page[T]{}, malformed(r, resp.status, "page is empty but isLast is false, so paging cannot advance", nil)
	}
	if err := checkValues(r, resp, "values", values, check); err != nil {
		return Page[T]{}, err
	}

	page := Page[T]{StartAt: startAt, Total: wire.Total, Values: values}
	if wire.MaxResults != nil {
		page.MaxResults = *wire.MaxResults
	}
	if wire.IsLast != nil {
		page.IsLast = *wire.IsLast
	}
	return page, nil
}

// checkValues runs check on each element and names the first bad one.
func checkValues[T any](r request, resp response, name string, values []T, check func(*T) string) error {
	for i := range values {
		if problem := check(&values[i]); problem != "" {
			return malformed(r, resp.status, fmt.Sprintf("%s[%d]: %s", name, i, problem), nil)
		}
	}
	return nil
}

// convertPage maps the values of a page to another type.
func convertPage[W, T any](page Page[W], convert func(W) T) Page[T] {
	values := make([]T, len(page.Values))
	for i, v := range page.Values {
		values[i] = convert(v)
	}
	return Page[T]{StartAt: page.StartAt, MaxResults: page.MaxResults, Total: page.Total, IsLast: page.IsLast, Values: values}
}

func checkUser(u *User) string {
	if u.AccountID == "" {
		return "accountId is missing or empty"
	}
	return ""
}

func checkGroup(g *Group) string {
	if g.GroupID == "" {
		return fmt.Sprintf("groupId is missing or empty (group name %q)", g.Name)
	}
	return ""
}
