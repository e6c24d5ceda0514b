package fold

import (
	"strings"
	"testing"
	"unicode"
)

// A table gives what its function gives, for every rune.
func TestTable(t *testing.T) {
	f := func(r rune) string { return strings.Repeat(string(unicode.ToLower(r)), 1+int(r%2)*min(int(r), 1)) }
	ascii := func(r rune) string {
		if r < 0x80 {
			return string(unicode.ToLower(r))
		}
		return f(r)
	}
	tab := NewTable(ascii)
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if got, want := tab.Fold(r), ascii(r); got != want {
			t.Fatalf("Fold(%U) = %q, want %q", r, got, want)
		}
		if r < 0x80 && tab.ASCII(byte(r)) != ascii(r) {
			t.Fatalf("ASCII(%q) = %q", r, tab.ASCII(byte(r)))
		}
	}
}

// ClassOf's table of ASCII is classOf.
func TestClassOf(t *testing.T) {
	for r := rune(0); r < 0x80; r++ {
		if got, want := ClassOf(r), classOf(r); got != want {
			t.Fatalf("ClassOf(%U) = %b, want %b", r, got, want)
		}
	}
	if ClassOf('É') != Upper|Letter || ClassOf('٣') != Digit || ClassOf('a') != Letter {
		t.Fatal("ClassOf misreads É, ٣ or a")
	}
}

// AppendLower is strings.ToLower.
func FuzzAppendLower(f *testing.F) {
	for _, s := range []string{"İ\u212aȺ\xff\ufffdÉ", "Merci pour rien 🙄", "YEAH RIGHT", "ǅ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := string(AppendLower(nil, s)), strings.ToLower(s); got != want {
			t.Fatalf("AppendLower(%q) = %q, want %q", s, got, want)
		}
	})
}
