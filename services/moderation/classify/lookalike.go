package classify

import (
	"regexp"
	"strings"
	"unicode"

	"golang.org/x/net/idna"
)

// Lookalike domains: a link whose host imitates a domain the reader trusts.
// Two signals. A host in punycode ("xn--") whose Unicode form writes Latin
// letters with other scripts' look-alikes (Cyrillic "а", Greek "ο") is an
// IDN homograph whoever the brand is. A host that imitates one of the
// brand's own domains (policy document's `domains`) — the same skeleton
// once confusable characters are folded ("cafe-lumiere.fr" and
// "cafe-lumlere.fr", "caf3-lumiere.fr", "rn" for "m"), one edit away from
// its name, or its name under another TLD or with a word added
// ("cafe-lumiere-support.com") — is phishing on the brand's page.

// confusables fold characters that look alike into one: digits and
// letters that pass for others, and the Cyrillic and Greek letters that
// look Latin.
var confusables = map[rune]rune{
	'0': 'o', '1': 'l', 'i': 'l', '3': 'e', '5': 's', '4': 'a', '7': 't', '8': 'b', '@': 'a', '$': 's', '9': 'g',
	'а': 'a', 'е': 'e', 'о': 'o', 'р': 'p', 'с': 'c', 'у': 'y', 'х': 'x', 'і': 'l', 'ј': 'j', 'ѕ': 's', 'һ': 'h', 'ԁ': 'd', 'ӏ': 'l', 'к': 'k', 'м': 'm', 'т': 't', 'в': 'b', 'н': 'h',
	'α': 'a', 'ο': 'o', 'ρ': 'p', 'ε': 'e', 'ν': 'v', 'τ': 't', 'ι': 'l', 'κ': 'k', 'χ': 'x', 'υ': 'u',
	'é': 'e', 'è': 'e', 'ê': 'e', 'ë': 'e', 'à': 'a', 'â': 'a', 'ä': 'a', 'ç': 'c', 'î': 'l', 'ï': 'l', 'ô': 'o', 'ö': 'o', 'ù': 'u', 'û': 'u', 'ü': 'u',
}

// skeleton is s with confusable characters folded, "rn" read as "m", "vv"
// as "w", and hyphens and dots dropped.
func skeleton(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r == '-' || r == '.' || r == '_' {
			continue
		}
		if f, ok := confusables[r]; ok {
			r = f
		}
		b.WriteRune(r)
	}
	return strings.NewReplacer("rn", "m", "vv", "w").Replace(b.String())
}

// unicodeHost is host's Unicode form when it has a punycode label.
func unicodeHost(host string) (string, bool) {
	if !strings.Contains(host, "xn--") {
		return host, false
	}
	u, err := idna.ToUnicode(host)
	if err != nil {
		return host, true
	}
	return u, true
}

// homograph reports a host that mixes Latin letters with another script's,
// or writes a Latin-looking name in Cyrillic or Greek letters.
func homograph(host string) bool {
	latin, other, lookalike := 0, 0, 0
	for _, r := range host {
		switch {
		case r < 0x80 || unicode.Is(unicode.Latin, r):
			if unicode.IsLetter(r) {
				latin++
			}
		case unicode.IsLetter(r):
			other++
			if _, ok := confusables[r]; ok {
				lookalike++
			}
		}
	}
	return other > 0 && (latin > 0 || lookalike == other)
}

// splitHost is host without "www." as its name and its top-level domain:
// "cafe-lumiere" and "fr" for "www.cafe-lumiere.fr".
func splitHost(host string) (name, tld string) {
	host = strings.TrimPrefix(strings.TrimSuffix(host, "."), "www.")
	i := strings.LastIndexByte(host, '.')
	if i < 0 {
		return host, ""
	}
	return host[:i], host[i+1:]
}

