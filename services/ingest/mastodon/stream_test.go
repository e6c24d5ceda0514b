package mastodon_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	v1 "github.com/ruche-project/ruche/events/interaction/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/bus"
	"github.com/ruche-project/ruche/pkg/testkit"
	"github.com/ruche-project/ruche/services/ingest"
	"github.com/ruche-project/ruche/services/ingest/connector"
	"github.com/ruche-project/ruche/services/ingest/internal/ingesttest"
	"github.com/ruche-project/ruche/services/ingest/mastodon"
)

// fakeStream is the fake server's streaming API: a WebSocket at
// /api/v1/streaming that sends {"stream":[…],"event":…,"payload":"<JSON>"}
// frames, advertised by /api/v2/instance as Mastodon 4 does.
type fakeStream struct {
	accept   bool // false: no streaming here (404)
	unknown  bool // the stream asked for is unknown to the server
	refuse   int  // an HTTP status refusing upgrades for now (the streaming server is down)
	conns    []*websocket.Conn
	connects int
	queries  []string
}

func (f *fakeMastodon) serveStream(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	accept, refuse, unknown, token := f.stream.accept, f.stream.refuse, f.stream.unknown, f.token
	f.stream.queries = append(f.stream.queries, r.URL.RawQuery)
	f.mu.Unlock()
	switch {
	case !accept:
		http.NotFound(w, r)
		return
	case r.Header.Get("Authorization") != "Bearer "+token:
		http.Error(w, "Unauthorized", 401)
		return
	case refuse != 0:
		w.WriteHeader(refuse)
		return
	}
	c, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	f.mu.Lock()
	f.stream.conns = append(f.stream.conns, c)
	f.stream.connects++
	f.mu.Unlock()
	if unknown || r.URL.Query().Get("stream") != mastodon.StreamName {
		_ = c.Write(context.Background(), websocket.MessageText, []byte(`{"error":"Unknown stream type"}`))
	}
	<-c.CloseRead(context.Background()).Done() // answers pings until closed
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stream.conns = slices.DeleteFunc(f.stream.conns, func(o *websocket.Conn) bool { return o == c })
}

func (f *fakeMastodon) serveInstance(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/api/v2/instance" {
		http.NotFound(w, r)
		return
	}
	fmt.Fprintf(w, `{"domain":%q,"configuration":{"urls":{"streaming":"ws://%s"}}}`, r.Host, r.Host)
}

// push sends a frame to every open stream.
func (f *fakeMastodon) push(t *testing.T, frame string) {
	t.Helper()
	f.mu.Lock()
	conns := f.stream.conns
	f.mu.Unlock()
	if len(conns) == 0 {
		t.Fatal("no stream open")
	}
	for _, c := range conns {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		if err := c.Write(ctx, websocket.MessageText, []byte(frame)); err != nil {
			t.Fatalf("push: %v", err)
		}
		cancel()
	}
}

func (f *fakeMastodon) dropStreams() {
	f.mu.Lock()
	conns := f.stream.conns
	f.stream.conns = nil
	f.mu.Unlock()
	for _, c := range conns {
		_ = c.CloseNow()
	}
}

func (f *fakeMastodon) connects() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.stream.connects
}

// notificationFrame wraps a raw notification as the streaming API does.
func notificationFrame(raw string) string {
	b, _ := json.Marshal(map[string]any{"stream": []string{"user"}, "event": "notification", "payload": raw})
	return string(b)
}

