// Package pii masks personal data in free text: e-mail addresses (also
// written "name [at] domain [dot] com", "name arobase domain point fr"),
// phone numbers (French and international), IBANs, payment card numbers
// and postal addresses. It is pure and safe for concurrent use.
//
// Masking errs on the side of privacy: a text that looks like personal
// data is masked even if it is not (a 16-digit order number that passes the
// card checksum, a French phrase that reads like an address). Each masked
// span becomes one placeholder naming its kind, such as "[email]".
package pii

import (
	"regexp"
	"strings"
)

// Kind is a kind of personal data.
type Kind string

// Kinds of personal data, in the order Mask looks for them.
const (
	Email   Kind = "email"
	IBAN    Kind = "iban"
	Card    Kind = "card"
	Phone   Kind = "phone"
	Address Kind = "address"
)

// Placeholder is what replaces a span of kind k.
func Placeholder(k Kind) string { return "[" + string(k) + "]" }

var (
	// at and dot are the separators of an e-mail address, plain or
	// spelled out to escape filters ("[at]", "(arobase)", " at ", "{dot}").
	at  = `(?:\s*@\s*|\s*[\[({<]\s*(?:at|@|arobase|chez)\s*[\])}>]\s*|\s+(?:at|arobase)\s+)`
	dot = `(?:\.|\s*[\[({<]\s*(?:dot|point|\.)\s*[\])}>]\s*|\s+(?:dot|point)\s+)`

	emailRe = regexp.MustCompile(`(?i)[\p{L}\p{N}._%+-]+` + at + `[\p{L}\p{N}-]+(?:` + dot + `[\p{L}\p{N}-]+)*` + dot + `\p{L}{2,24}\b`)

	// ibanRe: two letters, two check digits, 11 to 30 letters or digits,
	// grouped by four or not.
	ibanRe = regexp.MustCompile(`(?i)\b[A-Z]{2}\d{2}(?:[ -]?[A-Z0-9]{4}){2,7}(?:[ -]?[A-Z0-9]{1,3})?\b`)

	// numberRe is a run of digits with the separators people write
	// numbers with; Mask decides from its digits what it is.
	numberRe = regexp.MustCompile(`\+?\(?\d[\d ().\-]{6,}\d`)

	// streetRe is a number, a kind of way and its name (French or
	// English); postcodeRe a French postcode followed by a city name.
	streetRe = regexp.MustCompile(`(?i:\b\d{1,4}(?:\s?(?:bis|ter|[a-c]))?,?\s+(?:rue|avenue|av\.?|boulevard|bd|place|pl\.|allée|allee|chemin|impasse|quai|route|cours|square|passage|lotissement|lieu-dit))` +
		`(?:\s+(?:de|du|des|la|le|les|l['’]|d['’]|\p{Lu}[\p{L}'’.-]*|\d+))+` + cityTail +
		`|\b\d{1,5}\s+(?:\p{Lu}[\p{L}'’-]*\s+){1,4}(?:Street|St\.?|Road|Rd\.?|Avenue|Ave\.?|Lane|Ln\.?|Drive|Dr\.?|Boulevard|Blvd\.?|Way|Court|Ct\.?|Place|Square)\b`)
	// cityTail is an optional ", 75002 Paris" after a street.
	cityTail   = `(?:,?\s*\d{5}(?:\s+\p{Lu}[\p{L}'’-]*(?:[ -]\p{Lu}[\p{L}'’-]*){0,3})?)?`
	dateRe     = regexp.MustCompile(`^\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}$`)
	postcodeRe = regexp.MustCompile(`\b(?:\d{5}|\d{2} \d{3})\s+\p{Lu}[\p{L}'’-]+(?:[ -]\p{Lu}[\p{L}'’-]+){0,3}(?:\s+cedex(?:\s+\d{1,2})?)?`)
)

// Mask returns s with every span of personal data replaced by its
// placeholder.
func Mask(s string) string {
	if s == "" {
		return s
	}
	s = emailRe.ReplaceAllString(s, Placeholder(Email))
	s = ibanRe.ReplaceAllStringFunc(s, func(m string) string {
		if digits(m) < 8 { // a word like "FR12ABCDEFGHIJKL" is not an account
			return m
		}
		return Placeholder(IBAN)
	})
	s = numberRe.ReplaceAllStringFunc(s, maskNumber)
	s = streetRe.ReplaceAllString(s, Placeholder(Address))
	s = postcodeRe.ReplaceAllString(s, Placeholder(Address))
	return s
}

// maskNumber masks a run of digits that is a card number (13 to 19 digits
// passing the Luhn checksum) or a phone number (an international prefix,
// or a national number of 9 to 15 digits starting with 0). Dates, amounts
// and short references stay.
func maskNumber(m string) string {
	d := onlyDigits(m)
	switch {
	case len(d) >= 13 && len(d) <= 19 && luhn(d):
		return Placeholder(Card)
	case strings.HasPrefix(m, "+") && len(d) >= 8 && len(d) <= 15:
		return Placeholder(Phone)
	case strings.HasPrefix(d, "00") && len(d) >= 10 && len(d) <= 17:
		return Placeholder(Phone)
	case strings.HasPrefix(d, "0") && len(d) >= 9 && len(d) <= 15 && !looksLikeDate(m):
		return Placeholder(Phone)
	case len(d) >= 10 && len(d) <= 15 && !looksLikeDate(m):
		// A long number written without prefix, as phones often are
		// ("6 12 34 56 78" is 9 digits and stays, "612345678 9" too):
		// better masked than shown.
		return Placeholder(Phone)
	}
	return m
}

// looksLikeDate reports whether m reads as a date or a time range
// ("2026-11-23", "23/11/2026 08:00").
func looksLikeDate(m string) bool {
	return dateRe.MatchString(strings.TrimSpace(m))
}

func onlyDigits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func digits(s string) int { return len(onlyDigits(s)) }

// luhn reports whether the digits d pass the Luhn checksum of card numbers.
func luhn(d string) bool {
	sum := 0
	for i := range len(d) {
		n := int(d[len(d)-1-i] - '0')
		if i%2 == 1 {
			n *= 2
			if n > 9 {
				n -= 9
			}
		}
		sum += n
	}
	return sum%10 == 0
}
