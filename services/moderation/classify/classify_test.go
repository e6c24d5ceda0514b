package classify_test

import (
	"slices"
	"testing"
	"time"

	"github.com/ruche-project/ruche/services/moderation/classify"
)

func TestNormalize(t *testing.T) {
	cases := []struct {
		name, text string
		want       []string // main keys
	}{
		{"lowercases_and_strips_accents", "Génial Œuvre", []string{"genial", "oeuvre"}},
		{"decodes_leetspeak", "c0nnard b1tch", []string{"connard", "bitch"}},
		{"joins_letters_spread_with_dots", "i.d.i.o.t", []string{"idiot"}},
		{"joins_letters_spread_with_spaces", "c o n n a r d va", []string{"connard", "va"}},
		{"squeezes_repeated_letters", "nuuuuul", []string{"nul"}},
		{"splits_french_elisions", "t'es", []string{"t", "es"}},
		{"rewrites_english_contractions", "don't", []string{"do", "not"}},
		{"keeps_ordinary_numbers", "2024 il y a", []string{"2024", "il", "y", "a"}},
		{"maps_cyrillic_lookalikes", "сonnard", []string{"connard"}},
		{"reads_a_euro_sign_between_letters_as_e", "m€rde à 50€", []string{"merde", "a", "50"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, tok := range classify.Normalize(tc.text).Tokens {
				got = append(got, tok.Key())
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("keys %q, want %q", got, tc.want)
			}
		})
	}
}

