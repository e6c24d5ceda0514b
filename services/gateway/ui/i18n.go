package ui

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// Langs are the languages of the workspace; the first is the default.
var Langs = []string{"en", "fr"}

// msg is one string in English and French.
type msg struct{ en, fr string }

// T is the string key in ctx's language, formatted with args (fmt verbs).
// A key missing from the catalogue shows as itself, and TestCatalogue fails.
func T(ctx context.Context, key string, args ...any) string {
	m, ok := catalogue[key]
	if !ok {
		return key
	}
	s := m.en
	if Lang(ctx) == "fr" {
		s = m.fr
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// Negotiate picks the language: the user's choice (the language cookie)
// first, then the browser's Accept-Language by quality, then English.
func Negotiate(choice, acceptLanguage string) string {
	if isLang(choice) {
		return choice
	}
	best, bestQ := "", -1.0
	for _, part := range strings.Split(acceptLanguage, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		base, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		if isLang(base) && q > bestQ {
			best, bestQ = base, q
		}
	}
	if best == "" {
		return Langs[0]
	}
	return best
}

func isLang(s string) bool { return s == "en" || s == "fr" }
