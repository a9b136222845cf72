package jirasim

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
)

// stringifyScalars returns body with every JSON number and boolean turned
// into a string, or body unchanged when it is not JSON.
func stringifyScalars(body []byte) []byte {
	v, ok := decodeAny(body)
	if !ok {
		return body
	}
	var walk func(any) any
	walk = func(v any) any {
		switch t := v.(type) {
		case map[string]any:
			for k, e := range t {
				t[k] = walk(e)
			}
		case []any:
			for i, e := range t {
				t[i] = walk(e)
			}
		case json.Number:
			return t.String()
		case bool:
			if t {
				return "true"
			}
			return "false"
		}
		return v
	}
	return encodeAny(walk(v), body)
}

// dropFirstAccountID returns body without the first accountId field met in
// a depth-first walk (array items in order, object keys sorted).
func dropFirstAccountID(body []byte) []byte {
	v, ok := decodeAny(body)
	if !ok {
		return body
	}
	var walk func(any) bool
	walk = func(v any) bool {
		switch t := v.(type) {
		case map[string]any:
			if _, has := t["accountId"]; has {
				delete(t, "accountId")
				return true
			}
			keys := make([]string, 0, len(t))
			for k := range t {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			for _, k := range keys {
				if walk(t[k]) {
					return true
				}
			}
		case []any:
			for _, e := range t {
				if walk(e) {
					return true
				}
			}
		}
		return false
	}
	walk(v)
	return encodeAny(v, body)
}

func decodeAny(body []byte) (any, bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, false
	}
	return v, true
}

func encodeAny(v any, fallback []byte) []byte {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fallback
	}
	return []byte(strings.TrimSuffix(b.String(), "\n"))
}