func TestMastodonStream(t *testing.T) {
	f, srv := newFakeMastodon(t)
	f.stream.accept = true
	svc, conn := newIngest(t)
	ingesttest.PutSource(t, conn.NC, mastodonSource(srv.URL))
	host := strings.TrimPrefix(srv.URL, "http://")
	eventID := func(id int) string { return fmt.Sprintf("mastodon:%s/%d", host, id*10) }
	ingesttest.WaitUntil(t, "the stream", func() bool { return f.connects() == 1 })
	ingesttest.WaitUntil(t, "the catch-up poll", func() bool { f.mu.Lock(); defer f.mu.Unlock(); return len(f.minIDs) > 0 })

	t.Run("stream_delivers_a_mention_with_source_stream", func(t *testing.T) {
		note := f.mention(1, "<p>Bonjour, vous ouvrez dimanche ?</p>", "public", "")
		f.add(1, note)
		f.push(t, notificationFrame(note))
		ingesttest.WaitUntil(t, "the streamed mention", func() bool { return ingesttest.Count(t, conn) == 1 })
		got := ingesttest.Stored(t, conn)[eventID(1)]
		if len(got) != 1 || got[0].Source != v1.SourceStream || got[0].Kind != v1.KindMention || got[0].Text != "Bonjour, vous ouvrez dimanche ?" {
			t.Fatalf("stored %+v", got)
		}
		if q := f.stream.queries[0]; q != "stream=user" {
			t.Fatalf("stream query %q: the token belongs in the Authorization header", q)
		}
		if h := ingesttest.SourceHealth(t, svc, conn.NC, "demo", "masto"); h.Stream != query.StreamConnected {
			t.Fatalf("health %+v", h)
		}
	})
	t.Run("malformed_frame_is_reported_and_skipped", func(t *testing.T) {
		skipped := metric(t, svc, "ruche_ingest_items_skipped_total")
		f.push(t, `{"event":"notification","payload":"{\"id\":`)
		note := f.mention(2, "<p>Et le samedi ?</p>", "public", "")
		f.add(2, note)
		f.push(t, notificationFrame(note))
		ingesttest.WaitUntil(t, "the mention after the bad frame", func() bool { return ingesttest.Count(t, conn) == 2 })
		if got := metric(t, svc, "ruche_ingest_items_skipped_total"); got != skipped+1 {
			t.Fatalf("skipped %v, want %v", got, skipped+1)
		}
		if f.connects() != 1 {
			t.Fatal("a bad frame cost the connection")
		}
	})
	t.Run("drop_falls_back_to_polling_then_reconnects_without_loss_or_duplicates", func(t *testing.T) {
		polled := metric(t, svc, "ruche_ingest_items_polled_total")
		// The streaming server goes down; two mentions arrive meanwhile.
		f.mu.Lock()
		f.stream.refuse = 502
		f.mu.Unlock()
		f.add(3, f.mention(3, "<p>pendant la coupure</p>", "public", ""))
		f.add(4, f.mention(4, "<p>toujours pendant la coupure</p>", "public", ""))
		f.dropStreams()
		ingesttest.WaitUntil(t, "the polled mentions", func() bool { return ingesttest.Count(t, conn) == 4 })
		// The poll read 1 to 4; 1 and 2 came by the stream and were not
		// published again.
		if got := metric(t, svc, "ruche_ingest_items_polled_total") - polled; got != 2 {
			t.Fatalf("poll published %v items, want 2", got)
		}
		ingesttest.WaitUntil(t, "the reconnecting state", func() bool {
			return ingesttest.SourceHealth(t, svc, conn.NC, "demo", "masto").Stream == query.StreamReconnecting
		})
		f.mu.Lock()
		f.stream.refuse = 0
		f.mu.Unlock()
		ingesttest.WaitUntil(t, "the reconnection", func() bool { return f.connects() == 2 })
		note := f.mention(5, "<p>de retour</p>", "public", "")
		f.add(5, note)
		f.push(t, notificationFrame(note))
		ingesttest.WaitUntil(t, "the streamed mention", func() bool { return ingesttest.Count(t, conn) == 5 })
		time.Sleep(1500 * time.Millisecond) // a poll at the 1s interval would show now
		stored := ingesttest.Stored(t, conn)
		for id := 1; id <= 5; id++ {
			if n := len(stored[eventID(id)]); n != 1 {
				t.Fatalf("mention %d stored %d times", id, n)
			}
		}
		if len(stored) != 5 || stored[eventID(3)][0].Source != v1.SourcePoll || stored[eventID(5)][0].Source != v1.SourceStream {
			t.Fatalf("stored %+v", stored)
		}
		if got := metric(t, svc, "ruche_ingest_items_streamed_total") + metric(t, svc, "ruche_ingest_items_polled_total"); got != 5 {
			t.Fatalf("published %v items for 5 mentions", got)
		}
	})
	t.Run("edits_and_deletions_of_received_statuses_only", func(t *testing.T) {
		edit := func(id int, html string) string {
			st, _ := json.Marshal(map[string]any{"id": strconv.Itoa(id * 10), "created_at": "2026-11-23T08:00:00Z", "edited_at": "2026-11-23T09:00:00Z",
				"content": html, "account": map[string]any{"id": "5", "acct": "lea"}})
			b, _ := json.Marshal(map[string]any{"stream": []string{"user"}, "event": "status.update", "payload": string(st)})
			return string(b)
		}
		f.push(t, edit(1, "<p>Bonjour, vous ouvrez dimanche matin ?</p>"))
		f.push(t, edit(77, "<p>a status of the home timeline</p>"))
		f.push(t, `{"stream":["user"],"event":"delete","payload":"9990"}`)
		f.push(t, `{"stream":["user"],"event":"delete","payload":"20"}`)
		updated := v1.UpdatedID(eventID(1), "Bonjour, vous ouvrez dimanche matin ?")
		deleted := v1.DeletedID(eventID(2))
		ingesttest.WaitUntil(t, "the edit and the deletion", func() bool {
			stored := ingesttest.Stored(t, conn)
			return len(stored[updated]) == 1 && len(stored[deleted]) == 1
		})
		stored := ingesttest.Stored(t, conn)
		if len(stored[v1.DeletedID(eventID(999))]) != 0 || len(stored[v1.UpdatedID(eventID(77), "a status of the home timeline")]) != 0 || len(stored) != 7 {
			t.Fatalf("changes of statuses never received were published: %v", stored)
		}
	})
}

