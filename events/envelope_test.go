package events_test

import (
	"strings"
	"testing"
	"time"

	"github.com/ruche-project/ruche/events"
	v1 "github.com/ruche-project/ruche/events/interaction/v1"
)

func TestEnvelope(t *testing.T) {
	t.Run("round_trips_through_headers", func(t *testing.T) {
		at := time.Date(2026, 11, 20, 9, 30, 0, 123, time.UTC)
		env, err := events.NewEnvelope(v1.Received{}, "mastodon:1", "demo", at)
		if err != nil {
			t.Fatal(err)
		}
		env.CorrelationID, env.CausationID = "corr-1", "cause-1"
		env.Traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
		h := env.Headers()
		if h[events.HeaderID] != "mastodon:1" || h["Nats-Msg-Id"] != "demo/mastodon:1" {
			t.Fatalf("want the event id and, as Nats-Msg-Id, brand/event id; got %v", h)
		}
		back, err := events.EnvelopeFromHeaders(func(k string) string { return h[k] }, "")
		if err != nil {
			t.Fatal(err)
		}
		if back != env {
			t.Fatalf("round trip: got %+v, want %+v", back, env)
		}
	})
	t.Run("rejects_missing_brand", func(t *testing.T) {
		_, err := events.NewEnvelope(v1.Received{}, "x:1", "", time.Now())
		if err == nil || !strings.Contains(err.Error(), "brand") {
			t.Fatalf("want a brand error, got %v", err)
		}
	})
	t.Run("id_falls_back_to_transport_id", func(t *testing.T) {
		h := map[string]string{events.HeaderType: "interaction.received.v1", events.HeaderVersion: "1", events.HeaderBrand: "demo"}
		env, err := events.EnvelopeFromHeaders(func(k string) string { return h[k] }, "x:9")
		if err != nil || env.ID != "x:9" {
			t.Fatalf("got %+v, %v", env, err)
		}
	})
	t.Run("bad_version_is_an_error", func(t *testing.T) {
		h := map[string]string{events.HeaderID: "x", events.HeaderType: "t", events.HeaderVersion: "one", events.HeaderBrand: "demo"}
		if _, err := events.EnvelopeFromHeaders(func(k string) string { return h[k] }, ""); err == nil {
			t.Fatal("want an error")
		}
	})
}

func TestParseName(t *testing.T) {
	cases := []struct {
		in      string
		want    events.Name
		wantErr bool
	}{
		{"interaction.received.v1", events.Name{Domain: "interaction", Event: "received", Version: 1}, false},
		{"crisis.detected.v12", events.Name{Domain: "crisis", Event: "detected", Version: 12}, false},
		{"interaction.received", events.Name{}, true},
		{"interaction.received.v0", events.Name{}, true},
		{"Interaction.received.v1", events.Name{}, true},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			got, err := events.ParseName(tc.in)
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Fatalf("ParseName(%q) = %+v, %v", tc.in, got, err)
			}
		})
	}
}

func TestTopology(t *testing.T) {
	streams := events.Topology()
	byName := map[string]events.Stream{}
	for _, s := range streams {
		byName[s.Name] = s
		if s.DuplicateWindow <= 0 {
			t.Errorf("%s has no duplicate window", s.Name)
		}
	}
	in, ok := byName["RUCHE_INTERACTION"]
	if !ok || in.Subjects[0] != "ruche.interaction.>" {
		t.Fatalf("interaction stream: %+v", in)
	}
	if _, ok := byName["RUCHE_DLQ"]; !ok {
		t.Fatal("no DLQ stream")
	}
	if got := events.DLQSubject("moderation"); got != "ruche.dlq.moderation" {
		t.Fatalf("DLQSubject = %q", got)
	}
	// Every event subject falls in exactly one stream.
	subj := events.Subject(v1.Moderated{}, "demo")
	n := 0
	for _, s := range streams {
		if strings.HasPrefix(subj, strings.TrimSuffix(s.Subjects[0], ">")) {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%s matches %d streams", subj, n)
	}
}
