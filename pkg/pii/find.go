package pii

import (
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"
	"golang.org/x/text/unicode/norm"

	"github.com/ruche-project/ruche/pkg/gate"
)

// Finding is personal data found in a text: its kind and where it is. The
// value itself is never copied: Start and End are byte offsets in the text,
// for redaction, and are not serialised.
type Finding struct {
	Kind  Kind `json:"kind"`
	Start int  `json:"-"`
	End   int  `json:"-"`
}

var (
	emailRe = gate.Must(`(?i)[\pL\pN._%+\-]+@[\pL\pN\-]+(?:\.[\pL\pN\-]+)*\.\pL{2,24}`)
	// "jean [at] free [dot] fr", "john.smith at outlook dot com", "jean arobase gmail point com",
	// "jean(at)orange(point)fr".
	obfuscatedEmailRe = gate.Must(`(?i)\b[a-z0-9._%+\-]+\s*(?:\[at\]|\(at\)|\{at\}|\[@\]|\(@\)|\s+at\s+|\s+arobase\s+)\s*[a-z0-9\-]+\s*(?:\[dot\]|\(dot\)|\{dot\}|\[point\]|\(point\)|\{point\}|\s+dot\s+|\s+point\s+|\.)\s*(?:com|fr|net|org|be|ch|ca|io|co|uk|de|eu|info|me)\b`).With(gate.AtWord)
	// A run of digits with the separators phone numbers and cards use.
	digitRunRe  = gate.Must(`(?:\+|\b00|\()?\d[\d \t().\-/]{5,}\d`).With(gate.DigitRun)
	ibanStartRe = gate.Must(`(?i)\b[a-z]{2}\d{2}`).With(gate.LettersDigits)
	// "12 rue des Lilas", "8 bis, avenue Jean Jaurès", "3 chaussée de Wavre":
	// a street number, a kind of street, a name.
	addressFRRe = gate.Must(`(?i)\b\d{1,4}(?:\s?(?:bis|ter|[abc]))?,?\s+(?:rue|avenue|av\.|bd|boulevard|place|chemin|all[ée]e|impasse|quai|route|cours|square|passage|faubourg|chauss[ée]e|r[ée]sidence|sentier|cit[ée]|rang|mont[ée]e|promenade|esplanade|hameau|lotissement)\s+(?:de la |de l'|des |du |de |d'|la |le |les )?\pL[\pL'\-]+`)
	// "221B Baker Street", "1600 Pennsylvania Avenue": a number, one to
	// three capitalised words, a kind of street.
	addressENRe = gate.Must(`\b\d{1,5}[A-Z]?\s+(?:[A-Z][a-z]+\s+){1,3}(?:Street|St|Avenue|Ave|Road|Rd|Lane|Ln|Drive|Dr|Boulevard|Blvd|Court|Ct|Way|Terrace|Crescent|Close|Square|Place|Parkway|Highway|Hwy|Gardens|Grove|Mews|Row)\b`)
)

// sortCodeRe is a British sort code with its account number, in either
// order: "sort code 40-78-75, account 34620298".
var sortCodeRe = gate.Must(`(?i)\bsort[ -]?code\s*:?\s*\d{2}[ -]?\d{2}[ -]?\d{2}\b[^\d]{0,40}?\b\d{8}\b|\b(?:account|acct|a/c)(?:\s+(?:number|no\.?|#))?\s*:?\s*\d{8}\b[^\d]{0,40}?\bsort[ -]?code\s*:?\s*\d{2}[ -]?\d{2}[ -]?\d{2}\b`)

// birthDateRe is a date of birth: a day, a month and a year from 1900 to
// 2019 (the year of someone old enough to write) after words that say
// whose birth it is. "Né le" needs its accent folded away: the gate sees
// "ne le".
var birthDateRe = gate.Must(`(?i)\b(?:(?:n[ée]|n[ée]e|n[ée]s|n[ée]es) le|date de naissance|date of birth|dob|d\.o\.b\.?|born|born on)\s*:?\s*(?:\d{1,2}[/.\-]\d{1,2}[/.\-]|\d{1,2}(?:er|st|nd|rd|th)?\s+(?:janvier|f[ée]vrier|mars|avril|mai|juin|juillet|ao[uû]t|septembre|octobre|novembre|d[ée]cembre|january|february|march|april|may|june|july|august|september|october|november|december)\s+|(?:january|february|march|april|may|june|july|august|september|october|november|december)\s+\d{1,2}(?:st|nd|rd|th)?,?\s+)(?:19[0-9]\d|200\d|201\d)\b`)

