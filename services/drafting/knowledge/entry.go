package knowledge

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"strings"
)

// Entry kinds.
const (
	KindFAQ       = "faq"
	KindProduct   = "product"
	KindGuideline = "guideline"
)

// Entry is one piece of the brand's knowledge: a FAQ answer, a product
// fact, a guideline page.
type Entry struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Body  string `json:"body"`
	Kind  string `json:"kind"`
	Lang  string `json:"lang"`
	URL   string `json:"url,omitempty"`
}

// Limits of a knowledge base.
const (
	MaxEntries   = 5000
	MaxBodyChars = 8000
)

// FieldError names the entry and field at fault.
type FieldError struct {
	Field string
	Msg   string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Msg }

var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

// Validate checks every entry; ids must be unique.
func Validate(entries []Entry) error {
	if len(entries) > MaxEntries {
		return &FieldError{"entries", fmt.Sprintf("%d entries, at most %d", len(entries), MaxEntries)}
	}
	seen := map[string]bool{}
	for i, e := range entries {
		at := func(f string) string { return fmt.Sprintf("entries[%d].%s", i, f) }
		switch {
		case !idPattern.MatchString(e.ID):
			return &FieldError{at("id"), fmt.Sprintf("%q is not lowercase letters, digits, - and _ (at most 64)", e.ID)}
		case seen[e.ID]:
			return &FieldError{at("id"), fmt.Sprintf("%q appears twice", e.ID)}
		case strings.TrimSpace(e.Title) == "":
			return &FieldError{at("title"), "is required"}
		case strings.TrimSpace(e.Body) == "":
			return &FieldError{at("body"), "is required"}
		case len([]rune(e.Body)) > MaxBodyChars:
			return &FieldError{at("body"), fmt.Sprintf("longer than %d characters", MaxBodyChars)}
		case e.Kind != KindFAQ && e.Kind != KindProduct && e.Kind != KindGuideline:
			return &FieldError{at("kind"), fmt.Sprintf("%q, want faq, product or guideline", e.Kind)}
		case e.Lang != "fr" && e.Lang != "en":
			return &FieldError{at("lang"), fmt.Sprintf("%q, want fr or en", e.Lang)}
		}
		if e.URL != "" {
			if u, err := url.Parse(e.URL); err != nil || u.Scheme != "https" || u.Host == "" {
				return &FieldError{at("url"), fmt.Sprintf("%q is not an https URL", e.URL)}
			}
		}
		seen[e.ID] = true
	}
	return nil
}

// ImportMarkdown reads entries from Markdown: each "## " heading is an
// entry's title, the text up to the next heading its body. Lines
// "id: ...", "kind: ...", "url: ..." right under a heading set those fields
// (defaults: the slug of the title, faq). lang applies to every entry.
func ImportMarkdown(md, lang string) ([]Entry, error) {
	var out []Entry
	var cur *Entry
	var body []string
	flush := func() {
		if cur != nil {
			cur.Body = strings.TrimSpace(strings.Join(body, "\n"))
			out = append(out, *cur)
		}
		body = nil
	}
	meta := true
	for line := range strings.Lines(md) {
		line = strings.TrimRight(line, "\r\n")
		if t, ok := strings.CutPrefix(line, "## "); ok {
			flush()
			cur = &Entry{Title: strings.TrimSpace(t), Kind: KindFAQ, Lang: lang}
			cur.ID = Slug(cur.Title)
			meta = true
			continue
		}
		if cur == nil {
			continue // the document's title and preamble
		}
		if meta {
			k, v, ok := strings.Cut(line, ":")
			switch k = strings.ToLower(strings.TrimSpace(k)); {
			case ok && k == "id":
				cur.ID = strings.TrimSpace(v)
				continue
			case ok && k == "kind":
				cur.Kind = strings.TrimSpace(v)
				continue
			case ok && k == "url":
				cur.URL = strings.TrimSpace(v)
				continue
			case strings.TrimSpace(line) == "":
				continue
			}
			meta = false
		}
		body = append(body, line)
	}
	flush()
	if len(out) == 0 {
		return nil, &FieldError{"content", "no \"## \" heading: a Markdown knowledge base has one per entry"}
	}
	return out, Validate(out)
}

// ImportCSV reads entries from CSV with a header naming its columns: id,
// title, body, kind, lang, url (title and body required; the others default
// to the title's slug, faq and lang).
func ImportCSV(r io.Reader, lang string) ([]Entry, error) {
	cr := csv.NewReader(r)
	header, err := cr.Read()
	if err != nil {
		return nil, &FieldError{"content", "no CSV header: " + err.Error()}
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(h))] = i
	}
	for _, need := range []string{"title", "body"} {
		if _, ok := col[need]; !ok {
			return nil, &FieldError{"content", "the CSV header has no " + need + " column"}
		}
	}
	get := func(rec []string, name, def string) string {
		if i, ok := col[name]; ok && i < len(rec) && strings.TrimSpace(rec[i]) != "" {
			return strings.TrimSpace(rec[i])
		}
		return def
	}
	var out []Entry
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, &FieldError{"content", fmt.Sprintf("CSV line %d: %v", line, err)}
		}
		title := get(rec, "title", "")
		out = append(out, Entry{
			ID: get(rec, "id", Slug(title)), Title: title, Body: get(rec, "body", ""),
			Kind: get(rec, "kind", KindFAQ), Lang: get(rec, "lang", lang), URL: get(rec, "url", ""),
		})
	}
	return out, Validate(out)
}

// Slug is a lowercase id made of s's folded words joined by "-", at most
// 64 characters.
func Slug(s string) string {
	var b strings.Builder
	for _, r := range Fold(s) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
			b.WriteByte('-')
		}
	}
	return strings.Trim(b.String()[:min(b.Len(), 64)], "-")
}
