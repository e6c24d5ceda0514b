package moderation_test

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ruche-project/ruche/events"
	v1 "github.com/ruche-project/ruche/events/interaction/v1"
	"github.com/ruche-project/ruche/pkg/bus"
	"github.com/ruche-project/ruche/services/moderation"
	"github.com/ruche-project/ruche/services/moderation/policy"
)

func TestModeration(t *testing.T) {
	t.Run("emits_one_decision_per_interaction_even_when_redelivered_past_the_duplicate_window", func(t *testing.T) {
		var decisions counter
		h := start(t, moderation.Deps{}, func(router *bus.Router) {
			err := bus.Handle(router, "test-watch", func(ctx context.Context, m v1.Moderated, env events.Envelope) error {
				decisions.add(m.InteractionID)
				if !slices.Contains(m.Labels, "intent:praise") {
					t.Errorf("labels %v, want intent:praise", m.Labels)
				}
				if env.CausationID != m.InteractionID && env.CausationID != m.InteractionID+"-again" {
					t.Errorf("causation id %q, want %q", env.CausationID, m.InteractionID)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
		// Shrink the duplicate window of the interaction stream, so that the
		// second publication below is past it, as a redelivery hours later
		// would be: only moderation's own guard can collapse it.
		ctx := context.Background()
		st, err := h.conn.JS.Stream(ctx, events.StreamName(events.DomainInteraction))
		if err != nil {
			t.Fatal(err)
		}
		cfg := st.CachedInfo().Config
		cfg.Duplicates = 100 * time.Millisecond
		if _, err := h.conn.JS.UpdateStream(ctx, cfg); err != nil {
			t.Fatal(err)
		}

		at := time.Now().UTC()
		r := v1.Received{ID: "sandbox:1", Brand: "demo", Network: "sandbox", Kind: v1.KindComment, PlatformID: "1",
			Author: v1.Author{ID: "a"}, Text: "Super service !", CreatedAt: at, ReceivedAt: at, Source: v1.SourceSandbox}
		h.publish(t, r, "sandbox:1", r.Brand)
		eventually(t, "the first decision", func() bool { return decisions.get("sandbox:1") == 1 })
		time.Sleep(300 * time.Millisecond) // past the duplicate window
		h.publish(t, r, "sandbox:1-again", r.Brand)
		// A marker interaction published after the duplicate: once it is
		// decided, the duplicate has been handled (one consumer, in order).
		marker := r
		marker.ID, marker.PlatformID = "sandbox:2", "2"
		h.publish(t, marker, "sandbox:2", r.Brand)
		eventually(t, "the marker's decision", func() bool { return decisions.get("sandbox:2") == 1 })
		time.Sleep(300 * time.Millisecond)
		if n := decisions.get("sandbox:1"); n != 1 {
			t.Fatalf("%d decisions for sandbox:1, want exactly one", n)
		}
	})
	t.Run("labels_the_same_text_from_three_accounts_within_minutes_with_its_cluster", func(t *testing.T) {
		var mu sync.Mutex
		labels := map[string][]string{}
		h := start(t, moderation.Deps{}, func(router *bus.Router) {
			err := bus.Handle(router, "test-watch", func(ctx context.Context, m v1.Moderated, env events.Envelope) error {
				mu.Lock()
				labels[m.InteractionID] = m.Labels
				mu.Unlock()
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
		at := time.Now().UTC()
		texts := []string{
			"Gagnez 500€ par jour avec le trading crypto, écrivez-moi en privé maintenant",
			"Gagnez 500 € par jour avec le trading crypto, écrivez moi en privé maintenant !!",
			"gagnez 500€ par jour avec le trading crypto écrivez-moi en privé maintenant 🔥",
		}
		for i, text := range texts {
			id := fmt.Sprintf("sandbox:c%d", i)
			r := v1.Received{ID: id, Brand: "demo", Network: "sandbox", Kind: v1.KindComment, PlatformID: id,
				Author: v1.Author{ID: fmt.Sprintf("bot%d", i)}, Text: text, CreatedAt: at.Add(time.Duration(i) * time.Minute), ReceivedAt: at, Source: v1.SourceSandbox}
			h.publish(t, r, id, r.Brand)
			// One at a time: the cluster forms in the order the texts arrive.
			eventually(t, "decision "+id, func() bool { mu.Lock(); defer mu.Unlock(); return labels[id] != nil })
		}
		mu.Lock()
		defer mu.Unlock()
		cluster := func(ls []string) string {
			for _, l := range ls {
				if strings.HasPrefix(l, moderation.LabelClusterPrefix) {
					return l
				}
			}
			return ""
		}
		first, third := labels["sandbox:c0"], labels["sandbox:c2"]
		if cluster(first) != "" || !slices.Contains(third, moderation.LabelCoordinated) || cluster(third) == "" {
			t.Fatalf("first %v, third %v: want the cluster on the third only", first, third)
		}
	})
}

func TestDecide(t *testing.T) {
	at := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	received := func(text string) v1.Received {
		return v1.Received{ID: "x:1", Brand: "demo", Network: "x", Kind: v1.KindComment, PlatformID: "1",
			Author: v1.Author{ID: "a", Followers: 50}, Text: text, CreatedAt: at, ReceivedAt: at, Source: v1.SourceSandbox}
	}
	t.Run("same_interaction_same_decision_and_id", func(t *testing.T) {
		r := received("Ma commande n'est toujours pas arrivée")
		a, b := moderation.Decide(r, policy.Default, at), moderation.Decide(r, policy.Default, at.Add(time.Hour))
		if a.ID != "moderated:x:1:v0" || a.ID != b.ID {
			t.Fatalf("ids %q, %q", a.ID, b.ID)
		}
		a.ModeratedAt, b.ModeratedAt = time.Time{}, time.Time{}
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("decisions differ:\n%+v\n%+v", a, b)
		}
	})
	cases := []struct {
		name     string
		text     string
		verdict  v1.Verdict
		actions  []string
		labels   []string
		slaAfter time.Duration
	}{
		{"hides_spam_with_shortened_links", "Check this out bit.ly/3xYzAbC bit.ly/3xYzAbD", v1.VerdictSpam, []string{"hide"}, []string{"spam"}, 0},
		{"hides_and_escalates_threats", "Je vais te retrouver et te tuer", v1.VerdictEscalate, []string{"escalate", "hide"}, []string{"toxicity:high", "threat"}, time.Hour},
		{"reviews_medium_insults", "t'es un c0nnard", v1.VerdictReview, []string{"review"}, []string{"toxicity:medium", "toxicity:insult"}, 0},
		{"hides_personal_data_to_protect_the_author", "Mon email c'est marie.dupont@gmail.com", v1.VerdictReview, []string{"hide", "review"}, []string{"pii:email"}, 0},
		{"complaint_needs_reply_within_two_hours", "Ma commande n'est toujours pas arrivée, c'est inadmissible", v1.VerdictAllow, []string{"needs_reply"}, []string{"intent:complaint", "sentiment:negative"}, 2 * time.Hour},
		{"question_needs_reply_within_four_hours", "Vous ouvrez à quelle heure le dimanche ?", v1.VerdictAllow, []string{"needs_reply"}, []string{"intent:question"}, 4 * time.Hour},
		{"allows_praise_without_sla", "Super service, merci beaucoup !", v1.VerdictAllow, []string{}, []string{"intent:praise", "sentiment:positive", "lang:fr"}, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := moderation.Decide(received(tc.text), policy.Default, at)
			if m.Verdict != tc.verdict || !reflect.DeepEqual(m.Actions, tc.actions) {
				t.Fatalf("verdict %s actions %v, want %s %v (labels %v)", m.Verdict, m.Actions, tc.verdict, tc.actions, m.Labels)
			}
			for _, l := range tc.labels {
				if !slices.Contains(m.Labels, l) {
					t.Errorf("labels %v lack %q", m.Labels, l)
				}
			}
			switch {
			case tc.slaAfter == 0 && m.SLADue != nil:
				t.Errorf("sla_due %v, want none", m.SLADue)
			case tc.slaAfter != 0 && (m.SLADue == nil || !m.SLADue.Equal(at.Add(tc.slaAfter))):
				t.Errorf("sla_due %v, want %v", m.SLADue, at.Add(tc.slaAfter))
			}
			if m.PolicyVersion != 0 || len(m.RuleHits) == 0 && tc.verdict != v1.VerdictAllow {
				t.Errorf("policy version %d, rule hits %v", m.PolicyVersion, m.RuleHits)
			}
		})
	}
}

func TestClassifyLines(t *testing.T) {
	t.Run("reports_every_line_and_names_the_bad_field", func(t *testing.T) {
		in := strings.NewReader(`{"id":"a","text":"Écrivez-moi à jean.martin@free.fr"}
{"text": 5}
{"lang":"fr"}
not json
{"text":"ok","author":{"followers":-1}}
{"text":"Where can I buy your coffee beans?","brand":"cafe-lumiere","author":{"followers":1200}}
`)
		var out strings.Builder
		failed, err := moderation.ClassifyLines(in, &out, moderation.BuiltinPolicies{}, time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
		if err != nil {
			t.Fatal(err)
		}
		if failed != 4 {
			t.Fatalf("failed = %d, want 4\n%s", failed, out.String())
		}
		lines := strings.Split(strings.TrimSpace(out.String()), "\n")
		if len(lines) != 6 {
			t.Fatalf("%d output lines, want 6", len(lines))
		}
		if strings.Contains(lines[0], "jean.martin") || !strings.Contains(lines[0], `"pii":["email"]`) {
			t.Errorf("line 1 must name the kind of personal data, never its value: %s", lines[0])
		}
		for i, field := range map[int]string{1: "text", 2: "text", 4: "author.followers"} {
			if !strings.Contains(lines[i], fmt.Sprintf(`"line":%d,"field":%q`, i+1, field)) {
				t.Errorf("line %d: %s, want the line number and field %q", i+1, lines[i], field)
			}
		}
		if !strings.Contains(lines[5], `"intent":"purchase_intent"`) || !strings.Contains(lines[5], `"brand":"cafe-lumiere"`) {
			t.Errorf("line 6: %s", lines[5])
		}
	})
}
