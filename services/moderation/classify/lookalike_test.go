package classify

import (
	"slices"
	"testing"
)

func TestLookalikeDomains(t *testing.T) {
	own := []string{"cafe-lumiere.fr", "www.ruche.example"}
	for _, c := range []struct {
		name, text string
		domains    []string
		want       string
	}{
		{"letter_swapped_for_a_lookalike", "Votre commande est bloquée, confirmez vos infos sur cafe-lumlere.fr", own, "link:lookalike_domain"},
		{"digit_for_a_letter", "Gagnez un an de café : https://caf3-lumiere.fr/jeu", own, "link:lookalike_domain"},
		{"one_letter_dropped", "Service client : https://cafe-lumire.fr/aide", own, "link:lookalike_domain"},
		{"another_tld", "Soldes privées sur https://cafe-lumiere.shop/promo", own, "link:lookalike_domain"},
		{"a_word_added", "Support officiel : https://cafe-lumiere-support.com/login", own, "link:lookalike_domain"},
		{"cyrillic_letter_in_punycode", "Connectez-vous : https://xn--cfe-lumiere-yij.fr/login", nil, "link:homograph"},
		{"cyrillic_letter_as_written", "Connectez-vous : https://cаfe-lumiere.fr/login", own, "link:homograph"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := Classify(Input{Text: c.text, BrandDomains: c.domains})
			if !r.Spam.Is || !slices.Contains(r.Spam.Reasons, c.want) {
				t.Fatalf("spam %v reasons %v, want %s", r.Spam.Is, r.Spam.Reasons, c.want)
			}
		})
	}
	for _, c := range []struct{ name, text string }{
		{"the_brand_s_own_domain", "Le menu est sur https://www.cafe-lumiere.fr/menu et sur cafe-lumiere.fr"},
		{"a_subdomain_of_it", "Réservez sur https://reservation.cafe-lumiere.fr/"},
		{"another_site", "J'ai vu l'article sur lemonde.fr, bravo !"},
		{"accents_and_a_full_stop", "Très bon café. Équipe adorable.Merci"},
		{"an_unrelated_international_domain", "Voir https://bücher.de/angebote pour les livres"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := Classify(Input{Text: c.text, BrandDomains: own})
			if slices.Contains(r.Spam.Reasons, "link:lookalike_domain") || slices.Contains(r.Spam.Reasons, "link:homograph") {
				t.Fatalf("reasons %v", r.Spam.Reasons)
			}
		})
	}
}
