package bluesky_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	v1 "github.com/ruche-project/ruche/events/interaction/v1"
	"github.com/ruche-project/ruche/pkg/testkit"
	"github.com/ruche-project/ruche/services/ingest/bluesky"
	"github.com/ruche-project/ruche/services/ingest/connector"
	"github.com/ruche-project/ruche/services/ingest/internal/ingesttest"
)

func fanURI(seq int) string {
	return fmt.Sprintf("at://did:plc:fan%d/app.bsky.feed.post/3lfan%04d", seq%3, seq)
}

func fanID(seq int) string { return v1.InteractionID("bluesky", fanURI(seq)) }

// TestBlueskySweep: Bluesky notifies no edit and no deletion; the polls
// read the recent interactions again (getPosts) every five minutes.
func TestBlueskySweep(t *testing.T) {
	f, srv := newFakeBluesky(t)
	b := bluesky.New(srv.Client())
	clk := testkit.NewClock(blueskyBase.Add(time.Hour))
	bluesky.SetNow(b, clk.Now)
	src := blueskySource(srv.URL)
	src.Settings[bluesky.SettingJetstream] = bluesky.JetstreamOff
	ctx := context.Background()
	for seq := 1; seq <= 30; seq++ {
		f.note(seq, []string{"reply", "mention", "quote"}[seq%3], fmt.Sprintf("message %d", seq))
	}
	poll := func(cursor string) connector.Page {
		t.Helper()
		p, err := b.Poll(ctx, src, cursor)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	page := poll("")
	if len(page.Items) != 30 || len(page.Updates) != 0 || len(page.Deletions) != 0 {
		t.Fatalf("first poll: %d items, %+v %+v", len(page.Items), page.Updates, page.Deletions)
	}
	t.Run("not_before_the_interval", func(t *testing.T) {
		clk.Advance(time.Minute)
		f.editPost(fanURI(1), "message 1, corrigé")
		page = poll(page.Cursor)
		if len(page.Updates) != 0 || f.getPosts.Load() != 0 {
			t.Fatalf("swept after a minute: %+v, %d getPosts", page.Updates, f.getPosts.Load())
		}
	})
	t.Run("an_edited_record_is_an_edit", func(t *testing.T) {
		f.deletePost(fanURI(2))
		clk.Advance(5 * time.Minute)
		page = poll(page.Cursor)
		if len(page.Updates) != 1 || len(page.Deletions) != 0 || len(page.Skipped) != 0 {
			t.Fatalf("updates %+v deletions %+v skipped %+v", page.Updates, page.Deletions, page.Skipped)
		}
		u := page.Updates[0]
		if u.InteractionID != fanID(1) || u.Text != "message 1, corrigé" || u.Lang != "fr" || u.Source != v1.SourcePoll ||
			u.SourceID != "bsky" || u.Brand != "demo" || !u.EditedAt.Equal(clk.Now()) || u.Validate() != nil {
			t.Fatalf("update %+v", u)
		}
		if calls, most := f.getPosts.Load(), f.maxURIs; calls != 2 || most != 25 {
			t.Fatalf("%d getPosts calls, at most %d uris: want 2 and 25", calls, most)
		}
	})
	t.Run("a_post_missing_from_two_sweeps_is_deleted", func(t *testing.T) {
		clk.Advance(5 * time.Minute)
		page = poll(page.Cursor)
		if len(page.Updates) != 0 || len(page.Deletions) != 1 {
			t.Fatalf("updates %+v deletions %+v", page.Updates, page.Deletions)
		}
		if d := page.Deletions[0]; d.InteractionID != fanID(2) || d.ID != v1.DeletedID(fanID(2)) || d.Source != v1.SourcePoll || d.Validate() != nil {
			t.Fatalf("deletion %+v", d)
		}
		clk.Advance(5 * time.Minute)
		page = poll(page.Cursor)
		if len(page.Updates) != 0 || len(page.Deletions) != 0 {
			t.Fatalf("said twice: updates %+v deletions %+v", page.Updates, page.Deletions)
		}
	})
	t.Run("a_post_back_before_the_second_sweep_is_not_deleted", func(t *testing.T) {
		f.mu.Lock()
		kept := f.posts[fanURI(3)]
		f.mu.Unlock()
		f.deletePost(fanURI(3)) // a gap of the AppView
		clk.Advance(5 * time.Minute)
		page = poll(page.Cursor)
		f.mu.Lock()
		f.posts[fanURI(3)] = kept
		f.mu.Unlock()
		for range 2 {
			clk.Advance(5 * time.Minute)
			page = poll(page.Cursor)
			if len(page.Deletions) != 0 || len(page.Updates) != 0 {
				t.Fatalf("updates %+v deletions %+v", page.Updates, page.Deletions)
			}
		}
	})
	t.Run("a_failed_sweep_is_reported_and_the_notifications_still_read", func(t *testing.T) {
		f.set(func(f *fakeBluesky) { f.postsDown = true })
		f.note(40, "mention", "pendant la panne")
		clk.Advance(5 * time.Minute)
		page = poll(page.Cursor)
		f.set(func(f *fakeBluesky) { f.postsDown = false })
		if len(page.Items) != 1 || len(page.Skipped) != 1 || !strings.Contains(page.Skipped[0].Reason, "sweep for edits and deletions") {
			t.Fatalf("items %+v skipped %+v", page.Items, page.Skipped)
		}
		f.editPost(fanURI(40), "pendant la panne (modifié)")
		page = poll(page.Cursor) // the sweep is still due
		if len(page.Updates) != 1 || page.Updates[0].InteractionID != fanID(40) {
			t.Fatalf("updates %+v", page.Updates)
		}
	})
	t.Run("reads_again_only_the_last_two_days", func(t *testing.T) {
		clk.Advance(49 * time.Hour)
		before := f.getPosts.Load()
		page = poll(page.Cursor)
		page = poll(page.Cursor)
		if f.getPosts.Load() != before {
			t.Fatalf("%d getPosts calls for interactions of more than two days", f.getPosts.Load()-before)
		}
	})
}

func TestJetstreamEvents(t *testing.T) {
	src := blueskySource("https://pds.example")
	watched := func(did string) bool { return did == "did:plc:fan1" }
	at := time.Date(2026, 11, 23, 8, 30, 0, 0, time.UTC)
	commit := func(did, op, collection, record string) string {
		rec := ""
		if record != "" {
			rec = `,"cid":"bafynew","record":` + record
		}
		return fmt.Sprintf(`{"did":%q,"time_us":%d,"kind":"commit","commit":{"rev":"3l3","operation":%q,"collection":%q,"rkey":"3lfan0001"%s}}`,
			did, at.UnixMicro(), op, collection, rec)
	}
	post := `{"$type":"app.bsky.feed.post","text":"Vous livrez à Lyon ? (corrigé)","createdAt":"2026-11-23T08:00:00.000Z","langs":["fr"]}`
	cases := []struct {
		name                                string
		frame                               string
		updates, deletions, skipped, timeUS int
	}{
		{name: "update_of_a_watched_authors_post_is_an_edit", frame: commit("did:plc:fan1", "update", "app.bsky.feed.post", post), updates: 1, timeUS: 1},
		{name: "delete_of_a_watched_authors_post_is_a_deletion", frame: commit("did:plc:fan1", "delete", "app.bsky.feed.post", ""), deletions: 1, timeUS: 1},
		{name: "create_is_left_to_the_notifications", frame: commit("did:plc:fan1", "create", "app.bsky.feed.post", post), timeUS: 1},
		{name: "other_collections_are_ignored", frame: commit("did:plc:fan1", "delete", "app.bsky.feed.like", ""), timeUS: 1},
		{name: "authors_not_watched_are_ignored", frame: commit("did:plc:other", "delete", "app.bsky.feed.post", ""), timeUS: 1},
		{name: "identity_events_are_ignored", frame: fmt.Sprintf(`{"did":"did:plc:fan1","time_us":%d,"kind":"identity","identity":{"did":"did:plc:fan1","handle":"fan1.bsky.social"}}`, at.UnixMicro()), timeUS: 1},
		{name: "malformed_event_is_skipped", frame: `{"did":`, skipped: 1},
		{name: "malformed_record_is_skipped", frame: commit("did:plc:fan1", "update", "app.bsky.feed.post", `{"text":42}`), skipped: 1, timeUS: 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, timeUS := bluesky.ParseJetstreamEvent([]byte(tc.frame), src, watched, ingesttest.ReceivedAt)
			if len(p.Updates) != tc.updates || len(p.Deletions) != tc.deletions || len(p.Skipped) != tc.skipped || len(p.Items) != 0 {
				t.Fatalf("page %+v", p)
			}
			if want := int64(tc.timeUS) * at.UnixMicro(); timeUS != want {
				t.Fatalf("time_us %d, want %d", timeUS, want)
			}
			iid := v1.InteractionID("bluesky", "at://did:plc:fan1/app.bsky.feed.post/3lfan0001")
			if tc.updates == 1 {
				u := p.Updates[0]
				if u.InteractionID != iid || u.Text != "Vous livrez à Lyon ? (corrigé)" || u.Lang != "fr" || !u.EditedAt.Equal(at) ||
					u.Source != v1.SourceStream || u.ID != v1.UpdatedID(iid, u.Text) || u.Validate() != nil {
					t.Fatalf("update %+v", u)
				}
			}
			if tc.deletions == 1 {
				if d := p.Deletions[0]; d.InteractionID != iid || !d.DeletedAt.Equal(at) || d.Source != v1.SourceStream || d.Validate() != nil {
					t.Fatalf("deletion %+v", d)
				}
			}
		})
	}
}