func TestMastodonStreamRunsOnTheLeaseHolder(t *testing.T) {
	f, srv := newFakeMastodon(t)
	f.stream.accept = true
	conn := testkit.NATS(t)
	stops := map[string]func(){"replica-a": replica(t, conn, "replica-a"), "replica-b": replica(t, conn, "replica-b")}
	ingesttest.PutSource(t, conn.NC, mastodonSource(srv.URL))
	ingesttest.WaitUntil(t, "the stream", func() bool { return f.connects() == 1 })
	time.Sleep(6 * time.Second) // more than a scan of sources by each replica
	if n := f.connects(); n != 1 {
		t.Fatalf("%d streams for one source", n)
	}
	leases, err := conn.JS.KeyValue(context.Background(), ingest.LeasesBucket)
	if err != nil {
		t.Fatal(err)
	}
	e, err := leases.Get(context.Background(), "masto")
	if err != nil {
		t.Fatal(err)
	}
	stop, ok := stops[string(e.Value())]
	if !ok {
		t.Fatalf("lease held by %q", e.Value())
	}
	stop()
	ingesttest.WaitUntil(t, "the stream on the replica taking the lease over", func() bool { return f.connects() == 2 })
	note := f.mention(1, "<p>après la relève</p>", "public", "")
	f.add(1, note)
	f.push(t, notificationFrame(note))
	ingesttest.WaitUntil(t, "the streamed mention", func() bool { return ingesttest.Count(t, conn) == 1 })
}

func TestMastodonWithoutStreaming(t *testing.T) {
	f, srv := newFakeMastodon(t) // its /api/v1/streaming answers 404
	svc, conn := newIngest(t)
	f.add(1, f.mention(1, "<p>un serveur sans streaming</p>", "public", ""))
	ingesttest.PutSource(t, conn.NC, mastodonSource(srv.URL))
	ingesttest.WaitUntil(t, "the polled mention", func() bool { return ingesttest.Count(t, conn) == 1 })
	f.add(2, f.mention(2, "<p>encore</p>", "public", ""))
	ingesttest.WaitUntil(t, "the next polled mention", func() bool { return ingesttest.Count(t, conn) == 2 })
	for _, rs := range ingesttest.Stored(t, conn) {
		if rs[0].Source != v1.SourcePoll {
			t.Fatalf("stored %+v", rs)
		}
	}
	if h := ingesttest.SourceHealth(t, svc, conn.NC, "demo", "masto"); h.Stream != query.StreamPollingOnly || h.Status != query.HealthOK {
		t.Fatalf("health %+v", h)
	}
	f.mu.Lock()
	tries := len(f.stream.queries)
	f.mu.Unlock()
	if tries != 1 {
		t.Fatalf("%d upgrade attempts: a server without streaming is left to polling", tries)
	}
}

