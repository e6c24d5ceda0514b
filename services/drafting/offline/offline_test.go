package offline_test

import (
	"strings"
	"testing"

	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/services/drafting/knowledge"
	"github.com/ruche-project/ruche/services/drafting/offline"
)

func drafter(t *testing.T, address string) offline.Drafter {
	entries := []knowledge.Entry{
		{ID: "livraison-delais", Title: "Délais de livraison", Body: "Nos cafés sont expédiés sous 24 h. Ils sont livrés en 48 h ouvrées. Le suivi arrive par e-mail.", Kind: "faq", Lang: "fr", URL: "https://cafe-lumiere.fr/livraison"},
		{ID: "shipping", Title: "Shipping times", Body: "We ship within 24 hours and deliver in two working days.", Kind: "faq", Lang: "en"},
	}
	if err := knowledge.Validate(entries); err != nil {
		t.Fatal(err)
	}
	return offline.Drafter{
		Voice: query.VoiceProfile{Address: address, Emoji: "none", Signature: map[string]string{"fr": "— L'équipe Café Lumière"}},
		Index: knowledge.NewIndex(entries),
		Replies: []query.SavedReply{
			{ID: "remboursement", Lang: "fr", Intent: "complaint", Keywords: []string{"remboursement"}, Text: "Bonjour {{author}}, votre remboursement de la commande {{order}} est en cours. {{signature}}"},
		},
	}
}

func TestDraft(t *testing.T) {
	cases := []struct {
		name, address string
		in            offline.Input
		contains      []string
		cites         string
	}{
		{"question_answered_from_kb_vous", "vous", offline.Input{Text: "Bonjour, quels sont vos délais de livraison ?", Lang: "fr", Author: "Léa Martin", Network: "mastodon", Intent: "question"},
			[]string{"Bonjour Léa, nos cafés sont expédiés sous 24 h.", "livrés en 48 h ouvrées.", "https://cafe-lumiere.fr/livraison", "— L'équipe Café Lumière"}, "livraison-delais"},
		{"complaint_tu_asks_for_dm", "tu", offline.Input{Text: "Mon colis est arrivé cassé", Lang: "fr", Author: "@max@piaille.fr", Intent: "complaint"},
			[]string{"Bonjour max, nous sommes désolés", "Peux-tu nous écrire"}, ""},
		{"saved_reply_with_order", "vous", offline.Input{Text: "Où en est mon remboursement ? commande n° 784512", Lang: "fr", Author: "Paul", Intent: "complaint"},
			[]string{"Bonjour Paul, votre remboursement de la commande 784512 est en cours."}, ""},
		{"english_question", "vous", offline.Input{Text: "What are your shipping times to Belgium?", Lang: "en", Author: "Sam", Network: "x", Intent: "question"},
			[]string{"Hello Sam, we ship within 24 hours", "two working days"}, "shipping"},
		{"unknown_question_promises_to_check", "vous", offline.Input{Text: "Vous recrutez des baristas ?", Lang: "fr", Intent: "question"},
			[]string{"Bonjour, nous vérifions et revenons vers vous"}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := drafter(t, tc.address).Draft(tc.in)
			for _, s := range tc.contains {
				if !strings.Contains(d.Text, s) {
					t.Errorf("draft %q lacks %q", d.Text, s)
				}
			}
			if tc.cites == "" && len(d.Citations) > 0 || tc.cites != "" && (len(d.Citations) != 1 || d.Citations[0].EntryID != tc.cites) {
				t.Errorf("citations = %+v, want %q", d.Citations, tc.cites)
			}
			if len(d.Reasons) == 0 || d.Confidence <= 0 || d.Confidence > 1 {
				t.Errorf("confidence %v, reasons %v", d.Confidence, d.Reasons)
			}
		})
	}
}

func TestDraftFitsTheNetwork(t *testing.T) {
	d := drafter(t, "vous")
	d.Voice.MaxLength = map[string]int{"mastodon": 80}
	out := d.Draft(offline.Input{Text: "délais de livraison ?", Lang: "fr", Author: "Léa", Network: "mastodon"})
	if n := len([]rune(out.Text)); n > 80 {
		t.Fatalf("%d characters: %q", n, out.Text)
	}
}

func TestOrderNumber(t *testing.T) {
	for in, want := range map[string]string{
		"ma commande 123456 n'est pas arrivée": "123456",
		"Order #A-98765 is late":               "A-98765",
		"n° de commande : 55512":               "55512",
		"voir #7788990":                        "7788990",
		"j'ai 3 cafés":                         "",
	} {
		if got := offline.OrderNumber(in); got != want {
			t.Errorf("OrderNumber(%q) = %q, want %q", in, got, want)
		}
	}
}
