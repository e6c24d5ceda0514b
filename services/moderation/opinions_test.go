package moderation_test

import (
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	v1 "github.com/ruche-project/ruche/events/interaction/v1"
	"github.com/ruche-project/ruche/pkg/modelfake"
	"github.com/ruche-project/ruche/pkg/testkit"
	"github.com/ruche-project/ruche/services/moderation"
	"github.com/ruche-project/ruche/services/moderation/secondopinion"
)

// TestSecondOpinion: an item the local verdict is unsure of is asked about
// (an item it is sure of is not); what the model finds sends it to a
// human, never hides it; a model that is down leaves the local verdict,
// marked.
func TestSecondOpinion(t *testing.T) {
	fake := &modelfake.Server{}
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	cfg := moderation.Config{Consumer: "moderation", SecondOpinion: secondopinion.Config{
		BaseURL: srv.URL + "/v1", Model: "fake-moderation", APIKey: "sk-test", Timeout: 10 * time.Second, DailyBudget: 100}}
	var decisions decisionsByID
	h := startWith(t, testkit.NATS(t), cfg, moderation.Deps{}, decisions.watch(t))
	at := time.Now().UTC()
	decided := func(id, text string) v1.Moderated {
		t.Helper()
		return decisions.decide(t, h, v1.Received{ID: id, Brand: "demo", Network: "sandbox", Kind: v1.KindComment, PlatformID: id,
			Author: v1.Author{ID: "a-" + id}, Text: text, CreatedAt: at, ReceivedAt: at, Source: v1.SourceSandbox})
	}

	// a press link: the learned model's spam score sits within the band
	// (0.15 against 0.229; retrained, it reads the BBC link it was asked
	// about before as plainly no spam, 0.08)
	m := decided("sandbox:1", "Here is the link to the article about your new shop https://www.lemonde.fr/economie/article-42")
	if !slices.Contains(m.Labels, "second_opinion:spam") || m.Verdict != v1.VerdictReview || slices.Contains(m.Labels, "spam") ||
		!slices.Contains(m.LabelReasons["second_opinion:spam"], "model2:fake-moderation") || fake.Requests() != 1 {
		t.Fatalf("uncertain item: %s %v %v (%d requests)", m.Verdict, m.Labels, m.LabelReasons, fake.Requests())
	}
	m = decided("sandbox:2", "Merci beaucoup, super accueil !")
	if slices.ContainsFunc(m.Labels, func(l string) bool { return len(l) > 15 && l[:15] == "second_opinion:" }) || fake.Requests() != 1 {
		t.Fatalf("a sure item was asked about: %v (%d requests)", m.Labels, fake.Requests())
	}
	fake.Script(modelfake.Fault{Status: 503})
	m = decided("sandbox:3", "Jeu concours : tentez de gagner un an de café en commentant ! Bonne chance à tous")
	if !slices.Contains(m.Labels, "second_opinion:unavailable") || m.Verdict != v1.VerdictAllow {
		t.Fatalf("model down: %s %v", m.Verdict, m.Labels)
	}
}