func TestMastodonStreamRefused(t *testing.T) {
	cases := []struct {
		name   string
		setup  func(f *fakeMastodon)
		check  func(error) bool
		stream bool
	}{
		{"no_streaming_endpoint_is_unavailable", func(f *fakeMastodon) { f.stream.accept = false }, func(err error) bool { return errors.Is(err, connector.ErrStreamUnavailable) }, false},
		{"no_upgrade_is_unavailable", func(f *fakeMastodon) { f.stream.refuse = 200 }, func(err error) bool { return errors.Is(err, connector.ErrStreamUnavailable) }, false},
		{"refused_token", func(f *fakeMastodon) { f.token = "rotated" }, func(err error) bool { return errors.Is(err, connector.ErrUnauthorized) }, false},
		{"rate_limited", func(f *fakeMastodon) { f.stream.refuse = 429 }, func(err error) bool {
			var rl *connector.RateLimitedError
			return errors.As(err, &rl)
		}, false},
		{"server_error_is_worth_a_reconnection", func(f *fakeMastodon) { f.stream.refuse = 502 }, func(err error) bool {
			var rl *connector.RateLimitedError
			return err != nil && !errors.Is(err, connector.ErrStreamUnavailable) && !errors.Is(err, connector.ErrUnauthorized) && !errors.As(err, &rl)
		}, false},
		{"refused_subscription_is_unavailable", func(f *fakeMastodon) {}, func(err error) bool { return errors.Is(err, connector.ErrStreamUnavailable) }, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f, srv := newFakeMastodon(t)
			f.stream.accept = true
			tc.setup(f)
			src := mastodonSource(srv.URL)
			if tc.stream { // a server that does not know the stream asked for
				f.mu.Lock()
				f.stream.unknown = true
				f.mu.Unlock()
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			connected := false
			err := mastodon.New(srv.Client()).Stream(ctx, src, func() { connected = true }, func(connector.Page) error { return nil })
			if !tc.check(err) || connected != tc.stream {
				t.Fatalf("err = %v, connected %v", err, connected)
			}
		})
	}
}

