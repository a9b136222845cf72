package syncrun_test

import "reflect"

// typeOf returns an error's type name as AWS Lambda reports it.
func typeOf(v any) string {
	t := reflect.TypeOf(v)
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Name()
}