// ibanLengths is the length of an IBAN per country (ISO 13616 registry).
var ibanLengths = map[string]int{
	"AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BR": 29,
	"CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24,
	"FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HR": 21,
	"HU": 28, "IE": 22, "IL": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LI": 21,
	"LT": 20, "LU": 20, "LV": 21, "MA": 28, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MR": 27, "MT": 31,
	"MU": 30, "NL": 18, "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22,
	"SA": 24, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "TN": 24, "TR": 26, "UA": 29, "VG": 24, "XK": 20,
}

// Words that, just before a number, say it is a reference and not a phone
// number or a card: "commande n° 4111 ...", "order #...", "suivi ...".
var referenceWords = []string{"commande", "cmd", "order", "n°", "no.", "nº", "#", "ref", "reference", "suivi", "tracking",
	"facture", "invoice", "ticket", "colis", "parcel", "siret", "siren", "client", "dossier", "case", "transaction", "reservation", "booking"}

// contactWords, just before a number, say it is how to reach its author:
// then a number that is only possible (a range not allocated, a fictional
// 555) is a phone number all the same.
var contactWords = []string{"reach me", "call me", "text me", "ring me", "my number", "my phone", "my mobile", "my cell",
	"appelez-moi", "appelle-moi", "rappelez-moi", "joignable", "mon numero", "mon portable", "mon tel", "me joindre"}

// cardWords, just before a number, say it is a card even where a reference
// word also appears ("ma carte pour la commande: 4111...").
var cardWords = []string{"carte", "card", "cb", "visa", "mastercard", "amex", "paye avec", "paid with", "payment"}

// Find returns the personal data in raw, in order: what is personal data
// with high precision (moderation labels a comment with its kinds), where
// Mask also hides what only may be. Phone numbers are parsed with
// libphonenumber's rules: international formats anywhere, and national
// formats of the regions the audience of a text in lang ("fr", "en", or
// anything else) writes from.
func Find(raw, lang string) []Finding {
	rt := gate.NewText(raw)
	return FindText(&rt, lang)
}

// FindText is Find on rt, whose folded form a caller's own gated regexps
// share.
func FindText(rt *gate.Text, lang string) []Finding {
	raw := rt.String()
	var out []Finding
	taken := func(s, e int) bool {
		for _, f := range out {
			if s < f.End && e > f.Start {
				return true
			}
		}
		return false
	}
	for _, loc := range emailRe.FindAllIndexText(rt) {
		out = append(out, Finding{Kind: Email, Start: loc[0], End: loc[1]})
	}
	for _, loc := range obfuscatedEmailRe.FindAllIndexText(rt) {
		if !taken(loc[0], loc[1]) {
			out = append(out, Finding{Kind: Email, Start: loc[0], End: loc[1]})
		}
	}
	for _, f := range findIBANs(rt) {
		if !taken(f.Start, f.End) {
			out = append(out, f)
		}
	}
	for _, p := range []struct {
		re   *gate.Regexp
		kind Kind
	}{{addressFRRe, Address}, {addressENRe, Address}, {sortCodeRe, BankAccount}, {birthDateRe, BirthDate}} {
		for _, loc := range p.re.FindAllIndexText(rt) {
			if !taken(loc[0], loc[1]) {
				out = append(out, Finding{Kind: p.kind, Start: loc[0], End: loc[1]})
			}
		}
	}
	for _, loc := range digitRunRe.FindAllIndexText(rt) {
		s, e := loc[0], loc[1]
		if taken(s, e) || !isolated(raw, s, e) {
			continue
		}
		cand := raw[s:e]
		digits := onlyDigits(cand)
		if len(digits) == 15 && validNIR(digits) {
			out = append(out, Finding{Kind: NIR, Start: s, End: e})
			continue
		}
		before := fold(raw[max(0, s-24):s])
		isRef := containsWord(before, referenceWords)
		if n := len(digits); n >= 13 && n <= 19 && luhn(digits) && cardPrefix(digits) && (!isRef || containsWord(before, cardWords)) {
			out = append(out, Finding{Kind: Card, Start: s, End: e})
			continue
		}
		if isRef || strings.Count(cand, "/") > 0 && !strings.HasPrefix(cand, "+") {
			continue // a reference number or a date
		}
		if isPhone(cand, lang) || containsWord(before, contactWords) && possiblePhone(cand, lang) {
			out = append(out, Finding{Kind: Phone, Start: s, End: e})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Start < out[j].Start })
	return out
}