// imitates reports whether host imitates the brand domain own without
// being it (or one of its subdomains).
func imitates(host, own string) bool {
	own = strings.ToLower(strings.TrimPrefix(own, "www."))
	host = strings.TrimPrefix(host, "www.")
	if host == own || strings.HasSuffix(host, "."+own) {
		return false
	}
	name, _ := splitHost(host)
	ownName, _ := splitHost(own)
	if len(skeleton(ownName)) < 4 {
		return false // too short a name to tell an imitation from chance
	}
	hs, ownSk := skeleton(name), skeleton(ownName)
	switch {
	case hs == ownSk: // another TLD, or confusable characters
		return true
	case strings.Contains(hs, ownSk): // the name with a word added
		return true
	case len(ownSk) >= 6 && editDistanceAtMost1(hs, ownSk):
		return true
	}
	return false
}

// editDistanceAtMost1 reports whether a and b differ by at most one
// insertion, deletion, substitution or swap of two neighbours.
func editDistanceAtMost1(a, b string) bool {
	if len(a) > len(b) {
		a, b = b, a
	}
	if len(b)-len(a) > 1 {
		return false
	}
	i := 0
	for i < len(a) && a[i] == b[i] {
		i++
	}
	if i == len(a) {
		return true
	}
	if len(a) == len(b) {
		if a[i+1:] == b[i+1:] {
			return true
		}
		return i+1 < len(a) && a[i] == b[i+1] && a[i+1] == b[i] && a[i+2:] == b[i+2:]
	}
	return a[i:] == b[i+1:]
}

// lookalikeReasons names what makes host a lookalike: "link:homograph" for
// an IDN homograph, "link:lookalike_domain" for an imitation of one of the
// brand's domains.
func lookalikeReasons(host string, brandDomains []string) []string {
	var out []string
	u, _ := unicodeHost(host)
	if homograph(u) {
		out = append(out, "link:homograph")
	}
	for _, d := range brandDomains {
		if imitates(u, d) {
			out = append(out, "link:lookalike_domain")
			break
		}
	}
	return out
}

// hostRe finds host names written without a scheme or a path
// ("cafe-lumlere.fr", "xn--caf-lumire-ecb.fr"), which urlRe leaves out.
var hostRe = regexp.MustCompile(`(?i)(?:^|[^\pL\pN@.-])((?:[\pL\pN](?:[\pL\pN-]*[\pL\pN])?\.)+(?:[a-z]{2,24}|xn--[a-z0-9-]+))(?:[^\pL\pN-]|$)`)

// linkHosts are the hosts of text's links and bare host names, lower-cased.
func linkHosts(text string, links []string) []string {
	var out []string
	add := func(h string) {
		h = strings.ToLower(strings.TrimRight(h, ".,;:!)"))
		if h != "" && !slicesContains(out, h) {
			out = append(out, h)
		}
	}
	for _, l := range links {
		add(hostOf(strings.ToLower(l)))
	}
	for _, m := range hostRe.FindAllStringSubmatch(text, -1) {
		add(m[1])
	}
	return out
}

func slicesContains(s []string, x string) bool {
	for _, y := range s {
		if y == x {
			return true
		}
	}
	return false
}

// hostOf is a link's host: "https://www.x.fr/a?b" → "www.x.fr".
func hostOf(link string) string {
	host := link
	if i := strings.Index(host, "://"); i >= 0 {
		host = host[i+3:]
	}
	if j := strings.IndexAny(host, "/?#"); j >= 0 {
		host = host[:j]
	}
	return strings.TrimRight(host, ".,;:!)")
}

// hasNonASCIIHost reports a word with a non-ASCII letter and a dot
// followed by a letter: a host written with letters of another script
// ("cаfe-lumiere.fr" with a Cyrillic "а"). French words with accents and
// a full stop do not count: the dot must be followed by a letter.
func hasNonASCIIHost(s string) bool {
	nonASCII, dotted, afterDot := false, false, false
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			nonASCII, dotted, afterDot = false, false, false
			continue
		case r == '.':
			afterDot = true
			continue
		case unicode.IsLetter(r):
			if r >= 0x80 {
				nonASCII = true
			}
			if afterDot {
				dotted = true
			}
		}
		afterDot = false
		if nonASCII && dotted {
			return true
		}
	}
	return false
}
