package neardup_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ruche-project/ruche/services/moderation/neardup"
)

func TestDetector(t *testing.T) {
	at := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	scam := []string{
		"Gagnez 500€ par jour avec le trading crypto, écrivez-moi en privé maintenant",
		"Gagnez 500€ par jour avec le trading crypto, écrivez moi en privé maintenant !!",
		"gagnez 500€ par jour avec le trading crypto écrivez-moi en privé maintenant 🔥",
		"Gagnez 500 € par jour avec le trading crypto, écrivez-moi en privé maintenant",
	}
	t.Run("finds_near_copies_from_three_accounts_within_minutes", func(t *testing.T) {
		d := neardup.New()
		var got []string
		for i, s := range scam {
			got = append(got, d.Observe("demo", fmt.Sprintf("bot%d", i), s, at.Add(time.Duration(i)*time.Minute)))
		}
		if got[0] != "" || got[1] != "" || got[2] == "" || got[3] != got[2] {
			t.Fatalf("clusters %q: want none until the third account, then the same id", got)
		}
	})
	t.Run("one_account_repeating_itself_is_no_cluster", func(t *testing.T) {
		d := neardup.New()
		for i, s := range scam {
			if c := d.Observe("demo", "same", s, at.Add(time.Duration(i)*time.Minute)); c != "" {
				t.Fatalf("cluster %q from one account", c)
			}
		}
	})
	t.Run("copies_beyond_the_window_are_forgotten", func(t *testing.T) {
		d := neardup.New()
		for i, s := range scam[:3] {
			if c := d.Observe("demo", fmt.Sprintf("bot%d", i), s, at.Add(time.Duration(i)*(neardup.Window+time.Minute))); c != "" {
				t.Fatalf("cluster %q across windows", c)
			}
		}
	})
	t.Run("brands_are_apart", func(t *testing.T) {
		d := neardup.New()
		for i, s := range scam[:3] {
			if c := d.Observe(fmt.Sprintf("brand%d", i), fmt.Sprintf("bot%d", i), s, at); c != "" {
				t.Fatalf("cluster %q across brands", c)
			}
		}
	})
	t.Run("different_comments_on_one_topic_are_no_cluster", func(t *testing.T) {
		d := neardup.New()
		texts := []string{
			"Ma machine Aurore fuit par le dessous depuis le détartrage",
			"La machine Aurore de ma mère fuit aussi, c'est un défaut connu ?",
			"Toujours pas de réponse pour ma machine qui fuit, trois semaines",
			"Machine Aurore : fuite sous le réservoir, j'ai suivi la notice",
		}
		for i, s := range texts {
			if c := d.Observe("demo", fmt.Sprintf("user%d", i), s, at); c != "" {
				t.Fatalf("cluster %q on %q", c, s)
			}
		}
	})
	t.Run("short_texts_are_never_clustered", func(t *testing.T) {
		d := neardup.New()
		for i := range 5 {
			if c := d.Observe("demo", fmt.Sprintf("user%d", i), "Merci beaucoup !", at); c != "" {
				t.Fatalf("cluster %q on a short text", c)
			}
		}
	})
}

// BenchmarkObserveFullSketch observes texts against a full sketch of
// varied comments (some near copies among them).
func BenchmarkObserveFullSketch(b *testing.B) {
	d := neardup.New()
	at := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	words := strings.Fields("the coffee machine leaks again since last week and nobody answers my mails about the refund or the delivery of my order")
	text := func(i int) string {
		var b strings.Builder
		for k := range 8 {
			b.WriteString(words[(i*7+k*(i%5+1))%len(words)] + " ")
		}
		return b.String()
	}
	for i := range neardup.MaxPerBrand {
		d.Observe("demo", fmt.Sprint("u", i), text(i), at)
	}
	for i := 0; b.Loop(); i++ {
		d.Observe("demo", fmt.Sprint("x", i), text(i), at)
	}
}
