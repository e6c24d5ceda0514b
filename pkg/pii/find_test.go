package pii_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/ruche-project/ruche/pkg/pii"
)

func TestFind(t *testing.T) {
	cases := []struct {
		name, text string
		lang       string
		want       []pii.Kind
	}{
		{"finds_email", "écrivez à marie.dupont@gmail.com", "fr", []pii.Kind{"email"}},
		{"finds_obfuscated_email", "jean.martin [at] free [dot] fr", "fr", []pii.Kind{"email"}},
		{"finds_spelled_out_email", "john.smith at outlook dot com", "en", []pii.Kind{"email"}},
		{"ignores_a_mention", "Merci @cafelumiere", "fr", nil},
		{"finds_french_mobile", "appelez le 06 12 34 56 78", "fr", []pii.Kind{"phone"}},
		{"finds_french_number_in_international_format", "+33 6 98 76 54 32", "fr", []pii.Kind{"phone"}},
		{"finds_dotted_french_number", "06.45.78.12.90", "fr", []pii.Kind{"phone"}},
		{"finds_uk_number", "+44 20 7946 0958", "en", []pii.Kind{"phone"}},
		{"finds_us_number", "call 202-456-1111", "en", []pii.Kind{"phone"}},
		{"ignores_counts_and_dates", "12 345 678 vues le 12/03/2024", "fr", nil},
		{"ignores_tracking_numbers", "numéro de suivi 6A12345678901", "fr", nil},
		{"finds_visa_card", "card 4111 1111 1111 1111", "en", []pii.Kind{"card"}},
		{"finds_amex_card", "3782 822463 10005", "en", []pii.Kind{"card"}},
		{"ignores_number_failing_luhn", "4111 1111 1111 1112", "en", nil},
		{"ignores_luhn_valid_order_number", "commande n° 4111 1111 1111 1111", "fr", nil},
		{"ignores_luhn_valid_number_without_card_prefix", "1234 5678 9012 3452", "en", nil},
		{"finds_french_iban_with_spaces", "FR76 3000 6000 0112 3456 7890 189", "fr", []pii.Kind{"iban"}},
		{"finds_iban_without_spaces", "GB29NWBK60161331926819", "en", []pii.Kind{"iban"}},
		{"ignores_iban_failing_mod97", "FR76 3000 6000 0112 3456 7890 188", "fr", nil},
		{"finds_several_kinds", "sophie_l@laposte.net ou 0145678910", "fr", []pii.Kind{"email", "phone"}},
		{"finds_arobase_email", "paul.martin arobase gmail point com", "fr", []pii.Kind{"email"}},
		{"finds_belgian_mobile", "+32 470 12 34 56", "fr", []pii.Kind{"phone"}},
		{"finds_swiss_mobile", "079 123 45 67", "fr", []pii.Kind{"phone"}},
		{"finds_an_international_number_in_a_range_not_allocated_yet", "+44 7700 900123", "en", []pii.Kind{"phone"}},
		{"ignores_premium_rate_numbers", "appelez le 08 99 12 34 56", "fr", nil},
		{"ignores_toll_free_numbers", "call 1-800-555-0100", "en", nil},
		{"ignores_order_numbers", "Order #112-8596473-5543412 still not shipped", "en", nil},
		{"ignores_an_order_number_that_looks_like_a_phone", "Commande 0612345678 passée le 3 mars", "fr", nil},
		{"finds_french_address", "Livrez au 12 rue des Lilas, 75011 Paris", "fr", []pii.Kind{"address"}},
		{"finds_belgian_address", "17 chaussée de Wavre, 1050 Ixelles", "fr", []pii.Kind{"address"}},
		{"finds_english_address", "send it to 221B Baker Street, London", "en", []pii.Kind{"address"}},
		{"ignores_a_street_without_a_number", "Votre magasin de la rue de Rivoli est fermé ?", "fr", nil},
		{"ignores_counted_places", "Les 2 places de parking sont prises", "fr", nil},
		{"finds_nir_with_its_key", "sécu 1 85 05 78 006 084 91", "fr", []pii.Kind{"nir"}},
		{"finds_a_fictional_number_given_as_contact", "You can reach me on (427) 555-0179 between 12 and 2", "en", []pii.Kind{"phone"}},
		{"ignores_nir_with_a_wrong_key", "sécu 1 85 05 78 006 084 92", "fr", nil},
		{"finds_a_sort_code_with_its_account", "pay it back to sort code 20-00-00, account 55779911 please", "en", []pii.Kind{"bank_account"}},
		{"finds_an_account_then_its_sort_code", "Acct no. 55779911 (sort code 200000)", "en", []pii.Kind{"bank_account"}},
		{"ignores_a_sort_code_alone", "which sort code is it, 20-00-00?", "en", nil},
		{"finds_a_french_date_of_birth", "Marc Petit, né le 14/02/1979, abonné depuis 2020", "fr", []pii.Kind{"birth_date"}},
		{"finds_a_written_date_of_birth", "DOB: July 4th, 1988 — can you check my account?", "en", []pii.Kind{"birth_date"}},
		{"finds_a_date_de_naissance", "date de naissance : 2 juin 1990", "fr", []pii.Kind{"birth_date"}},
		{"ignores_a_date_not_of_birth", "commande passée le 14/02/2024, livrée le 20/02/2024", "fr", nil},
		{"ignores_a_product_born_this_year", "La gamme est née le 3 mars 2024", "fr", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got []pii.Kind
			for _, f := range pii.Find(tc.text, tc.lang) {
				got = append(got, f.Kind)
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("Find = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestValidIBANAndLuhn(t *testing.T) {
	if !pii.ValidIBAN("DE89370400440532013000") || pii.ValidIBAN("DE89370400440532013001") || pii.ValidIBAN("XX00") {
		t.Fatal("ValidIBAN")
	}
	if !pii.Luhn("4242424242424242") || pii.Luhn("4242424242424241") {
		t.Fatal("Luhn")
	}
}

// FuzzFind: spans lie inside the text, do not overlap, and every card
// passes Luhn and every IBAN mod-97.
func FuzzFind(f *testing.F) {
	for _, s := range []string{"marie@x.fr", "06 12 34 56 78", "+33 6 98 76 54 32", "4111 1111 1111 1111", "FR76 3000 6000 0112 3456 7890 189",
		"GB29NWBK60161331926819", "(202) 456-1111", "jean [at] free [dot] fr", "n° 4111111111111111", "fr76", "+", "00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		last := -1
		for _, p := range pii.Find(s, "fr") {
			if p.Start < 0 || p.End > len(s) || p.Start >= p.End || p.Start < last {
				t.Fatalf("finding %+v out of place in %d bytes (previous end %d)", p, len(s), last)
			}
			last = p.End
			v := s[p.Start:p.End]
			digits := strings.Map(func(r rune) rune {
				if r >= '0' && r <= '9' {
					return r
				}
				return -1
			}, v)
			switch p.Kind {
			case pii.Card:
				if !pii.Luhn(digits) {
					t.Fatalf("card %q fails Luhn", v)
				}
			case pii.IBAN:
				compact := strings.NewReplacer(" ", "", "-", "").Replace(v)
				if !pii.ValidIBAN(compact) {
					t.Fatalf("iban %q fails mod-97", v)
				}
			}
		}
	})
}
