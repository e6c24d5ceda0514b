package v1_test

import (
	"testing"
	"time"

	"github.com/ruche-project/ruche/events"
	"github.com/ruche-project/ruche/events/eventstest"
	v1 "github.com/ruche-project/ruche/events/reply/v1"
)

func TestSent(t *testing.T) {
	s := v1.Sent{
		ID: v1.SentID("mastodon", "109876549999"), Brand: "cafe-lumiere",
		InteractionID: "mastodon:109876543210", Network: "mastodon", PlatformID: "109876549999",
		Agent: "user:lea", SentAt: time.Date(2026, 11, 20, 10, 5, 0, 0, time.UTC),
	}
	if got, want := events.Subject(s, s.Brand), "ruche.reply.sent.v1.cafe-lumiere"; got != want {
		t.Fatalf("Subject = %q, want %q", got, want)
	}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	eventstest.Golden(t, "reply.sent.v1.json", s)
}

func TestSentValidate(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*v1.Sent)
		field  string
	}{
		{"missing_brand", func(s *v1.Sent) { s.Brand = "" }, "brand"},
		{"missing_interaction", func(s *v1.Sent) { s.InteractionID = "" }, "interaction_id"},
		{"id_not_deterministic", func(s *v1.Sent) { s.ID = "x" }, "id"},
		{"missing_sent_at", func(s *v1.Sent) { s.SentAt = time.Time{} }, "sent_at"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := v1.Sent{ID: v1.SentID("x", "1"), Brand: "b", InteractionID: "x:0", Network: "x", PlatformID: "1", SentAt: time.Unix(1, 0)}
			tc.mutate(&s)
			if err := s.Validate(); err == nil || !eventstest.Contains(err.Error(), tc.field) {
				t.Fatalf("Validate() = %v, want an error naming %s", err, tc.field)
			}
		})
	}
}
