package pii

import (
	"regexp"
	"testing"

	"github.com/ruche-project/ruche/pkg/gate"
)

// Every gated regexp of Find, by name.
func gatedRegexps() map[string]*gate.Regexp {
	return map[string]*gate.Regexp{
		"email": emailRe, "obfuscated_email": obfuscatedEmailRe, "digit_run": digitRunRe, "iban_start": ibanStartRe,
		"address_fr": addressFRRe, "address_en": addressENRe, "sort_code": sortCodeRe, "birth_date": birthDateRe,
	}
}

// gateSeeds are texts aimed at each expression and at the fold's odd runes
// (the Kelvin sign reads as k under (?i), the long s as s).
var gateSeeds = []string{
	"Écris-moi à Jean.Dupont@Exemple.FR ou jean [at] free [dot] fr", "jean(at)orange(point)fr", "paul.martin arobase gmail point com",
	"john.smith at outlook dot com", "meet me at noon. com", "IBAN FR76 3000 6000 0112 3456 7890 189", "GB29NWBK60161331926819",
	"carte 4242 4242 4242 4242", "+33 6 12 34 56 78", "(202) 456-1111", "sécu 1 85 05 78 006 084 91", "12 rue des Lilas, 75011 Paris",
	"17 chaussée de Wavre", "221B Baker Street", "ſ@kelvin.com", "x [at] y [dot] u\u212a", "arobaſe", "fr76", "2026-11-23 08:00",
	"sort code 40-78-75, account 34620298", "Account no. 12345678, sort-code: 123456", "née le 01/08/1986", "Né le 3 mars 1985",
	"date of birth: March 3rd, 1985", "DOB 3 March 1985", "date de naissance : 12.05.1990",
}

// The gate must never hide a match: on every seed, a gated regexp finds
// what the bare one finds (FuzzGatesAreSound looks further).
func TestGatesAreSound(t *testing.T) {
	for name, g := range gatedRegexps() {
		bare := regexp.MustCompile(g.String())
		for _, s := range gateSeeds {
			rt := gate.NewText(s)
			if want, got := bare.FindAllStringIndex(s, -1), g.FindAllIndexText(&rt); len(want) != len(got) {
				t.Errorf("%s on %q: gated found %d matches, bare %d", name, s, len(got), len(want))
			}
		}
	}
}

func FuzzGatesAreSound(f *testing.F) {
	for _, s := range gateSeeds {
		f.Add(s)
	}
	gates := gatedRegexps()
	bare := map[string]*regexp.Regexp{}
	for name, g := range gates {
		bare[name] = regexp.MustCompile(g.String())
	}
	f.Fuzz(func(t *testing.T, s string) {
		for name, g := range gates {
			if bare[name].MatchString(s) != g.MatchString(s) {
				t.Fatalf("%s on %q: gate hides a match", name, s)
			}
		}
	})
}
