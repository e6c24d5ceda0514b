package knowledge_test

import (
	"strings"
	"testing"

	"github.com/ruche-project/ruche/services/drafting/knowledge"
)

const faqFR = `# FAQ Café Lumière

## Quels sont les délais de livraison ?
id: livraison-delais
url: https://cafe-lumiere.fr/livraison
Nos cafés sont expédiés sous 24 h et livrés en 48 h ouvrées en France métropolitaine.

## Puis-je retourner un produit ?
id: retours
Vous avez 30 jours pour nous retourner un produit non ouvert, les frais de retour sont offerts.

## Le café est-il bio ?
kind: product
Tous nos grains sont issus de l'agriculture biologique et torréfiés à Lyon.
`

func TestTokens(t *testing.T) {
	got := strings.Join(knowledge.Tokens("Où est l'adresse de livraison ? Les délais sont-ils LONGS ?"), " ")
	if want := "adresse livraison delai long"; got != want {
		t.Fatalf("Tokens = %q", got)
	}
	if got := knowledge.Fold("Œuvre DÉJÀ çà"); got != "oeuvre deja ca" {
		t.Fatalf("Fold = %q", got)
	}
}

func TestSearch(t *testing.T) {
	entries, err := knowledge.ImportMarkdown(faqFR, "fr")
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 3 || entries[0].ID != "livraison-delais" || entries[0].URL != "https://cafe-lumiere.fr/livraison" || entries[2].ID != "le-cafe-est-il-bio" || entries[2].Kind != "product" {
		t.Fatalf("entries = %+v", entries)
	}
	ix := knowledge.NewIndex(entries)
	cases := []struct {
		name, query, lang, want string
	}{
		{"accents_folded", "quel delai pour la livraison", "fr", "livraison-delais"},
		{"plural_folded", "je veux retourner mes produits", "fr", "retours"},
		{"product_fact", "Votre café est BIO ?", "fr", "le-cafe-est-il-bio"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			hits := ix.Search(tc.query, tc.lang, 3)
			if len(hits) == 0 || hits[0].Entry.ID != tc.want {
				t.Fatalf("Search(%q) = %+v, want %s first", tc.query, hits, tc.want)
			}
		})
	}
	if hits := ix.Search("the weather in Paris", "fr", 3); len(hits) != 0 {
		t.Fatalf("unrelated query found %+v", hits)
	}
	if hits := ix.Search("livraison", "en", 3); len(hits) != 0 {
		t.Fatalf("other language found %+v", hits)
	}
}

func TestImportCSV(t *testing.T) {
	csv := "id,title,body,lang,url\nshipping,Shipping times,\"We ship within 24 hours, delivery in 2 working days.\",en,https://cafe-lumiere.fr/en/shipping\n,Opening hours,Our Lyon shop opens 8am to 7pm.,,\n"
	entries, err := knowledge.ImportCSV(strings.NewReader(csv), "en")
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 || entries[1].ID != "opening-hours" || entries[1].Lang != "en" || entries[0].Body != "We ship within 24 hours, delivery in 2 working days." {
		t.Fatalf("entries = %+v", entries)
	}
}

func TestValidateNamesTheField(t *testing.T) {
	cases := []struct {
		name, csv, field string
	}{
		{"bad_lang", "title,body,lang\nA,b,de\n", "entries[0].lang"},
		{"duplicate_id", "id,title,body\nx,A,b\nx,C,d\n", "entries[1].id"},
		{"http_url", "title,body,url\nA,b,http://x.fr\n", "entries[0].url"},
		{"no_body_column", "title\nA\n", "body column"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := knowledge.ImportCSV(strings.NewReader(tc.csv), "fr")
			if err == nil || !strings.Contains(err.Error(), tc.field) {
				t.Fatalf("err = %v, want it to name %s", err, tc.field)
			}
		})
	}
	if _, err := knowledge.ImportMarkdown("just text", "fr"); err == nil {
		t.Fatal("Markdown without headings accepted")
	}
}
