package sandbox

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"

	"github.com/ruche-project/ruche/pkg/pii"
)

func TestTemplates(t *testing.T) {
	for _, lang := range []string{LangFR, LangEN} {
		ts := templatesFor(lang)
		t.Run(lang+"_has_at_least_60_templates", func(t *testing.T) {
			if len(ts) < 60 {
				t.Fatalf("%d templates, want at least 60", len(ts))
			}
		})
		t.Run(lang+"_every_template_renders_fully", func(t *testing.T) {
			people := makePeople(rand.New(rand.NewPCG(1, 2)), lang, 20)
			for i, tpl := range ts {
				for seed := range uint64(8) { // several draws: every product of a class
					rng := rand.New(rand.NewPCG(seed, uint64(i)))
					out := render(rng, tpl.text, lang, people[int(seed)%len(people)], people)
					if strings.ContainsAny(out, "{}") || strings.TrimSpace(out) == "" {
						t.Fatalf("template %q rendered as %q", tpl.text, out)
					}
					if strings.Contains(out, "  ") {
						t.Fatalf("template %q rendered with a double space: %q", tpl.text, out)
					}
				}
			}
		})
		t.Run(lang+"_every_category_can_be_public", func(t *testing.T) {
			g := NewGenerator(1, 0.5)
			for _, c := range Categories {
				if len(g.matching(lang, public, func(tp template) bool { return tp.cat == c })) == 0 {
					t.Errorf("no public %s template for %s", lang, c)
				}
			}
		})
		t.Run(lang+"_every_crisis_topic_has_templates", func(t *testing.T) {
			for _, topic := range Topics {
				n := 0
				for _, tpl := range ts {
					if tpl.on&crisis != 0 && tpl.topic == topic {
						n++
					}
				}
				if n < 5 {
					t.Errorf("topic %s has %d %s templates, want at least 5", topic, n, lang)
				}
			}
		})
		t.Run(lang+"_follow_ups_exist_for_questions_and_complaints", func(t *testing.T) {
			g := NewGenerator(1, 0.5)
			for _, after := range []Category{CategoryQuestion, CategoryComplaint} {
				for _, happy := range []bool{true, false} {
					d := g.followupOf(g.people[lang][0], after, happy)
					if d.Type != TypeReply || d.Lang != lang || (d.Category == CategoryPraise) != happy {
						t.Fatalf("follow-up after %s (happy %v): %+v", after, happy, d)
					}
				}
			}
		})
		t.Run(lang+"_reviews_are_rated", func(t *testing.T) {
			for _, tpl := range ts {
				if tpl.on&review != 0 && (tpl.stars < 1 || tpl.stars > 5) {
					t.Errorf("review %q has %d stars", tpl.text, tpl.stars)
				}
			}
		})
	}
}

func TestRenderAgreesWithTheProduct(t *testing.T) {
	cases := []struct {
		name, text, want string
		female           bool
	}{
		{"feminine_singular", "{mon:a} est tombé{e:a} en panne", "", false},
		{"author_agreement_female", "déçu{ae}", "déçue", true},
		{"author_agreement_male", "déçu{ae}", "déçu", false},
		{"capitalised_when_starting_with_a_product", "{le:s} coûte trop cher", "L'abonnement Essentiel coûte trop cher", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for seed := range uint64(20) {
				got := render(rand.New(rand.NewPCG(seed, 0)), tc.text, LangFR, Persona{Female: tc.female, First: "Léa", Last: "Roux"}, nil)
				if tc.want != "" && got != tc.want {
					t.Fatalf("render = %q, want %q", got, tc.want)
				}
				// Every appliance agrees: "La machine Aurore est tombée", "Le moulin Brio est tombé".
				for _, p := range productsOf('a') {
					if strings.HasPrefix(strings.ToLower(got), p.mon) {
						wantEnd := "tombé en panne"
						if p.fem {
							wantEnd = "tombée en panne"
						}
						if !strings.HasSuffix(got, wantEnd) {
							t.Fatalf("%q: wrong agreement", got)
						}
					}
				}
			}
		})
	}
}

