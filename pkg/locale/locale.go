// Package locale holds the formatting rules that French and English users
// see in exports and reports, written once for every service.
package locale

import "strings"

// FrenchGroupSeparator is the no-break space between groups of three digits
// in French numbers ("1 234 567").
const FrenchGroupSeparator = "\u00a0"

// GroupDigits puts sep between groups of three digits of an integer written
// in base 10, keeping its sign: GroupDigits("-1234567", ",") is
// "-1,234,567".
func GroupDigits(s, sep string) string {
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(r)
	}
	return sign + b.String()
}
