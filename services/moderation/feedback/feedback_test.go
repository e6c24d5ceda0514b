package feedback_test

import (
	"slices"
	"testing"
	"time"

	casev1 "github.com/ruche-project/ruche/events/case/v1"
	"github.com/ruche-project/ruche/services/moderation/classify"
	"github.com/ruche-project/ruche/services/moderation/feedback"
	"github.com/ruche-project/ruche/services/moderation/learned"
)

func correction(id, brand, text string, add, remove []string, at time.Time) casev1.Corrected {
	c := casev1.Corrected{InteractionID: id, Brand: brand, Moderator: "alice", Text: text, Add: add, Remove: remove,
		Source: casev1.CorrectionExplicit, CorrectedAt: at}
	c.ID = casev1.CorrectedID(id, text, add, remove)
	return c
}

func TestMemory(t *testing.T) {
	at := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	t.Run("a_similar_text_takes_the_correction_an_unlike_one_does_not", func(t *testing.T) {
		m := feedback.NewMemory()
		m.Put(correction("x:1", "demo", "Check out my cooking channel, new video every friday!", nil, []string{"spam"}, at), 1)
		c := m.Match("demo", "Check out my cooking channel, new videos every friday!")
		if c == nil || !slices.Equal(c.Remove, []string{"spam"}) || c.By != "feedback:x:1" {
			t.Fatalf("Match = %+v", c)
		}
		for brand, text := range map[string]string{
			"demo":  "Bonjour, vos croissants sont-ils faits maison ?",
			"other": "Check out my cooking channel, new videos every friday!",
		} {
			if c := m.Match(brand, text); c != nil {
				t.Errorf("%s %q took %+v", brand, text, c)
			}
		}
	})
	t.Run("the_latest_correction_of_an_interaction_wins_in_any_order", func(t *testing.T) {
		m := feedback.NewMemory()
		text := "Venez voir notre collection sur lumiere-boutique.fr, -20% ce week-end"
		m.Put(correction("x:1", "demo", text, []string{"spam"}, nil, at), 2)
		m.Put(correction("x:1", "demo", text, []string{"toxicity"}, nil, at), 1) // older, delivered late
		if c := m.Match("demo", text); c == nil || !slices.Equal(c.Add, []string{"spam"}) {
			t.Fatalf("Match = %+v", c)
		}
		if n := len(m.Corrections("demo")); n != 1 {
			t.Fatalf("%d corrections of one interaction kept", n)
		}
		m.Delete("demo", "x:1")
		if c := m.Match("demo", text); c != nil || len(m.Corrections("demo")) != 0 {
			t.Fatalf("a deleted correction still matches: %+v", c)
		}
	})
	t.Run("the_nearest_correction_wins", func(t *testing.T) {
		m := feedback.NewMemory()
		m.Put(correction("x:1", "demo", "Promo sur les sacs, livraison offerte, commandez vite", []string{"spam"}, nil, at), 1)
		m.Put(correction("x:2", "demo", "Promo sur les sacs, livraison offerte, commandez vite chez nous", nil, []string{"toxicity"}, at), 2)
		if c := m.Match("demo", "Promo sur les sacs, livraison offerte, commandez vite"); c == nil || c.By != "feedback:x:1" {
			t.Fatalf("Match = %+v", c)
		}
	})
	t.Run("a_nil_memory_has_none", func(t *testing.T) {
		var m *feedback.Memory
		if m.Match("demo", "anything") != nil {
			t.Fatal("a nil memory matched")
		}
	})
}

func TestReport(t *testing.T) {
	at := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	a := correction("x:1", "demo", "a", nil, []string{"spam"}, at)
	a.Labels, a.LabelReasons = []string{"spam"}, map[string][]string{"spam": {"model:spam=0.912"}}
	b := correction("x:2", "demo", "b", nil, []string{"spam", "toxicity"}, at)
	b.Labels = []string{"spam", "toxicity:medium", "toxicity:insult"}
	b.LabelReasons = map[string][]string{"spam": {"shortener"}, "toxicity:medium": {"insult:idiot"}}
	c := correction("x:3", "demo", "c", []string{"threat"}, nil, at)
	got := feedback.Report([]casev1.Corrected{a, b, c})
	if len(got) != 3 || got[0].Label != "spam" || got[0].Removed != 2 || got[0].By["model:spam"] != 1 || got[0].By["shortener"] != 1 {
		t.Fatalf("report %+v", got)
	}
	if got[1].Label != "threat" || got[1].Added != 1 || got[2].Label != "toxicity" || got[2].By["insult:idiot"] != 1 {
		t.Fatalf("report %+v", got)
	}
}

func TestExample(t *testing.T) {
	e := feedback.Example(correction("x:1", "demo", "t", []string{"sentiment:negative"}, []string{"spam", "toxicity"}, time.Now()))
	want := map[learned.Head]int8{learned.Spam: 0, learned.Toxic: 0, learned.Insult: 0, learned.Hate: 0, learned.Threat: -1,
		learned.Negative: 1, learned.Positive: 0, learned.Neutral: 0}
	for h, v := range want {
		if e.Label[h] != v {
			t.Errorf("%s = %d, want %d", h, e.Label[h], v)
		}
	}
	if e.Source != feedback.ExampleSource || e.Text != "t" {
		t.Fatalf("example %+v", e)
	}
}

// TestCorrectionChangesTheLabels: a correction is applied where the
// classifiers decide, so what follows from the labels follows from the
// corrected ones; a threat is never removed.
func TestCorrectionChangesTheLabels(t *testing.T) {
	spam := "Check out my channel, call me at 06 12 34 56 78 for collabs!"
	plain := classify.Classify(classify.Input{Text: spam})
	if !plain.Spam.Is {
		t.Fatalf("%q is not spam: the case needs one", spam)
	}
	r := classify.Classify(classify.Input{Text: spam, Correction: &classify.Correction{Remove: []string{"spam"}, By: "feedback:x:1"}})
	if r.Spam.Is || !slices.Contains(r.Corrections, "feedback:-spam:x:1") || len(r.PII) == 0 {
		t.Fatalf("spam removed: spam %v, corrections %v, pii %v", r.Spam.Is, r.Corrections, r.PII)
	}
	threat := "Je sais où travaille votre directeur. Qu'il fasse attention à lui."
	r = classify.Classify(classify.Input{Text: threat, Correction: &classify.Correction{Remove: []string{"toxicity"}, By: "feedback:x:2"}})
	if !r.Threat() {
		t.Fatalf("a correction removed a threat: %v", r.Labels())
	}
	r = classify.Classify(classify.Input{Text: "Merci pour tout", Correction: &classify.Correction{Add: []string{"toxicity"}, By: "feedback:x:3"}})
	if r.Toxicity.Severity != classify.SeverityMedium || !slices.Contains(r.Reasons()["toxicity:medium"], "feedback:toxicity:x:3") {
		t.Fatalf("toxicity added: %v %v", r.Labels(), r.Reasons())
	}
	r = classify.Classify(classify.Input{Text: "Merci pour tout", Correction: &classify.Correction{Add: []string{"sentiment:negative"}, By: "feedback:x:4"}})
	if r.Sentiment.Label != classify.SentimentNegative || r.Reasons()["sentiment:negative"][0] != "feedback:sentiment:negative:x:4" {
		t.Fatalf("sentiment added: %v %v", r.Labels(), r.Reasons())
	}
}
