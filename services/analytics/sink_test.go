package analytics

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ruche-project/ruche/events"
	interaction "github.com/ruche-project/ruche/events/interaction/v1"
	reply "github.com/ruche-project/ruche/events/reply/v1"
	"github.com/ruche-project/ruche/pkg/bus"
)

var t0 = time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)

// receivedN builds n interactions of brand, received a second apart.
func receivedN(brand string, n int) []interaction.Received {
	out := make([]interaction.Received, n)
	for i := range out {
		out[i] = sampleReceived(brand, fmt.Sprintf("%d", 1000+i), t0.Add(time.Duration(i)*time.Second+250*time.Millisecond))
	}
	return out
}

func TestSinkStoresEventsAndListsThem(t *testing.T) {
	h := newHarness(t, nil)
	rs := receivedN("cafe-lumiere", 3)
	for _, r := range rs {
		h.publish(r, r.Brand, r.ID)
	}
	due := t0.Add(time.Hour)
	m := interaction.Moderated{ID: interaction.ModeratedID(rs[1].ID, 1), InteractionID: rs[1].ID, Brand: "cafe-lumiere", Network: "mastodon",
		Labels: []string{"lang:fr", "intent:complaint"}, Verdict: interaction.VerdictReview, Actions: []string{"needs_reply"},
		Priority: 72, SLADue: &due, PolicyVersion: 1, ModeratedAt: t0.Add(time.Minute)}
	h.publish(m, m.Brand, m.ID)

	eventually(t, 10*time.Second, "the events to be written and acked", func() bool {
		return h.rowsWritten("interactions") == 3 && h.rowsWritten("interaction_state") == 1 && h.settled()
	})
	items, _ := h.listAll("cafe-lumiere", 0)
	if got, want := ids(items), []string{rs[2].ID, rs[1].ID, rs[0].ID}; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("listed %q, want %q (newest first)", got, want)
	}
	it := items[1]
	if it.AuthorHandle != "@claire@piaille.fr" || it.AuthorName != "Claire" || it.Kind != "reply" || it.Lang != "fr" || it.Source != "stream" ||
		it.Text != rs[1].Text || it.PlatformID != "1001" || it.Network != "mastodon" {
		t.Fatalf("item %+v does not match %+v", it, rs[1])
	}
	// received_at keeps its milliseconds (they order the inbox); created_at
	// is stored to the second.
	if !it.ReceivedAt.Equal(rs[1].ReceivedAt) || !it.CreatedAt.Equal(rs[1].CreatedAt.Truncate(time.Second)) {
		t.Fatalf("received_at %s created_at %s, want %s and %s", it.ReceivedAt, it.CreatedAt, rs[1].ReceivedAt, rs[1].CreatedAt)
	}
	if it.Verdict != "review" || it.Priority != 72 || strings.Join(it.Labels, ",") != "lang:fr,intent:complaint" {
		t.Fatalf("moderation of %s: verdict %q priority %d labels %q", it.ID, it.Verdict, it.Priority, it.Labels)
	}
	if items[0].Verdict != "" || items[0].Labels != nil {
		t.Fatalf("unmoderated item carries moderation: %+v", items[0])
	}
	if other, _ := h.listAll("autre-marque", 0); len(other) != 0 {
		t.Fatalf("another brand sees %d items", len(other))
	}
}