func TestParseMastodonFrame(t *testing.T) {
	src := mastodonSource("https://piaille.fr")
	f := &fakeMastodon{}
	mention := f.mention(7, "<p>Coucou</p>", "public", "")
	cases := []struct {
		name            string
		frame           string
		items, skipped  int
		updates         int
		deletions       int
		unavailable     bool
		wantPlatformID  string
		wantSourceField v1.Source
	}{
		{name: "mention_notification", frame: notificationFrame(mention), items: 1, wantPlatformID: "piaille.fr/70", wantSourceField: v1.SourceStream},
		{name: "payload_as_an_object", frame: `{"event":"notification","payload":` + mention + `}`, items: 1, wantPlatformID: "piaille.fr/70", wantSourceField: v1.SourceStream},
		{name: "favourite_is_not_an_interaction", frame: notificationFrame(`{"id":"8","type":"favourite","account":{"id":"9"}}`)},
		{name: "timeline_update_is_ignored", frame: `{"stream":["user"],"event":"update","payload":"{\"id\":\"1\"}"}`},
		{name: "delete_is_a_deletion", frame: `{"stream":["user"],"event":"delete","payload":"109"}`, deletions: 1},
		{name: "status_update_is_an_edit", frame: `{"stream":["user"],"event":"status.update","payload":"{\"id\":\"70\",\"created_at\":\"2026-11-23T08:00:00Z\",\"edited_at\":\"2026-11-23T08:05:00Z\",\"content\":\"<p>Coucou, c'est réglé</p>\",\"account\":{\"id\":\"5\",\"acct\":\"lea\"}}"}`, updates: 1},
		{name: "malformed_status_update", frame: `{"stream":["user"],"event":"status.update","payload":"{\"id\":"}`, skipped: 1},
		{name: "malformed_frame", frame: `{"event":`, skipped: 1},
		{name: "malformed_payload", frame: `{"event":"notification","payload":"{\"id\":"}`, skipped: 1},
		{name: "invalid_mention", frame: notificationFrame(`{"id":"9","type":"mention","status":{"id":"","created_at":"2026-11-23T08:00:00Z"}}`), skipped: 1},
		{name: "error_frame_means_no_stream", frame: `{"error":"Error: Access token does not cover required scopes"}`, unavailable: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := mastodon.ParseFrame([]byte(tc.frame), "piaille.fr", src, ingesttest.ReceivedAt)
			if tc.unavailable != errors.Is(err, connector.ErrStreamUnavailable) || !tc.unavailable && err != nil {
				t.Fatalf("err = %v", err)
			}
			if len(p.Items) != tc.items || len(p.Skipped) != tc.skipped || len(p.Updates) != tc.updates || len(p.Deletions) != tc.deletions {
				t.Fatalf("items %+v skipped %+v updates %+v deletions %+v", p.Items, p.Skipped, p.Updates, p.Deletions)
			}
			if tc.updates == 1 {
				u := p.Updates[0]
				if u.InteractionID != v1.InteractionID("mastodon", "piaille.fr/70") || u.Text != "Coucou, c'est réglé" || u.Source != v1.SourceStream ||
					!u.EditedAt.Equal(time.Date(2026, 11, 23, 8, 5, 0, 0, time.UTC)) || u.Validate() != nil {
					t.Fatalf("update %+v", u)
				}
			}
			if tc.deletions == 1 {
				if d := p.Deletions[0]; d.InteractionID != v1.InteractionID("mastodon", "piaille.fr/109") || d.Validate() != nil {
					t.Fatalf("deletion %+v", d)
				}
			}
			if tc.items == 1 && (p.Items[0].PlatformID != tc.wantPlatformID || p.Items[0].Source != tc.wantSourceField || p.Items[0].ID != v1.InteractionID("mastodon", tc.wantPlatformID)) {
				t.Fatalf("item %+v", p.Items[0])
			}
		})
	}
}

func FuzzMastodonFrame(f *testing.F) {
	f.Add(ingesttest.ReadFile(f, "mastodon_stream_frame.json"))
	f.Add([]byte(`{"event":"notification","payload":{"id":"1","type":"mention","status":{}}}`))
	f.Add([]byte(`{"error":"Unknown stream type"}`))
	src := mastodonSource("https://piaille.fr")
	f.Fuzz(func(t *testing.T, frame []byte) {
		p, err := mastodon.ParseFrame(frame, "piaille.fr", src, ingesttest.ReceivedAt)
		if err != nil && !errors.Is(err, connector.ErrStreamUnavailable) {
			t.Fatalf("untyped error %v", err)
		}
		for _, r := range p.Items {
			if verr := r.Validate(); verr != nil || r.Brand != src.Brand || r.Source != v1.SourceStream {
				t.Fatalf("let through %+v: %v", r, verr)
			}
		}
	})
}

// newIngest is ingesttest.Service, running until the test ends.
func newIngest(t *testing.T) (*ingest.Service, *bus.Conn) {
	t.Helper()
	svc, conn := ingesttest.Service(t)
	ingesttest.Run(t, svc)
	return svc, conn
}

// replica is another ingest replica on conn's NATS, running until stop.
func replica(t *testing.T, conn *bus.Conn, name string) (stop func()) {
	t.Helper()
	svc, _ := ingesttest.New(t, conn, name)
	return ingesttest.Run(t, svc)
}

// metric reads a counter of svc's /metrics for the mastodon network.
func metric(t *testing.T, svc *ingest.Service, name string) float64 {
	t.Helper()
	return ingesttest.Metric(t, svc, name, "mastodon")
}
