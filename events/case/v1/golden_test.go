package v1_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/ruche-project/ruche/events"
	v1 "github.com/ruche-project/ruche/events/case/v1"
	"github.com/ruche-project/ruche/events/eventstest"
)

func TestDecided(t *testing.T) {
	d := v1.Decided{
		ID:            v1.DecidedID("mastodon:109876543210", v1.DecisionAssign, 7),
		InteractionID: "mastodon:109876543210",
		Brand:         "cafe-lumiere",
		Decision:      v1.DecisionAssign,
		Moderator:     "key-1a2b3c4d",
		Assignee:      "key-5e6f7a8b",
		Reason:        "needs the after-sales team",
		DecidedAt:     time.Date(2026, 11, 20, 9, 45, 0, 0, time.UTC),
	}
	if got, want := events.Subject(d, d.Brand), "ruche.case.decided.v1.cafe-lumiere"; got != want {
		t.Fatalf("Subject = %q, want %q", got, want)
	}
	if d.ID != "case:mastodon:109876543210:assign:7" {
		t.Fatalf("DecidedID = %q", d.ID)
	}
	if !v1.DecisionClose.Valid() || v1.Decision("delete").Valid() {
		t.Fatal("Valid disagrees with Decisions")
	}
	eventstest.Golden(t, "case.decided.v1.json", d)
}

func TestCorrected(t *testing.T) {
	text := "Promo -70% sur les sacs, livraison offerte : shop-lumiere-outlet.top"
	c := v1.Corrected{
		InteractionID: "mastodon:109876543299",
		Brand:         "cafe-lumiere",
		Moderator:     "key-1a2b3c4d",
		Text:          text,
		Lang:          "fr",
		Labels:        []string{"lang:fr", "sentiment:positive", "intent:other"},
		Add:           []string{"spam"},
		Remove:        []string{"sentiment:positive"},
		Source:        v1.CorrectionExplicit,
		Reason:        "counterfeit shop",
		CorrectedAt:   time.Date(2026, 11, 20, 9, 50, 0, 0, time.UTC),
	}
	c.ID = v1.CorrectedID(c.InteractionID, c.Text, c.Add, c.Remove)
	if got, want := events.Subject(c, c.Brand), "ruche.case.corrected.v1.cafe-lumiere"; got != want {
		t.Fatalf("Subject = %q, want %q", got, want)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if got := c.Result(); !slices.Equal(got, []string{"lang:fr", "intent:other", "spam"}) {
		t.Fatalf("Result = %v", got)
	}
	tox := v1.Corrected{Labels: []string{"toxicity:insult", "toxicity", "threat", "lang:fr"}, Remove: []string{"toxicity"}, Add: []string{"spam"}}
	if got := tox.Result(); !slices.Equal(got, []string{"threat", "lang:fr", "spam"}) {
		t.Fatalf("toxicity removes every toxicity kind: Result = %v", got)
	}
	if v1.CorrectedID(c.InteractionID, c.Text, []string{"spam"}, nil) == c.ID {
		t.Fatal("CorrectedID ignores what is removed")
	}
	for name, bad := range map[string]struct {
		add, remove []string
		field       string
	}{
		"unknown_label":      {[]string{"pii:email"}, nil, "add[0]"},
		"added_and_removed":  {[]string{"spam"}, []string{"spam"}, "remove[0]"},
		"two_sentiments":     {[]string{"sentiment:positive", "sentiment:negative"}, nil, "add"},
		"repeated_in_remove": {nil, []string{"toxicity", "toxicity"}, "remove[1]"},
	} {
		err := v1.CheckCorrection(bad.add, bad.remove)
		var ce *v1.CorrectionError
		if !errors.As(err, &ce) || ce.Field != bad.field {
			t.Errorf("%s: CheckCorrection = %v, want an error on %s", name, err, bad.field)
		}
	}
	eventstest.Golden(t, "case.corrected.v1.json", c)
}