func TestGenerator(t *testing.T) {
	const n = 3000
	draw := func(seed uint64) []Draft {
		g := NewGenerator(seed, 0.6)
		out := make([]Draft, n)
		for i := range out {
			out[i] = g.Next()
		}
		return out
	}
	a, b, c := draw(42), draw(42), draw(43)

	t.Run("same_seed_same_traffic", func(t *testing.T) {
		for i := range a {
			if a[i] != b[i] {
				t.Fatalf("draft %d differs:\n%+v\n%+v", i, a[i], b[i])
			}
		}
	})
	t.Run("other_seed_other_traffic", func(t *testing.T) {
		same := 0
		for i := range a {
			if a[i].Text == c[i].Text {
				same++
			}
		}
		if same > n/5 {
			t.Fatalf("%d of %d drafts identical across seeds", same, n)
		}
	})
	t.Run("both_languages_in_proportion", func(t *testing.T) {
		fr := 0
		for _, d := range a {
			if d.Lang == LangFR {
				fr++
			}
		}
		if share := float64(fr) / n; share < 0.55 || share > 0.65 {
			t.Fatalf("French share %.2f, want about 0.6", share)
		}
	})
	t.Run("every_category_and_type_present", func(t *testing.T) {
		cats, types := map[Category]int{}, map[ItemType]int{}
		for _, d := range a {
			cats[d.Category]++
			types[d.Type]++
		}
		for _, c := range Categories {
			if cats[c] == 0 {
				t.Errorf("no %s in %d drafts", c, n)
			}
		}
		for _, ty := range []ItemType{TypeComment, TypeReply, TypeMention, TypeDM, TypeReview} {
			if types[ty] == 0 {
				t.Errorf("no %s in %d drafts", ty, n)
			}
		}
	})
	t.Run("influencers_are_followed_and_mostly_verified", func(t *testing.T) {
		influencers, verified := 0, 0
		for _, d := range a {
			if d.Author.Followers >= 40_000 && !d.Author.Spammer {
				influencers++
				if d.Author.Verified {
					verified++
				}
			}
		}
		if influencers < 10 || verified < influencers/2 {
			t.Fatalf("%d influencer items, %d verified", influencers, verified)
		}
	})
	t.Run("spam_comes_from_new_accounts", func(t *testing.T) {
		for _, d := range a {
			spam := d.Category == CategorySpam || d.Category == CategorySpamLink || d.Category == CategorySpamScam
			if spam != d.Author.Spammer || spam && d.Author.AgeDays > 30 {
				t.Fatalf("%s by %+v", d.Category, d.Author)
			}
		}
	})
	t.Run("personal_data_holds_personal_data", func(t *testing.T) {
		pii := regexp.MustCompile(`@example\.(com|net|org)|\d{2} \d{2} \d{2}|555-01|07700 900|FR\d{2} 3000|sort code|\d{2}/\d{2}/\d{4}|\d{4} \w+ \d{4}|\d+ [A-Z][a-z]+ (Road|Street|Lane|Avenue)|rue|avenue|boulevard|allée|chemin`)
		for _, d := range a {
			if d.Category == CategoryPersonalData && !pii.MatchString(d.Text) && !strings.Contains(d.Text, d.Author.Last) {
				t.Fatalf("no personal data in %q", d.Text)
			}
		}
	})
	t.Run("ibans_pass_their_check", func(t *testing.T) {
		iban := regexp.MustCompile(`FR\d{2}(?: \d{4}){5} \d{3}`)
		n := 0
		for _, d := range a {
			for _, m := range iban.FindAllString(d.Text, -1) {
				n++
				if !pii.ValidIBAN(strings.ReplaceAll(m, " ", "")) {
					t.Fatalf("IBAN %q fails its check digits", m)
				}
			}
		}
		if n == 0 {
			t.Fatal("no IBAN generated")
		}
	})
	t.Run("spam_links_are_links", func(t *testing.T) {
		for _, d := range a {
			if d.Category == CategorySpamLink && !strings.Contains(d.Text, "https://") {
				t.Fatalf("no link in %q", d.Text)
			}
		}
	})
	t.Run("mentions_tag_the_brand", func(t *testing.T) {
		for _, d := range a {
			if d.Type == TypeMention && !strings.Contains(d.Text, "@"+demoHandle) {
				t.Fatalf("mention without the brand's handle: %q", d.Text)
			}
		}
	})
	t.Run("reviews_have_a_rating", func(t *testing.T) {
		for _, d := range a {
			if (d.Type == TypeReview) != (d.Rating > 0) {
				t.Fatalf("%s with rating %d", d.Type, d.Rating)
			}
		}
	})
}

func TestPersonas(t *testing.T) {
	g := NewGenerator(7, 0.6)
	for _, lang := range []string{LangFR, LangEN} {
		t.Run(lang+"_usernames_are_unique_ascii", func(t *testing.T) {
			seen := map[string]bool{}
			re := regexp.MustCompile(`^[a-z0-9._]+$`)
			for _, p := range g.people[lang] {
				if seen[p.Username] || !re.MatchString(p.Username) {
					t.Fatalf("username %q (duplicate: %v)", p.Username, seen[p.Username])
				}
				seen[p.Username] = true
			}
		})
	}
}