func TestSinkDuplicatesDoNotChangeCounts(t *testing.T) {
	h := newHarness(t, nil)
	rs := receivedN("cafe-lumiere", 20)
	for _, r := range rs {
		h.publish(r, r.Brand, r.ID)
	}
	m := interaction.Moderated{ID: interaction.ModeratedID(rs[0].ID, 1), InteractionID: rs[0].ID, Brand: "cafe-lumiere",
		Network: "mastodon", Verdict: interaction.VerdictHide, PolicyVersion: 1, ModeratedAt: t0.Add(time.Hour)}
	h.publish(m, m.Brand, m.ID)
	eventually(t, 10*time.Second, "the first copies", func() bool { return h.rowsWritten("interactions") == 20 && h.settled() })

	// The same events again under new message ids: past JetStream's
	// duplicate window, a re-polled source looks like this.
	for _, r := range rs {
		h.publish(r, r.Brand, r.ID+":again")
	}
	h.publish(m, m.Brand, m.ID+":again")
	eventually(t, 10*time.Second, "the second copies", func() bool {
		return h.rowsWritten("interactions") == 40 && h.rowsWritten("interaction_state") == 2 && h.settled()
	})
	assertCounts := func(stage string) {
		t.Helper()
		items, _ := h.listAll("cafe-lumiere", 7)
		if len(items) != 20 {
			t.Fatalf("%s: listed %d interactions, want 20", stage, len(items))
		}
		seen := map[string]bool{}
		for _, it := range items {
			if seen[it.ID] {
				t.Fatalf("%s: %s listed twice", stage, it.ID)
			}
			seen[it.ID] = true
		}
		if n := h.count("SELECT count() FROM interactions FINAL WHERE brand = ?", "cafe-lumiere"); n != 20 {
			t.Fatalf("%s: count() FINAL = %d, want 20", stage, n)
		}
	}
	assertCounts("after duplicates")

	// A redelivered batch: the durable consumer starts over and every
	// message of the stream comes back to a new sink.
	h.stop()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := h.bus.JS.DeleteConsumer(ctx, events.StreamName(events.DomainInteraction), h.cfg.Consumer); err != nil {
		t.Fatal(err)
	}
	h.start()
	eventually(t, 10*time.Second, "the redelivery", func() bool { return h.rowsWritten("interactions") == 40 && h.settled() })
	assertCounts("after redelivery")
	if raw := h.count("SELECT count() FROM interactions WHERE brand = ?", "cafe-lumiere"); raw < 20 {
		t.Fatalf("raw rows = %d", raw)
	} else {
		t.Logf("%d rows stored for 20 interactions; queries see 20", raw)
	}
}

func TestSinkTerminatesUndecodableMessages(t *testing.T) {
	h := newHarness(t, nil)
	r := sampleReceived("cafe-lumiere", "1", t0)
	env, err := events.NewEnvelope(r, r.ID, r.Brand, t0)
	if err != nil {
		t.Fatal(err)
	}
	subject := events.Subject(r, r.Brand)
	h.publishRaw(subject, env.Headers(), []byte("{this is not json"))
	h.publishRaw(subject, map[string]string{"Nats-Msg-Id": "no-envelope"}, []byte(`{}`))
	good := receivedN("cafe-lumiere", 5)
	for _, g := range good {
		h.publish(g, g.Brand, g.ID)
	}

	eventually(t, 10*time.Second, "the good events", func() bool { return h.rowsWritten("interactions") == 5 && h.settled() })
	if items, _ := h.listAll("cafe-lumiere", 0); len(items) != 5 {
		t.Fatalf("listed %d, want the 5 good events", len(items))
	}
	if got := h.metric(h.svc.sink.metrics.errors.WithLabelValues("decode")); got != 2 {
		t.Fatalf("decode errors = %v, want 2", got)
	}
	info := h.consumerInfo()
	if info.NumRedelivered != 0 || info.NumAckPending != 0 {
		t.Fatalf("consumer: %d redelivered, %d pending ack; want 0 and 0", info.NumRedelivered, info.NumAckPending)
	}
	dead := dlq(t, h)
	if len(dead) != 2 {
		t.Fatalf("%d messages on the DLQ, want 2", len(dead))
	}
	for _, d := range dead {
		if d.Headers().Get(bus.MetaDLQError) == "" || d.Headers().Get(bus.MetaSubject) != subject {
			t.Fatalf("DLQ message headers %v", d.Headers())
		}
	}
}

func TestSinkRedeliversWhenClickHouseFails(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	if err := h.db.Conn().Exec(ctx, "RENAME TABLE interactions TO interactions_away, interactions_by_received TO interactions_by_received_away"); err != nil {
		t.Fatal(err)
	}
	rs := receivedN("cafe-lumiere", 4)
	for _, r := range rs {
		h.publish(r, r.Brand, r.ID)
	}
	eventually(t, 10*time.Second, "failed inserts", func() bool {
		return h.metric(h.svc.sink.metrics.batches.WithLabelValues("error")) >= 2
	})
	info := h.consumerInfo()
	if info.AckFloor.Stream != 0 {
		t.Fatalf("ack floor at %d although nothing was written", info.AckFloor.Stream)
	}
	if _, err := h.list(query0("cafe-lumiere")); err == nil {
		t.Fatal("list succeeded without the table")
	} else if le, ok := asListErr(err); !ok || le.code != "500" || le.text != "internal error" {
		t.Fatalf("list error = %v, want 500 with a generic message", err)
	}

	if err := h.db.Conn().Exec(ctx, "RENAME TABLE interactions_away TO interactions, interactions_by_received_away TO interactions_by_received"); err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, "the redelivered events to be written", func() bool {
		info := h.consumerInfo()
		return h.rowsWritten("interactions") == 4 && info.NumAckPending == 0 && info.NumPending == 0
	})
	if info := h.consumerInfo(); info.AckFloor.Stream != 4 {
		t.Fatalf("ack floor at stream sequence %d, want 4 (every event acked once written)", info.AckFloor.Stream)
	}
	if items, _ := h.listAll("cafe-lumiere", 0); len(items) != 4 {
		t.Fatalf("listed %d, want 4", len(items))
	}
	if dead := dlq(t, h); len(dead) != 0 {
		t.Fatalf("%d messages on the DLQ, want none", len(dead))
	}
}

