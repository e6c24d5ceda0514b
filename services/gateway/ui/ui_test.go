package ui

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// TestCatalogue: every string has both languages, and every key the
// components and handlers use exists.
func TestCatalogue(t *testing.T) {
	for k, m := range catalogue {
		if m.en == "" || m.fr == "" {
			t.Errorf("%s: en %q, fr %q", k, m.en, m.fr)
		}
	}
	used := regexp.MustCompile(`T\(ctx, "([a-z0-9_.]+)"[,)]`)
	files, _ := filepath.Glob("*.templ")
	more, _ := filepath.Glob("../ui_*.go")
	n := 0
	for _, f := range append(files, more...) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range used.FindAllSubmatch(b, -1) {
			n++
			if _, ok := catalogue[string(m[1])]; !ok {
				t.Errorf("%s uses %q, missing from the catalogue", f, m[1])
			}
		}
	}
	if n < 20 {
		t.Fatalf("only %d uses found", n)
	}
}

func TestNegotiate(t *testing.T) {
	for _, tc := range []struct{ choice, accept, want string }{
		{"", "", "en"},
		{"", "fr-FR,fr;q=0.9,en;q=0.8", "fr"},
		{"", "de-DE,de;q=0.9,en;q=0.5,fr;q=0.7", "fr"},
		{"en", "fr-FR", "en"},
		{"xx", "fr", "fr"},
		{"", "de", "en"},
	} {
		if got := Negotiate(tc.choice, tc.accept); got != tc.want {
			t.Errorf("Negotiate(%q, %q) = %q, want %q", tc.choice, tc.accept, got, tc.want)
		}
	}
	if T(WithLang(context.Background(), "fr"), "signin.title") != "Connexion" || T(context.Background(), "signin.title") != "Sign in" {
		t.Fatal("T does not follow the language")
	}
}

func TestAssetVersions(t *testing.T) {
	for _, name := range []string{"app.css", "app.js", "htmx.min.js"} {
		if versions[name] == "" {
			t.Errorf("%s is not embedded", name)
		}
	}
}

func TestShown(t *testing.T) {
	if got := Shown("RTL \u202egnp.exe\u202c and \u2066x\u2069 ok"); got != "RTL [U+202E]gnp.exe[U+202C] and [U+2066]x[U+2069] ok" {
		t.Fatalf("Shown = %q", got)
	}
	if got := Shown("français عربى"); got != "français عربى" {
		t.Fatalf("Shown changed ordinary text: %q", got)
	}
}

func TestFillVariables(t *testing.T) {
	got := FillVariables("Bonjour {{author}}, votre commande {{ order }} part demain.", map[string]string{"author": "Inès"})
	if got != "Bonjour Inès, votre commande {{ order }} part demain." {
		t.Fatalf("FillVariables = %q", got)
	}
}
