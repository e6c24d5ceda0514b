package pii_test

import (
	"regexp"
	"testing"
	"unicode/utf8"

	"github.com/ruche-project/ruche/pkg/pii"
)

func TestMask(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"email_plain", "écrivez à marie.dupont+sav@exemple.fr merci", "écrivez à [email] merci"},
		{"email_brackets", "mon mail: jean [at] free [dot] fr", "mon mail: [email]"},
		{"email_parentheses", "jean(at)orange(point)fr", "[email]"},
		{"email_words", "contact jean at gmail dot com svp", "contact [email] svp"},
		{"email_arobase", "paul arobase laposte point net", "[email]"},
		{"email_spaces_around_at", "paul @ laposte.net", "[email]"},
		{"phone_fr_spaced", "appelez le 06 12 34 56 78 demain", "appelez le [phone] demain"},
		{"phone_fr_dotted", "tel 01.23.45.67.89", "tel [phone]"},
		{"phone_fr_plain", "0612345678", "[phone]"},
		{"phone_fr_intl", "+33 6 12 34 56 78", "[phone]"},
		{"phone_fr_0033", "0033612345678", "[phone]"},
		{"phone_intl_us", "call +1 (415) 555-0132 now", "call [phone] now"},
		{"phone_intl_uk", "+44 20 7946 0958", "[phone]"},
		{"iban_grouped", "IBAN FR76 3000 6000 0112 3456 7890 189 svp", "IBAN [iban] svp"},
		{"iban_packed", "de76500105175407324931", "[iban]"},
		{"card_spaced", "ma carte 4111 1111 1111 1111 a été débitée", "ma carte [card] a été débitée"},
		{"card_dashed", "5500-0000-0000-0004", "[card]"},
		{"address_fr", "livrez au 12 rue de la Paix, 75002 Paris svp", "livrez au [address] svp"},
		{"address_fr_bis", "3 bis avenue Victor Hugo", "[address]"},
		{"address_en", "send it to 221 Baker Street please", "send it to [address] please"},
		{"postcode_city", "j'habite 69003 Lyon", "j'habite [address]"},
		{"keeps_dates", "le 2026-11-23 à 08:00", "le 2026-11-23 à 08:00"},
		{"keeps_date_and_time", "livré le 23/11/2026 08:00 ?", "livré le 23/11/2026 08:00 ?"},
		{"keeps_amounts", "remboursez 1 250,50 € sur la commande 4521", "remboursez 1 250,50 € sur la commande 4521"},
		{"keeps_short_numbers", "3 cafés et 2 croissants", "3 cafés et 2 croissants"},
		{"keeps_handles", "merci @cafe_lumiere !", "merci @cafe_lumiere !"},
		{"keeps_plain_words", "on se voit au café à 8h", "on se voit au café à 8h"},
		{"sort_code", "sort code 20-00-00, account 55779911 thanks", "[bank_account] thanks"},
		{"birth_date", "née le 14/02/1979, cliente", "[birth_date], cliente"},
		{"empty", "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := pii.Mask(tc.in); got != tc.want {
				t.Fatalf("Mask(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// FuzzMask: masking keeps valid UTF-8, is idempotent, and no e-mail
// address written with @ survives it.
// strictEmail is an e-mail address in its plain form.
var strictEmail = regexp.MustCompile(`[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}`)

func FuzzMask(f *testing.F) {
	for _, s := range []string{"jean [at] free [dot] fr", "+33 6 12 34 56 78", "FR76 3000 6000 0112 3456 7890 189",
		"4111 1111 1111 1111", "12 rue de la Paix, 75002 Paris", "bonjour", "a@b.co", "0612345678"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return
		}
		once := pii.Mask(s)
		if !utf8.ValidString(once) {
			t.Fatalf("Mask(%q) = %q: invalid UTF-8", s, once)
		}
		if twice := pii.Mask(once); twice != once {
			t.Fatalf("not idempotent: %q → %q → %q", s, once, twice)
		}
		if m := strictEmail.FindString(once); m != "" {
			t.Fatalf("address %q survives in %q (from %q)", m, once, s)
		}
	})
}