func TestSinkParksEventsOnTheDLQAfterTheLastDelivery(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.MaxDeliver, c.RetryDelay = 2, 100*time.Millisecond })
	if err := h.db.Conn().Exec(context.Background(), "DROP TABLE interaction_state"); err != nil {
		t.Fatal(err)
	}
	m := interaction.Moderated{ID: "moderated:x:v1", InteractionID: "mastodon:x", Brand: "cafe-lumiere", Network: "mastodon",
		Verdict: interaction.VerdictAllow, PolicyVersion: 1, ModeratedAt: t0}
	h.publish(m, m.Brand, m.ID)
	eventually(t, 10*time.Second, "the event on the DLQ", func() bool { return len(dlq(t, h)) == 1 })
	d := dlq(t, h)[0]
	if got := d.Headers().Get(bus.MetaDelivered); got != "2" || !strings.Contains(d.Headers().Get(bus.MetaDLQError), "after 2 deliveries") {
		t.Fatalf("DLQ headers %v", d.Headers())
	}
	eventually(t, 5*time.Second, "the consumer to settle", func() bool {
		info := h.consumerInfo()
		return info.NumAckPending == 0 && info.NumPending == 0
	})
}

func TestSinkDrainsTheBatchInHandOnShutdown(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.FlushInterval, c.AckWait = time.Minute, 2*time.Minute })
	rs := receivedN("cafe-lumiere", 5)
	for _, r := range rs {
		h.publish(r, r.Brand, r.ID)
	}
	eventually(t, 10*time.Second, "the sink to hold the 5 events", func() bool { return h.consumerInfo().NumAckPending == 5 })
	if n := h.count("SELECT count() FROM interactions"); n != 0 {
		t.Fatalf("%d rows written before the flush interval", n)
	}
	start := time.Now()
	h.stop()
	t.Logf("stopped in %s", time.Since(start))
	if n := h.count("SELECT count() FROM interactions FINAL WHERE brand = ?", "cafe-lumiere"); n != 5 {
		t.Fatalf("%d rows after shutdown, want the 5 in hand", n)
	}
	eventually(t, 5*time.Second, "the acks", func() bool {
		info := h.consumerInfo()
		return info.NumAckPending == 0 && info.NumPending == 0
	})
}

// dlq reads every message parked on the DLQ stream.
func dlq(t *testing.T, h *harness) []jetstream.Msg {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	stream, err := h.bus.JS.Stream(ctx, events.StreamName(events.DomainDLQ))
	if err != nil {
		t.Fatal(err)
	}
	info, err := stream.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var out []jetstream.Msg
	if info.State.Msgs == 0 {
		return nil
	}
	c, err := stream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	batch, err := c.Fetch(int(info.State.Msgs), jetstream.FetchMaxWait(2*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	for m := range batch.Messages() {
		out = append(out, m)
	}
	return out
}

func TestSinkParksPoisonOfEveryStream(t *testing.T) {
	h := newHarness(t, nil)
	// Both messages are the first of their stream (sequence 1): their DLQ
	// copies must not collapse into one.
	r := sampleReceived("cafe-lumiere", "1", t0)
	env, _ := events.NewEnvelope(r, r.ID, r.Brand, t0)
	h.publishRaw(events.Subject(r, r.Brand), env.Headers(), []byte("{not json"))
	s := reply.Sent{ID: reply.SentID("mastodon", "r1"), Brand: "cafe-lumiere", InteractionID: r.ID, Network: "mastodon", PlatformID: "r1", SentAt: t0}
	senv, _ := events.NewEnvelope(s, s.ID, s.Brand, t0)
	h.publishRaw(events.Subject(s, s.Brand), senv.Headers(), []byte(`{"brand":"cafe-lumiere"}`))
	eventually(t, 10*time.Second, "both messages parked", func() bool { return len(dlq(t, h)) == 2 && h.allSettled() })
	subjects := map[string]bool{}
	for _, d := range dlq(t, h) {
		subjects[d.Headers().Get(bus.MetaSubject)] = true
	}
	if !subjects[events.Subject(r, r.Brand)] || !subjects[events.Subject(s, s.Brand)] {
		t.Fatalf("DLQ subjects %v", subjects)
	}
}
