// Package pii finds and masks personal data in free text: e-mail addresses
// (also written "name [at] domain [dot] com", "name arobase domain point
// fr"), phone numbers (French and international, parsed with
// libphonenumber's rules), IBANs (mod-97), payment card numbers (Luhn and an
// issuer's prefix), postal addresses and French social security numbers
// (NIR, with their key), British bank details (a sort code with its
// account number) and dates of birth said to be one ("née le 01/08/1986",
// "date of birth 3 March 1985"). It is pure and safe for concurrent use.
//
// Find is the detector: it reports what is personal data with high
// precision, each finding with its kind (moderation labels a comment with
// them). Mask hides Find's spans and, because masking errs on the side of
// privacy, what only may be personal data besides (a number of a phone's
// length, a 16-digit number passing Luhn whatever its prefix, an IBAN
// failing its checksum, a postcode and its town). Each masked span becomes one placeholder naming its kind,
// such as "[email]".
package pii

import (
	"regexp"
	"slices"
	"strings"
)

// Kind is a kind of personal data.
type Kind string

// Kinds of personal data.
const (
	Email Kind = "email"
	IBAN  Kind = "iban"
	Card  Kind = "card"
	Phone Kind = "phone"
	// Address is a postal address: a street number and a street (French,
	// Belgian, Swiss, Québec or English-speaking forms); Mask also counts a
	// postcode and its town.
	Address Kind = "address"
	// NIR is a French social security number whose key checks.
	NIR Kind = "nir"
	// BankAccount is a domestic bank account given with its bank: a
	// British sort code and its 8-digit account number.
	BankAccount Kind = "bank_account"
	// BirthDate is a date said to be a date of birth ("né le 3 mars 1985",
	// "DOB: 03/08/1985"): with a name, it identifies its author.
	BirthDate Kind = "birth_date"
)

// Placeholder is what replaces a span of kind k.
func Placeholder(k Kind) string { return "[" + string(k) + "]" }

var (
	// numberRe is a run of digits with the separators people write numbers
	// with; maybeNumber decides from its digits what it may be.
	numberRe = regexp.MustCompile(`\+?\(?\d[\d ().\-]{6,}\d`)
	// spacedEmailRe is an address written with spaces around its '@'
	// ("paul @ laposte.net"), which Find leaves (a mention followed by a
	// domain reads the same).
	spacedEmailRe = regexp.MustCompile(`[\p{L}\p{N}._%+-]+(?:\s+@\s*|\s*@\s+)[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.\p{L}{2,24}\b`)
	// ibanShapeRe is what an IBAN looks like: two letters, two check
	// digits, 11 to 30 letters or digits, grouped by four or not; one
	// failing its checksum (a typo) may still be someone's account.
	ibanShapeRe = regexp.MustCompile(`(?i)\b[A-Z]{2}\d{2}(?:[ -]?[A-Z0-9]{4}){2,7}(?:[ -]?[A-Z0-9]{1,3})?\b`)
	// postcodeRe is a French postcode followed by a town's name.
	postcodeRe = regexp.MustCompile(`\b(?:\d{5}|\d{2} \d{3})\s+\p{Lu}[\p{L}'’-]+(?:[ -]\p{Lu}[\p{L}'’-]+){0,3}(?:\s+cedex(?:\s+\d{1,2})?)?`)
	// streetTailRe is the rest of a street's name after what Find matched
	// ("Victor Hugo" after "3 bis avenue"), and its town.
	streetTailRe = regexp.MustCompile(`^(?:\s+(?:de|du|des|la|le|les|l['’]|d['’]|\p{Lu}[\p{L}'’.-]*))*`)
	addressGapRe = regexp.MustCompile(`^[\s,]*$`)
	dateRe       = regexp.MustCompile(`^\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}$`)
)

// Mask returns s with every span of personal data replaced by its
// placeholder: Find's, in a text of unknown language, and what may be
// personal data besides.
func Mask(s string) string {
	if s == "" {
		return s
	}
	spans := Find(s, "")
	for i := range spans {
		if spans[i].Kind == Address {
			spans[i].End += len(streetTailRe.FindString(s[spans[i].End:]))
		}
	}
	// rest is s with what is already masked blotted out, so that a number
	// is not read across an IBAN, nor a tail of one taken for another.
	rest := []byte(s)
	add := func(k Kind, locs [][]int, keep func(string) bool) {
		for _, loc := range locs {
			free := !slices.ContainsFunc(spans, func(f Finding) bool { return loc[0] < f.End && loc[1] > f.Start })
			if free && (keep == nil || keep(s[loc[0]:loc[1]])) {
				spans = append(spans, Finding{Kind: k, Start: loc[0], End: loc[1]})
			}
		}
	}
	blot := func() {
		for _, f := range spans {
			for i := f.Start; i < f.End; i++ {
				rest[i] = 'x'
			}
		}
	}
	add(Email, spacedEmailRe.FindAllStringIndex(s, -1), nil)
	add(IBAN, ibanShapeRe.FindAllStringIndex(s, -1), func(m string) bool {
		return len(onlyDigits(m)) >= 8 // a word like "FR12ABCDEFGHIJKL" is not an account
	})
	blot()
	add(Address, postcodeRe.FindAllIndex(rest, -1), nil)
	blot()
	for _, loc := range numberRe.FindAllIndex(rest, -1) {
		if k := maybeNumber(s[loc[0]:loc[1]]); k != "" {
			add(k, [][]int{loc}, nil)
		}
	}
	slices.SortFunc(spans, func(a, b Finding) int { return a.Start - b.Start })
	var b strings.Builder
	at, last := 0, Kind("")
	for _, f := range spans {
		if f.Start < at {
			continue // inside the previous span, widened
		}
		if f.Kind == Address && last == Address && addressGapRe.MatchString(s[at:f.Start]) {
			at = f.End // "12 rue de la Paix, 75002 Paris" is one address
			continue
		}
		b.WriteString(s[at:f.Start])
		b.WriteString(Placeholder(f.Kind))
		at, last = f.End, f.Kind
	}
	b.WriteString(s[at:])
	return b.String()
}

// maybeNumber says what a run of digits Find did not claim may be: a card
// number (13 to 19 digits passing Luhn), or a phone number (an
// international prefix, or 9 to 15 digits from a 0, or 10 to 15 without:
// better masked than shown). Dates, amounts and short references stay.
func maybeNumber(m string) Kind {
	d := onlyDigits(m)
	date := dateRe.MatchString(strings.TrimSpace(m))
	switch {
	case len(d) >= 13 && len(d) <= 19 && luhn(d):
		return Card
	case strings.HasPrefix(m, "+") && len(d) >= 8 && len(d) <= 15:
		return Phone
	case strings.HasPrefix(d, "00") && len(d) >= 10 && len(d) <= 17:
		return Phone
	case strings.HasPrefix(d, "0") && len(d) >= 9 && len(d) <= 15 && !date:
		return Phone
	case len(d) >= 10 && len(d) <= 15 && !date:
		return Phone
	}
	return ""
}
