package vocab

import (
	"fmt"
	"testing"
)

// A word added has its number; a word not added has none, whatever the
// filter says about its shape.
func TestVocabulary(t *testing.T) {
	v := New()
	var added []string
	for i := range 500 {
		w := fmt.Sprintf("w%dx%d", i, i%7)
		if id := v.Add(w); int(id) != i {
			t.Fatalf("Add(%q) = %d, want %d", w, id, i)
		}
		added = append(added, w)
	}
	if v.Add(added[3]) != 3 || v.Size() != len(added) {
		t.Fatalf("adding again renumbered: size %d", v.Size())
	}
	for i, w := range added {
		if id, ok := v.Lookup(w); !ok || int(id) != i {
			t.Fatalf("Lookup(%q) = %d %v, want %d", w, id, ok, i)
		}
		if id, ok := v.LookupBytes([]byte(w)); !ok || int(id) != i {
			t.Fatalf("LookupBytes(%q) = %d %v, want %d", w, id, ok, i)
		}
		for _, other := range []string{w + "y", "y" + w, w[:len(w)-1] + "z"} {
			if _, ok := v.Lookup(other); ok {
				t.Fatalf("Lookup(%q): a word never added has a number", other)
			}
		}
	}
	if _, ok := v.Lookup(""); ok {
		t.Fatal("the empty word has a number")
	}
	if _, ok := v.LookupBytes(nil); ok {
		t.Fatal("the empty word has a number")
	}
}