func TestLanguage(t *testing.T) {
	cases := []struct {
		name, text, hint string
		want             classify.Lang
	}{
		{"detects_french", "Bonjour, ma commande n'est toujours pas arrivée", "", classify.LangFrench},
		{"detects_short_english", "Where is my order?", "", classify.LangEnglish},
		{"spanish_is_other", "Hola, ¿tienen tiendas en Madrid?", "", classify.LangOther},
		{"german_is_other", "Wie lange dauert der Versand nach Deutschland?", "", classify.LangOther},
		{"no_words_is_other", "👍👍", "", classify.LangOther},
		{"network_tag_wins", "ok", "fr-CA", classify.LangFrench},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := classify.DetectLanguage(classify.Normalize(tc.text), tc.hint); got != tc.want {
				t.Fatalf("DetectLanguage = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestSpam(t *testing.T) {
	at := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	cases := []struct {
		name   string
		text   string
		author classify.Author
		want   bool
		reason string
	}{
		{"catches_url_shorteners", "Regarde ça bit.ly/3xYz et tinyurl.com/abc", classify.Author{}, true, "link:shortener"},
		{"catches_link_farms", "https://a.example.com https://b.example.com https://c.example.com", classify.Author{}, true, "links:many"},
		{"catches_crypto_scam_in_french", "Investissez dans le bitcoin, j'ai doublé mon capital, écrivez-moi sur WhatsApp", classify.Author{}, true, "scam:crypto"},
		{"catches_follower_scam_without_links", "Free followers!!! Get 10k followers in 24h", classify.Author{}, true, "scam:followers"},
		{"catches_dm_me_scam", "Earn $$$ from home, DM me", classify.Author{}, true, "contact:offplatform"},
		{"catches_repeated_text", "promo promo promo promo promo promo", classify.Author{}, true, "repeated_text"},
		{"new_account_adds_to_a_weak_signal", "DM me", classify.Author{Handle: "user8473625", CreatedAt: at.Add(-time.Hour)}, true, "author:new_account"},
		{"empty_account_alone_is_not_spam", "Bonjour", classify.Author{Handle: "user84736251"}, false, ""},
		{"one_ordinary_link_is_not_spam", "La recette est ici : https://www.marmiton.org/recettes/brownie", classify.Author{}, false, ""},
		{"catches_counterfeit_shops", "NIKE AIR MAX -70% sur www.nike-outlet-store.com livraison offerte", classify.Author{}, true, "shop:counterfeit"},
		{"catches_counterfeit_shops_in_english", "Ray-Ban 80% off today only at https://rayban-sale.shop", classify.Author{}, true, "shop:counterfeit"},
		{"catches_shortener_chains", "part 1 bit.ly/a1 part 2 cutt.ly/b2", classify.Author{}, true, "link:shortener_chain"},
		{"catches_new_cheap_tlds", "Gift card waiting for you https://claim-now.cyou, check my profile", classify.Author{}, true, "link:suspicious_domain"},
		{"a_discount_without_a_shop_link_is_not_spam", "Les soldes à -30% chez vous c'est jusqu'à quand ?", classify.Author{}, false, ""},
		{"a_shop_link_without_a_discount_is_not_spam", "Je l'ai acheté sur https://www.cafelumiere-shop.fr/aurore", classify.Author{}, false, ""},
		{"brand_contest_is_not_spam", "Jeu concours : tentez de gagner un an de café !", classify.Author{}, false, ""},
		{"catches_first_comments", "1st!! 🏆 @someone", classify.Author{}, true, "noise:first"},
		{"first_in_a_sentence_is_not_spam", "First time ordering, fingers crossed", classify.Author{}, false, ""},
		{"catches_channel_promotion", "Nice video! Subscribe to my channel for more covers", classify.Author{}, true, "promo:channel"},
		{"catches_channel_promotion_in_french", "Abonne-toi à ma chaîne stp, je poste tous les jours", classify.Author{}, true, "promo:channel"},
		{"catches_french_follower_bait", "Tu veux plus d'abonnés ? Écris-moi en MP", classify.Author{}, true, "scam:followers"},
		{"catches_a_shop_named_without_scheme_nor_path", "SNEAKERS 75% OFF TODAY cheap-kicks-outlet.shop", classify.Author{}, true, "shop:counterfeit"},
		{"a_site_named_without_scheme_is_not_spam", "Vous vendez aussi sur boutique-cafe.fr ?", classify.Author{}, false, ""},
		{"catches_the_easy_money_testimony", "My cousin earned €3,000 in 5 days with this app https://x-app.example/start?ref=123", classify.Author{}, true, "scam:money"},
		{"money_made_over_years_is_no_testimony", "I made 300 € in 2 years selling my old records", classify.Author{}, false, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := classify.DetectSpam(classify.Normalize(tc.text), tc.author, at)
			if s.Is != tc.want || tc.reason != "" && !slices.Contains(s.Reasons, tc.reason) {
				t.Fatalf("spam %v %v (score %.1f), want %v with %q", s.Is, s.Reasons, s.Score, tc.want, tc.reason)
			}
		})
	}
}

func TestToxicity(t *testing.T) {
	cases := []struct {
		name, text string
		lang       classify.Lang
		severity   classify.Severity
		categories []classify.Category
	}{
		{"catches_french_insult", "T'es vraiment un connard", classify.LangFrench, classify.SeverityMedium, []classify.Category{"insult"}},
		{"catches_obfuscated_french_insult", "t es un c0nnard", classify.LangFrench, classify.SeverityMedium, []classify.Category{"insult"}},
		{"catches_spread_letters", "c o n n a r d", classify.LangFrench, classify.SeverityMedium, []classify.Category{"insult"}},
		{"catches_dotted_english_insult", "you are such an i.d.i.o.t", classify.LangEnglish, classify.SeverityMedium, []classify.Category{"insult"}},
		{"catches_masked_swearing", "f*ck you", classify.LangEnglish, classify.SeverityMedium, []classify.Category{"insult"}},
		{"catches_repeated_letters", "enculéééé", classify.LangFrench, classify.SeverityHigh, []classify.Category{"insult"}},
		{"catches_leet_family_insult", "N1qu3 t4 m3r3", classify.LangFrench, classify.SeverityHigh, []classify.Category{"insult"}},
		{"catches_french_threat", "Je vais te retrouver, je sais où tu habites", classify.LangFrench, classify.SeverityHigh, []classify.Category{"threat"}},
		{"catches_english_threat", "I'm going to burn your shop down", classify.LangEnglish, classify.SeverityHigh, []classify.Category{"threat"}},
		{"catches_veiled_threat_against_a_third_person", "I know where your CEO works. He'd better watch his back.", classify.LangEnglish, classify.SeverityHigh, []classify.Category{"threat"}},
		{"catches_veiled_french_threat", "On sait où votre patron habite, qu'il surveille ses arrières.", classify.LangFrench, classify.SeverityHigh, []classify.Category{"threat"}},
		{"watch_the_back_seat_is_not_a_threat", "Watch the back of the box for the roast date", classify.LangEnglish, classify.SeverityNone, []classify.Category{}},
		{"catches_hate_against_a_group", "All muslims are terrorists", classify.LangEnglish, classify.SeverityHigh, []classify.Category{"hate"}},
		{"profanity_is_low_without_category", "Putain, encore en panne", classify.LangFrench, classify.SeverityLow, []classify.Category{}},
		{"aimed_adjective_is_an_insult", "vous êtes nuls", classify.LangFrench, classify.SeverityMedium, []classify.Category{"insult"}},
		{"criticism_of_a_thing_is_not_an_insult", "le service est nul", classify.LangFrench, classify.SeverityNone, []classify.Category{}},
		{"ignores_quoted_insult", "Il m'a traité de « connard » devant tout le monde", classify.LangFrench, classify.SeverityNone, []classify.Category{}},
		{"ignores_reported_english_insult", "Your employee called me an \"idiot\"", classify.LangEnglish, classify.SeverityNone, []classify.Category{}},
		{"ignores_negated_insult", "You're not an idiot, the manual is confusing", classify.LangEnglish, classify.SeverityNone, []classify.Category{}},
		{"ignores_negated_french_insult", "Vous n'êtes pas des incapables", classify.LangFrench, classify.SeverityNone, []classify.Category{}},
		{"ignores_self_deprecation", "Quel idiot je suis, j'ai oublié mon parapluie", classify.LangFrench, classify.SeverityNone, []classify.Category{}},
		{"slang_praise_is_not_a_threat", "Ce gâteau est une tuerie, it's killing me", classify.LangFrench, classify.SeverityNone, []classify.Category{}},
		{"french_con_not_counted_in_english", "pros and con", classify.LangEnglish, classify.SeverityNone, []classify.Category{}},
		// threats at a third person or a group, without a "you"
		{"catches_incitement", "Someone should stab that cashier, honestly", classify.LangEnglish, classify.SeverityHigh, []classify.Category{"threat"}},
		{"catches_french_incitement", "Quelqu'un devrait tabasser ce vendeur", classify.LangFrench, classify.SeverityHigh, []classify.Category{"threat"}},
		{"catches_harm_foretold", "Your drivers are going to get hurt one of these nights", classify.LangEnglish, classify.SeverityHigh, []classify.Category{"threat"}},
		{"catches_french_harm_foretold", "Ton caissier va se prendre une raclée", classify.LangFrench, classify.SeverityHigh, []classify.Category{"threat"}},
		{"catches_deserved_violence", "Le gérant mériterait une bonne raclée", classify.LangFrench, classify.SeverityHigh, []classify.Category{"threat"}},
		{"catches_waiting_at_the_exit", "On va l'attendre à la sortie du boulot, ton vendeur", classify.LangFrench, classify.SeverityHigh, []classify.Category{"threat"}},
		{"a_hospital_visit_is_no_threat", "My mum ended up in hospital after the fall, so I could not pick up the order", classify.LangEnglish, classify.SeverityNone, []classify.Category{}},
		{"waiting_for_a_parcel_is_no_threat", "Je l'attends devant la porte depuis ce matin, ce colis", classify.LangFrench, classify.SeverityNone, []classify.Category{}},
		// insults aimed at the brand's people without "you are"
		{"catches_insult_after_are", "the cashiers there are morons", classify.LangEnglish, classify.SeverityMedium, []classify.Category{"insult"}},
		{"catches_insult_after_a_demonstrative", "ces abrutis du service client", classify.LangFrench, classify.SeverityMedium, []classify.Category{"insult"}},
		{"catches_a_joke_of_a_company", "What a joke of a company", classify.LangEnglish, classify.SeverityLow, []classify.Category{"insult"}},
		{"we_are_idiots_is_self_deprecation", "we are idiots for ordering twice", classify.LangEnglish, classify.SeverityNone, []classify.Category{}},
		{"catches_euro_obfuscated_swearing", "Service client de m€rde", classify.LangFrench, classify.SeverityLow, []classify.Category{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tox := classify.DetectToxicity(classify.Normalize(tc.text), tc.lang)
			if tox.Severity != tc.severity || !slices.Equal(tox.Categories, tc.categories) {
				t.Fatalf("toxicity %s %v (hits %v, discounted %v), want %s %v", tox.Severity, tox.Categories, tox.Hits, tox.Discounted, tc.severity, tc.categories)
			}
		})
	}
}

func TestSentiment(t *testing.T) {
	cases := []struct {
		name, text string
		lang       classify.Lang
		want       classify.SentimentLabel
	}{
		{"pas_mal_du_tout_is_positive", "C'est pas mal du tout", classify.LangFrench, classify.SentimentPositive},
		{"pas_terrible_is_negative", "Franchement, pas terrible", classify.LangFrench, classify.SentimentNegative},
		{"negation_flips_french_praise", "Je ne suis pas content du tout", classify.LangFrench, classify.SentimentNegative},
		{"french_sarcasm_is_negative", "Génial, encore une livraison en retard. Bravo.", classify.LangFrench, classify.SentimentNegative},
		{"english_sarcasm_is_negative", "Oh great, another delay.", classify.LangEnglish, classify.SentimentNegative},
		{"eye_roll_marks_sarcasm", "Merci pour rien 🙄", classify.LangFrench, classify.SentimentNegative},
		{"english_praise_is_positive", "Love the new menu, amazing!", classify.LangEnglish, classify.SentimentPositive},
		{"english_not_bad_is_positive", "Not bad at all", classify.LangEnglish, classify.SentimentPositive},
		{"plain_question_is_neutral", "Vous ouvrez à quelle heure ?", classify.LangFrench, classify.SentimentNeutral},
		{"emoji_carry_sentiment", "👍👍", classify.LangOther, classify.SentimentPositive},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := classify.ScoreSentiment(classify.Normalize(tc.text), tc.lang)
			if s.Label != tc.want {
				t.Fatalf("sentiment %s (%.3f, sarcasm %v), want %s", s.Label, s.Score, s.Sarcasm, tc.want)
			}
		})
	}
}