// isolated reports that raw[s:e] is not glued to letters or digits.
func isolated(raw string, s, e int) bool {
	if s > 0 {
		c := raw[s-1]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			return false
		}
	}
	if e < len(raw) {
		c := raw[e]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			return false
		}
	}
	return true
}

func containsWord(s string, words []string) bool {
	s = " " + strings.NewReplacer("'", " ", ":", " ", ",", " ", "(", " ").Replace(s) + " "
	for _, w := range words {
		if strings.HasPrefix(w, "#") || strings.HasPrefix(w, "n°") || strings.HasPrefix(w, "nº") {
			if strings.Contains(s, w) {
				return true
			}
			continue
		}
		if strings.Contains(s, " "+w+" ") || strings.Contains(s, " "+w+".") {
			return true
		}
	}
	return false
}

// fold lower-cases s and strips the accents of its letters, for the words
// around a number ("numéro", "N°").
func fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if r < utf8.RuneSelf {
			b.WriteRune(unicode.ToLower(r))
			continue
		}
		for _, d := range norm.NFKD.String(string(r)) {
			if !unicode.Is(unicode.Mn, d) {
				b.WriteRune(unicode.ToLower(d))
			}
		}
	}
	return b.String()
}

func onlyDigits(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// phoneRegions are, by language, the regions whose national formats are
// tried, in order; otherRegions for any other language.
var (
	phoneRegions = map[string][]string{
		"fr": {"FR", "BE", "CH", "CA"},
		"en": {"US", "GB", "CA", "IE", "FR"},
	}
	otherRegions = []string{"FR", "US", "GB"}
)

// phoneForm returns cand trimmed, with an international "00" written '+',
// and the regions whose formats it is read in: "ZZ" (its own country code)
// for an international number, else those of lang.
func phoneForm(cand, lang string) (string, []string) {
	cand = strings.TrimSpace(cand)
	if strings.HasPrefix(cand, "00") {
		cand = "+" + cand[2:]
	}
	if strings.HasPrefix(cand, "+") {
		return cand, []string{"ZZ"}
	}
	if regions, ok := phoneRegions[lang]; ok {
		return cand, regions
	}
	return cand, otherRegions
}

// isPhone reports a valid phone number: international when it starts with
// '+' or '00', else national in one of the regions for lang.
func isPhone(cand, lang string) bool {
	digits := onlyDigits(cand)
	if len(digits) < 8 || len(digits) > 15 {
		return false
	}
	cand, regions := phoneForm(cand, lang)
	for _, r := range regions {
		// Outside North America a national number starts with its trunk
		// prefix 0: "12 345 678" is a count, not a Belgian number.
		if r != "ZZ" && r != "US" && r != "CA" && !strings.HasPrefix(strings.TrimLeft(cand, "("), "0") {
			continue
		}
		n, err := phonenumbers.Parse(cand, r)
		if err != nil {
			continue
		}
		switch phonenumbers.GetNumberType(n) {
		case phonenumbers.PREMIUM_RATE, phonenumbers.SHARED_COST, phonenumbers.TOLL_FREE:
			// A business's number ("08 99", "1-900", "0800"): not
			// anyone's personal data.
			return false
		}
		// A number written with its country code is one even in a range
		// not allocated yet (libphonenumber's metadata lags).
		if phonenumbers.IsValidNumber(n) || r == "ZZ" && phonenumbers.IsPossibleNumber(n) {
			return true
		}
	}
	return false
}

// possiblePhone reports a number of a possible length and shape in one of
// the regions for lang (or anywhere, with '+' or '00').
func possiblePhone(cand, lang string) bool {
	cand, regions := phoneForm(cand, lang)
	for _, r := range regions {
		if n, err := phonenumbers.Parse(cand, r); err == nil && phonenumbers.IsPossibleNumber(n) {
			return true
		}
	}
	return false
}

// Luhn reports whether digits pass the Luhn checksum of card numbers.
func Luhn(digits string) bool { return luhn(digits) }

func luhn(digits string) bool {
	if len(digits) < 2 {
		return false
	}
	sum := 0
	for i := 0; i < len(digits); i++ {
		d := int(digits[len(digits)-1-i] - '0')
		if d < 0 || d > 9 {
			return false
		}
		if i%2 == 1 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}

// cardPrefix reports an issuer prefix of a payment card network (Visa,
// Mastercard, Amex, Discover, Diners, JCB, UnionPay, Maestro) with a
// length that network issues.
func cardPrefix(d string) bool {
	n := len(d)
	p2, p4 := d[:2], d[:4]
	switch {
	case d[0] == '4':
		return n == 13 || n == 16 || n == 19
	case p2 >= "51" && p2 <= "55", p4 >= "2221" && p4 <= "2720":
		return n == 16
	case p2 == "34" || p2 == "37":
		return n == 15
	case p4 == "6011" || p2 == "65" || d[:3] >= "644" && d[:3] <= "649":
		return n >= 16
	case p2 == "36" || p2 == "38" || d[:3] >= "300" && d[:3] <= "305":
		return n >= 14
	case p4 >= "3528" && p4 <= "3589":
		return n >= 16
	case p2 == "62", p2 == "50", p2 >= "56" && p2 <= "69":
		return n >= 16
	}
	return false
}

// findIBANs finds IBANs written with or without spaces, of the length their
// country uses, that pass the ISO 7064 mod-97 check.
func findIBANs(rt *gate.Text) []Finding {
	raw := rt.String()
	var out []Finding
	for _, loc := range ibanStartRe.FindAllIndexText(rt) {
		country := strings.ToUpper(raw[loc[0] : loc[0]+2])
		want, ok := ibanLengths[country]
		if !ok {
			continue
		}
		var b strings.Builder
		i := loc[0]
		for i < len(raw) && b.Len() < want {
			c := raw[i]
			switch {
			case c >= '0' && c <= '9', c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z':
				b.WriteByte(c)
			case (c == ' ' || c == '-') && i+1 < len(raw) && raw[i+1] != ' ':
			default:
				i = len(raw) + 1 // stop: not part of an IBAN
				continue
			}
			i++
		}
		if b.Len() != want || i > len(raw) {
			continue
		}
		if i < len(raw) && isAlnum(raw[i]) {
			continue // longer than the country's IBAN
		}
		if ValidIBAN(b.String()) {
			out = append(out, Finding{Kind: IBAN, Start: loc[0], End: i})
		}
	}
	return out
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z'
}

// ValidIBAN checks an IBAN without spaces: known country, its length, and
// the mod-97 checksum.
func ValidIBAN(iban string) bool {
	iban = strings.ToUpper(iban)
	if len(iban) < 5 || ibanLengths[iban[:2]] != len(iban) {
		return false
	}
	var b strings.Builder
	for _, c := range iban[4:] + iban[:4] {
		switch {
		case c >= '0' && c <= '9':
			b.WriteRune(c)
		case c >= 'A' && c <= 'Z':
			b.WriteString(strconv.Itoa(int(c-'A') + 10))
		default:
			return false
		}
	}
	// Piecewise mod 97 keeps it in machine integers.
	rem := 0
	for _, c := range b.String() {
		rem = (rem*10 + int(c-'0')) % 97
	}
	return rem == 1
}

// validNIR checks a French social security number written with digits
// only: sex (1, 2, or 3, 4, 7, 8 for temporary numbers), month of birth
// (01–12, or 20–42 and 50–99 when unknown) and the key, 97 minus the first
// 13 digits modulo 97. Corsica's 2A/2B departments are written with
// letters, which the digit run does not reach.
func validNIR(d string) bool {
	if !strings.ContainsRune("123478", rune(d[0])) {
		return false
	}
	month, _ := strconv.Atoi(d[3:5])
	if month < 1 || month > 12 && month < 20 || month > 42 && month < 50 {
		return false
	}
	n, _ := strconv.ParseUint(d[:13], 10, 64)
	key, _ := strconv.Atoi(d[13:])
	return 97-int(n%97) == key
}
