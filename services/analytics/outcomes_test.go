package analytics

import (
	"testing"
	"time"

	publish "github.com/ruche-project/ruche/events/publish/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
)

// TestNetworkActions: the inbox follows publishing. A reply the network
// refused shows the reason and leaves the interaction open; retried and
// sent, it is replied (reply.sent.v1 fills the response time); a hide
// done shows hidden; a redelivery changes nothing.
func TestNetworkActions(t *testing.T) {
	d := &dataset{}
	asked := d.interaction("cafe-lumiere", in{kind: "comment", id: "q1", author: "a1", text: "Vous livrez à Lyon ?", at: t0.Add(time.Hour)})
	spam := d.interaction("cafe-lumiere", in{kind: "comment", id: "s1", author: "a2", text: "Gagnez un iPhone", at: t0.Add(2 * time.Hour)})
	refused := d.interaction("cafe-lumiere", in{kind: "comment", id: "r1", author: "a3", text: "Nul", at: t0.Add(3 * time.Hour)})
	d.moderate(asked, mod{verdict: "allow", actions: []string{"needs_reply"}, slaDue: 2 * time.Hour})
	d.outcome(asked, "reply-q1", publish.KindReply, "422", "Validation failed: Text character limit of 500 exceeded", 10*time.Minute)
	d.outcome(spam, "hide-s1", publish.KindHide, "", "", 5*time.Minute)
	d.outcome(refused, "hide-r1", publish.KindHide, "unsupported", "mastodon cannot hide: no native hide", time.Minute)
	for name, h := range seeded(t, d) {
		t.Run(name, func(t *testing.T) {
			detail := func(id string) query.InteractionDetail {
				t.Helper()
				var out query.InteractionDetail
				if err := h.request(query.GetInteractionSubject, query.GetInteractionRequest{Brand: "cafe-lumiere", ID: id}, &out); err != nil {
					t.Fatal(err)
				}
				return out
			}
			got := detail(asked.ID)
			if got.Status != query.StatusOpen || got.NetworkState != "reply_failed" || len(got.Actions) != 1 ||
				got.Actions[0].Reason != "Validation failed: Text character limit of 500 exceeded" || got.Actions[0].Code != "422" {
				t.Fatalf("a failed reply: status %s, state %s, actions %+v", got.Status, got.NetworkState, got.Actions)
			}
			if s := detail(spam.ID); s.NetworkState != "hidden" || s.Actions[0].PlatformID != "p-hide-s1" || !s.Actions[0].At.Equal(spam.CreatedAt.Add(5*time.Minute)) {
				t.Fatalf("a hide: %s %+v", s.NetworkState, s.Actions)
			}
			if r := detail(refused.ID); r.NetworkState != "hide_failed" || r.Actions[0].Code != "unsupported" {
				t.Fatalf("a refused hide: %s %+v", r.NetworkState, r.Actions)
			}
		})
	}
	t.Run("retried_and_sent", func(t *testing.T) {
		h := seededN(t, d, 1)
		more := &dataset{}
		more.outcome(asked, "reply-q1-again", publish.KindReply, "", "", 40*time.Minute)
		more.reply(asked, "p-reply-q1-again", 40*time.Minute)
		h.seed(more, 1)
		var got query.InteractionDetail
		if err := h.request(query.GetInteractionSubject, query.GetInteractionRequest{Brand: "cafe-lumiere", ID: asked.ID}, &got); err != nil {
			t.Fatal(err)
		}
		if got.Status != query.StatusResponded || got.NetworkState != "replied" || len(got.Actions) != 2 || len(got.Replies) != 1 {
			t.Fatalf("status %s, state %s, actions %+v", got.Status, got.NetworkState, got.Actions)
		}
		var k query.KPIs
		if err := h.request(query.KPIsSubject, query.KPIsRequest{Brand: "cafe-lumiere", From: t0, To: t0.Add(24 * time.Hour), AsOf: t0.Add(24 * time.Hour)}, &k); err != nil {
			t.Fatal(err)
		}
		if k.Response.Responded != 1 || k.Response.MedianSeconds == nil || *k.Response.MedianSeconds != 2400 {
			t.Fatalf("response KPIs %+v", k.Response)
		}
	})
}