func TestIntent(t *testing.T) {
	cases := []struct {
		name, text string
		want       classify.Intent
	}{
		{"question_mark_is_a_question", "Vous livrez en Belgique ?", classify.IntentQuestion},
		{"complaint_wins_over_question", "Pourquoi ma carte est refusée ?", classify.IntentComplaint},
		{"purchase_wins_over_question", "Where can I buy your coffee beans?", classify.IntentPurchase},
		{"praise_needs_praise_words", "Merci pour l'accueil, super équipe !", classify.IntentPraise},
		{"sarcastic_praise_is_a_complaint", "Bravo les champions, 2 heures pour une pizza froide", classify.IntentComplaint},
		{"exclamative_is_not_a_question", "What a mess", classify.IntentOther},
		{"insult_alone_is_other", "T'es un connard", classify.IntentOther},
		{"a_negated_praise_is_not_praise", "Je ne recommande pas ce moulin, il fait trop de bruit", classify.IntentComplaint},
		{"praise_before_a_contrast_gives_way", "Great coffee but the queue was endless", classify.IntentComplaint},
		{"a_denied_problem_is_praise", "Never had a problem with them in five years", classify.IntentPraise},
		{"a_praise_cue_stands_against_the_models_polarity", "Mon grille-pain marche toujours comme au premier jour après dix ans", classify.IntentPraise},
		{"a_denied_complaint_is_none", "Try it, you won't be disappointed", classify.IntentOther},
		{"a_wish_then_an_acquisition_is_purchase_intent", "We're planning to order three boxes for the office", classify.IntentPurchase},
		{"stock_asked_about_is_a_question", "Is the grinder back in stock?", classify.IntentQuestion},
		{"stock_said_is_purchase_intent", "Dispo en boutique samedi, j'y passe", classify.IntentPurchase},
		{"a_price_in_a_complaint_is_no_purchase", "For that price I expected a lot better, it broke down in a week", classify.IntentComplaint},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := classify.Classify(classify.Input{Text: tc.text}).Intent; got != tc.want {
				t.Fatalf("intent %s, want %s", got, tc.want)
			}
		})
	}
}

func BenchmarkClassify(b *testing.B) {
	texts := []string{
		"Bonjour, ma commande n'est toujours pas arrivée. Vous pouvez vérifier ?",
		"Earn $$$ with crypto trading, 10x guaranteed!! DM me now",
		"t es un c0nnard, je vais te retrouver",
		"Mon email c'est marie.dupont@gmail.com, appelez le 06 12 34 56 78",
		"Love the new autumn menu, the pumpkin latte is amazing!",
		"Génial, encore une livraison en retard. Bravo, vraiment.",
		"Your app keeps crashing on login since the last update (iPhone 13, iOS 18). Is there a known issue or a workaround?",
		"Bonjour ! Ma commande n'est toujours pas arrivée, le suivi indique « en cours d'acheminement » depuis le 12. Vous pouvez vérifier ?",
	}
	classify.Classify(classify.Input{Text: texts[0]}) // lexicons and VADER load once
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for b.Loop() {
		classify.Classify(classify.Input{Text: texts[n%len(texts)]})
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "items/s")
}