// streamed runs the connector's stream until the test ends, collecting
// what it delivers.
type streamed struct {
	mu    sync.Mutex
	pages []connector.Page
	ended chan error
}

func runStream(t *testing.T, b *bluesky.Connector, src connector.Source) *streamed {
	ctx, cancel := context.WithCancel(context.Background())
	s := &streamed{ended: make(chan error, 1)}
	go func() {
		s.ended <- b.Stream(ctx, src, func() {}, func(p connector.Page) error {
			s.mu.Lock()
			defer s.mu.Unlock()
			s.pages = append(s.pages, p)
			return nil
		})
	}()
	t.Cleanup(func() { cancel(); <-s.ended })
	return s
}

func (s *streamed) changes() (updates []v1.Updated, deletions []v1.Deleted) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.pages {
		updates, deletions = append(updates, p.Updates...), append(deletions, p.Deletions...)
	}
	return updates, deletions
}

func jetstreamSource(srvURL string) connector.Source {
	src := blueskySource(srvURL)
	src.Settings[bluesky.SettingJetstream] = "ws" + strings.TrimPrefix(srvURL, "http") + "/subscribe"
	return src
}

func TestBlueskyJetstream(t *testing.T) {
	f, srv := newFakeBluesky(t)
	b := bluesky.New(srv.Client())
	src := jetstreamSource(srv.URL)
	s := runStream(t, b, src)
	ingesttest.WaitUntil(t, "the connection", func() bool { n, _, _ := f.jetState(); return n == 1 })
	t.Run("asks_for_posts_and_waits_for_an_author_to_watch", func(t *testing.T) {
		_, queries, hellos := f.jetState()
		q, _ := url.ParseQuery(queries[0])
		if q.Get("wantedCollections") != "app.bsky.feed.post" || q.Get("requireHello") != "true" || q.Has("wantedDids") || q.Has("cursor") || len(hellos) != 0 {
			t.Fatalf("query %q, hellos %v", queries[0], hellos)
		}
		if n := f.commit(t, "did:plc:fan1", "delete", "3lfan0001", "", time.Now()); n != 0 {
			t.Fatal("the fake sent before the hello")
		}
	})
	f.note(1, "reply", "Vous livrez à Lyon ?")
	f.note(2, "mention", "@cafe-lumiere.bsky.social bonjour")
	page, err := b.Poll(context.Background(), src, "")
	if err != nil || len(page.Items) != 2 {
		t.Fatalf("%+v %v", page, err)
	}
	t.Run("watches_the_authors_the_polls_delivered", func(t *testing.T) {
		ingesttest.WaitUntil(t, "the hello", func() bool { _, _, h := f.jetState(); return len(h) == 1 })
		if _, _, hellos := f.jetState(); !slices.Equal(hellos[0], []string{"did:plc:fan1", "did:plc:fan2"}) {
			t.Fatalf("hellos %v", hellos)
		}
	})
	at := time.Date(2026, 11, 23, 8, 30, 0, 0, time.UTC)
	t.Run("maps_update_and_delete_commits", func(t *testing.T) {
		f.commit(t, "did:plc:fan1", "update", "3lfan0001", "Vous livrez à Lyon ? Et à Villeurbanne ?", at)
		f.commit(t, "did:plc:fan1", "create", "3lnew", "un autre post", at.Add(time.Second))
		f.commit(t, "did:plc:fan2", "delete", "3lfan0002", "", at.Add(2*time.Second))
		ingesttest.WaitUntil(t, "the edit and the deletion", func() bool { u, d := s.changes(); return len(u) == 1 && len(d) == 1 })
		u, d := s.changes()
		if u[0].InteractionID != fanID(1) || u[0].Text != "Vous livrez à Lyon ? Et à Villeurbanne ?" || d[0].InteractionID != fanID(2) || !d[0].DeletedAt.Equal(at.Add(2*time.Second)) {
			t.Fatalf("updates %+v deletions %+v", u, d)
		}
	})
	t.Run("a_new_author_is_sent_to_jetstream", func(t *testing.T) {
		f.note(3, "quote", "regardez ça")
		if _, err := b.Poll(context.Background(), src, page.Cursor); err != nil {
			t.Fatal(err)
		}
		ingesttest.WaitUntil(t, "the second options update", func() bool { _, _, h := f.jetState(); return len(h) == 2 })
		if _, _, hellos := f.jetState(); !slices.Equal(hellos[1], []string{"did:plc:fan0", "did:plc:fan1", "did:plc:fan2"}) {
			t.Fatalf("hellos %v", hellos)
		}
	})
	t.Run("reconnects_from_a_little_before_the_last_event", func(t *testing.T) {
		f.dropJetstream()
		select {
		case err := <-s.ended:
			if err == nil {
				t.Fatal("a dropped stream ended without error")
			}
			s.ended <- err // for the cleanup
		case <-time.After(time.Minute): // a bound for a hung test, not a speed claim
			t.Fatal("the stream did not end when the connection dropped")
		}
		s2 := runStream(t, b, src)
		ingesttest.WaitUntil(t, "the reconnection", func() bool { n, _, h := f.jetState(); return n == 2 && len(h) == 3 })
		_, queries, hellos := f.jetState()
		q, _ := url.ParseQuery(queries[1])
		if want := fmt.Sprint(at.Add(2*time.Second).UnixMicro() - (5 * time.Second).Microseconds()); q.Get("cursor") != want {
			t.Fatalf("cursor %q, want %s", q.Get("cursor"), want)
		}
		if len(hellos[2]) != 3 {
			t.Fatalf("hello after reconnection %v", hellos[2])
		}
		f.commit(t, "did:plc:fan0", "delete", "3lfan0003", "", at.Add(time.Minute))
		ingesttest.WaitUntil(t, "the deletion", func() bool { _, d := s2.changes(); return len(d) == 1 })
	})
	t.Run("off_leaves_edits_to_the_sweep", func(t *testing.T) {
		off := blueskySource(srv.URL)
		off.Settings[bluesky.SettingJetstream] = bluesky.JetstreamOff
		err := b.Stream(context.Background(), off, func() { t.Error("connected") }, func(connector.Page) error { return nil })
		if !errors.Is(err, connector.ErrStreamUnavailable) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("validates_the_jetstream_setting", func(t *testing.T) {
		bad := blueskySource(srv.URL)
		bad.Settings[bluesky.SettingJetstream] = "https://jetstream.example/subscribe"
		if err := b.ValidateSource(bad); err == nil || !strings.Contains(err.Error(), "settings.jetstream") {
			t.Fatalf("err = %v", err)
		}
	})
}

// TestBlueskyEditsAndDeletionsThroughIngest: the stream's edits and
// deletions of interactions ingest received are published once each; those
// of the watched authors' other posts are not.
func TestBlueskyEditsAndDeletionsThroughIngest(t *testing.T) {
	f, srv := newFakeBluesky(t)
	svc, conn := ingesttest.Service(t)
	ingesttest.Run(t, svc)
	f.note(1, "reply", "Vous livrez à Lyon ?")
	f.note(2, "mention", "@cafe-lumiere.bsky.social bonjour")
	ingesttest.PutSource(t, conn.NC, jetstreamSource(srv.URL))
	ingesttest.WaitUntil(t, "the polled interactions", func() bool { return ingesttest.Count(t, conn) == 2 })
	ingesttest.WaitUntil(t, "the authors sent to jetstream", func() bool {
		_, _, h := f.jetState()
		return len(h) > 0 && slices.Equal(h[len(h)-1], []string{"did:plc:fan1", "did:plc:fan2"})
	})
	at := time.Now()
	edited := "Vous livrez à Lyon ? Et le dimanche ?"
	f.commit(t, "did:plc:fan1", "update", "3lfan0001", edited, at)
	f.commit(t, "did:plc:fan1", "update", "3lfan0001", edited, at.Add(time.Second)) // the same text again
	f.commit(t, "did:plc:fan1", "update", "3lautre", "un autre post de l'auteur", at.Add(2*time.Second))
	f.commit(t, "did:plc:fan1", "delete", "3lautre2", "", at.Add(3*time.Second))
	f.commit(t, "did:plc:fan2", "delete", "3lfan0002", "", at.Add(4*time.Second))
	updated, deleted := v1.UpdatedID(fanID(1), edited), v1.DeletedID(fanID(2))
	ingesttest.WaitUntil(t, "the edit and the deletion", func() bool {
		stored := ingesttest.Stored(t, conn)
		return len(stored[updated]) == 1 && len(stored[deleted]) == 1
	})
	// The stream publishes its events in order, and the deletion came last:
	// whatever the earlier ones gave is stored by now.
	if stored := ingesttest.Stored(t, conn); len(stored) != 4 || len(stored[updated]) != 1 {
		t.Fatalf("stored %v", stored)
	}
}
