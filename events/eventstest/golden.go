// Package eventstest checks event contracts against golden JSON files kept
// under events/testdata, so that an accidental change of a wire format fails
// a test. Run the tests with -update to rewrite the files on purpose.
package eventstest

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files under events/testdata")

// Dir is the absolute path of events/testdata.
func Dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "testdata")
}

// Golden marshals v and compares it byte for byte with testdata/name; it also
// decodes the golden file back and checks that nothing is lost on the way.
func Golden(t testing.TB, name string, v any) {
	t.Helper()
	got, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatalf("marshal %s: %v", name, err)
	}
	got = append(got, '\n')
	path := filepath.Join(Dir(), name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run with -update to create it): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s changed on the wire.\n--- got\n%s\n--- want\n%s\nA breaking change needs a new version; an additive one needs -update.", name, got, want)
	}
	// Round trip: the golden file decodes into the same value.
	back := newOf(v)
	dec := json.NewDecoder(bytes.NewReader(want))
	dec.DisallowUnknownFields()
	if err := dec.Decode(back); err != nil {
		t.Fatalf("decode golden %s: %v", name, err)
	}
	again, _ := json.MarshalIndent(back, "", "  ")
	if !bytes.Equal(append(again, '\n'), want) {
		t.Fatalf("%s does not round-trip:\n%s", name, again)
	}
}

// Contains reports whether s contains sub, case-insensitively.
func Contains(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}

func newOf(v any) any {
	return reflect.New(reflect.TypeOf(v)).Interface()
}
