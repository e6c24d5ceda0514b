package classify

import (
	"sort"
	"strconv"
	"strings"

	"github.com/nyaruka/phonenumbers"

	"github.com/ruche-project/ruche/services/moderation/classify/internal/gate"
)

// PIIKind is a kind of personal data.
type PIIKind string

// Kinds of personal data.
const (
	PIIEmail PIIKind = "email"
	PIIPhone PIIKind = "phone"
	PIICard  PIIKind = "card"
	PIIIBAN  PIIKind = "iban"
)

// PIIFinding is personal data found in a text: its kind and where it is. The
// value itself is never copied: Start and End are byte offsets in the raw
// text, for redaction, and are not serialised.
type PIIFinding struct {
	Kind  PIIKind `json:"kind"`
	Start int     `json:"-"`
	End   int     `json:"-"`
}

var (
	emailRe = gate.Must(`(?i)[a-z0-9._%+\-]+@[a-z0-9\-]+(?:\.[a-z0-9\-]+)*\.[a-z]{2,24}`)
	// "jean [at] free [dot] fr", "john.smith at outlook dot com", "jean arobase gmail point com".
	obfuscatedEmailRe = gate.Must(`(?i)\b[a-z0-9._%+\-]+\s*(?:\[at\]|\(at\)|\{at\}|\[@\]|\(@\)|\s+at\s+|\s+arobase\s+)\s*[a-z0-9\-]+\s*(?:\[dot\]|\(dot\)|\{dot\}|\s+dot\s+|\s+point\s+|\.)\s*(?:com|fr|net|org|be|ch|ca|io|co|uk|de|eu|info|me)\b`).With(gate.AtWord)
	// A run of digits with the separators phone numbers and cards use.
	digitRunRe  = gate.Must(`(?:\+|\b00|\()?\d[\d \t().\-/]{5,}\d`).With(gate.DigitRun)
	ibanStartRe = gate.Must(`(?i)\b[a-z]{2}\d{2}`).With(gate.LettersDigits)
)

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

// cardWords, just before a number, say it is a card even where a reference
// word also appears ("ma carte pour la commande: 4111...").
var cardWords = []string{"carte", "card", "cb", "visa", "mastercard", "amex", "paye avec", "paid with", "payment"}

// FindPII returns the personal data in raw, in order. Phone numbers are
// parsed with libphonenumber's rules: international formats anywhere, and
// national formats of France first, then of the other regions the brand's
// audience writes from (lang says which first).
func FindPII(raw string, lang Lang) []PIIFinding {
	rt := gate.NewText(raw)
	return findPII(&rt, lang)
}

// findPII is FindPII on rt, whose folded form the spam regexps share.
func findPII(rt *gate.Text, lang Lang) []PIIFinding {
	raw := rt.String()
	var out []PIIFinding
	taken := func(s, e int) bool {
		for _, f := range out {
			if s < f.End && e > f.Start {
				return true
			}
		}
		return false
	}
	for _, loc := range emailRe.FindAllIndexText(rt) {
		out = append(out, PIIFinding{Kind: PIIEmail, Start: loc[0], End: loc[1]})
	}
	for _, loc := range obfuscatedEmailRe.FindAllIndexText(rt) {
		if !taken(loc[0], loc[1]) {
			out = append(out, PIIFinding{Kind: PIIEmail, Start: loc[0], End: loc[1]})
		}
	}
	for _, f := range findIBANs(rt) {
		if !taken(f.Start, f.End) {
			out = append(out, f)
		}
	}
	for _, loc := range digitRunRe.FindAllIndexText(rt) {
		s, e := loc[0], loc[1]
		if taken(s, e) || !isolated(raw, s, e) {
			continue
		}
		cand := raw[s:e]
		digits := onlyDigits(cand)
		before := Fold(raw[max(0, s-24):s])
		isRef := containsWord(before, referenceWords)
		if n := len(digits); n >= 13 && n <= 19 && luhn(digits) && cardPrefix(digits) && (!isRef || containsWord(before, cardWords)) {
			out = append(out, PIIFinding{Kind: PIICard, Start: s, End: e})
			continue
		}
		if isRef || strings.Count(cand, "/") > 0 && !strings.HasPrefix(cand, "+") {
			continue // a reference number or a date
		}
		if isPhone(cand, lang) {
			out = append(out, PIIFinding{Kind: PIIPhone, Start: s, End: e})
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

func onlyDigits(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

var phoneRegions = map[Lang][]string{
	LangFrench:  {"FR", "BE", "CH", "CA"},
	LangEnglish: {"US", "GB", "CA", "IE", "FR"},
	LangOther:   {"FR", "US", "GB"},
}

// isPhone reports a valid phone number: international when it starts with
// '+' or '00', else national in one of the regions for lang.
func isPhone(cand string, lang Lang) bool {
	digits := onlyDigits(cand)
	if len(digits) < 8 || len(digits) > 15 {
		return false
	}
	cand = strings.TrimSpace(cand)
	if strings.HasPrefix(cand, "00") {
		cand = "+" + cand[2:]
	}
	regions := phoneRegions[lang]
	if regions == nil {
		regions = phoneRegions[LangOther]
	}
	if strings.HasPrefix(cand, "+") {
		regions = []string{"ZZ"}
	}
	for _, r := range regions {
		// Outside North America a national number starts with its trunk
		// prefix 0: "12 345 678" is a count, not a Belgian number.
		if r != "ZZ" && r != "US" && r != "CA" && !strings.HasPrefix(strings.TrimLeft(cand, "("), "0") {
			continue
		}
		n, err := phonenumbers.Parse(cand, r)
		if err == nil && phonenumbers.IsValidNumber(n) {
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
func findIBANs(rt *gate.Text) []PIIFinding {
	raw := rt.String()
	var out []PIIFinding
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
			out = append(out, PIIFinding{Kind: PIIIBAN, Start: loc[0], End: i})
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
