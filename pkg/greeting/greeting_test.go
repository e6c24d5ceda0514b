package greeting_test

import (
	"testing"

	"github.com/ruche-project/ruche/pkg/greeting"
)

func TestAfter(t *testing.T) {
	for _, tc := range []struct{ name, sentence, context, want string }{
		{"kb_sentence_loses_its_capital", "Nos cafés sont expédiés sous 24 h.", "", "nos cafés sont expédiés sous 24 h."},
		{"english", "We ship within 24 hours.", "", "we ship within 24 hours."},
		{"phrase", "Merci pour votre message !", "", "merci pour votre message !"},
		{"elision", "L'expédition part demain.", "", "l'expédition part demain."},
		{"acronym_kept", "UPS livre en 48 h.", "", "UPS livre en 48 h."},
		{"english_i_kept", "I will check.", "", "I will check."},
		{"english_im_kept", "I'm on it.", "", "I'm on it."},
		{"two_word_name_kept", "Café Lumière expédie sous 24 h.", "", "Café Lumière expédie sous 24 h."},
		{"name_the_entry_capitalises_kept", "Colissimo livre en 48 h.", "Nous expédions avec Colissimo en France.", "Colissimo livre en 48 h."},
		{"sentence_start_in_context_is_no_name", "Livraison offerte dès 30 €.", "Frais de port. Livraison offerte dès 30 €.", "livraison offerte dès 30 €."},
		{"already_lower", "votre commande part demain.", "", "votre commande part demain."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := greeting.After(tc.sentence, tc.context); got != tc.want {
				t.Fatalf("After(%q) = %q, want %q", tc.sentence, got, tc.want)
			}
		})
	}
}
