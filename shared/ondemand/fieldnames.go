package ondemand

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
)

// checkFieldNames rejects a key given twice in one object, and a key that
// differs from a field's name only in case. encoding/json matches keys
// case-insensitively and keeps the last of repeated keys, so without this
// check {"operation": "addGroupMember", "Operation": "removeGroupMember"}
// would validate as one operation and run another, and a caller that reads
// the first "tenant" key would see a different tenant than this function.
// Keys that match no field are left to decodeStrict. Objects nested in
// fields of struct type are checked the same way.
func checkFieldNames(raw []byte, t reflect.Type, path string) *Error {
	decoder := json.NewDecoder(bytes.NewReader(raw))
	if open, err := decoder.Token(); err != nil || open != json.Delim('{') {
		return nil // not an object: decodeStrict reports the type
	}
	fields := jsonFields(t)
	seen := map[string]bool{}
	for decoder.More() {
		token, err := decoder.Token()
		if err != nil {
			return nil // malformed: decodeStrict reports it
		}
		key, _ := token.(string)
		name := path + key
		var value json.RawMessage
		if err := decoder.Decode(&value); err != nil {
			return nil
		}
		if seen[key] {
			return newError(CodeInvalidField, clip(name), "%q is given more than once: send each field once", clip(name))
		}
		seen[key] = true
		fieldType, exact := fields[key]
		if !exact {
			for candidate := range fields {
				if strings.EqualFold(candidate, key) {
					return newError(CodeInvalidField, clip(name), "%q is not a field: field names are case-sensitive, so use %q", clip(name), path+candidate)
				}
			}
			continue
		}
		if fieldType.Kind() == reflect.Struct {
			if err := checkFieldNames(value, fieldType, name+"."); err != nil {
				return err
			}
		}
	}
	return nil
}

// jsonFields maps the JSON names of a struct's fields, including those of
// embedded structs without a tag, to their types with pointers removed.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	fields := map[string]reflect.Type{}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return fields
	}
	for i := range t.NumField() {
		f := t.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if tag == "-" || (!f.IsExported() && !f.Anonymous) {
			continue
		}
		fieldType := f.Type
		for fieldType.Kind() == reflect.Pointer {
			fieldType = fieldType.Elem()
		}
		if f.Anonymous && tag == "" && fieldType.Kind() == reflect.Struct {
			for name, inner := range jsonFields(fieldType) {
				if _, own := fields[name]; !own {
					fields[name] = inner
				}
			}
			continue
		}
		if tag == "" {
			tag = f.Name
		}
		fields[tag] = fieldType
	}
	return fields
}
