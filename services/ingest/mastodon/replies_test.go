package mastodon_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	v1 "github.com/ruche-project/ruche/events/interaction/v1"
	"github.com/ruche-project/ruche/services/ingest/connector"
	"github.com/ruche-project/ruche/services/ingest/internal/ingesttest"
	"github.com/ruche-project/ruche/services/ingest/mastodon"
)

// mastodonStatus is a status as the API shows it; mentions are account ids.
func mastodonStatus(id, account string, at time.Time, inReplyTo string, mentions ...string) string {
	reply := "null"
	if inReplyTo != "" {
		reply = fmt.Sprintf("%q", inReplyTo)
	}
	var ms []string
	for _, m := range mentions {
		ms = append(ms, fmt.Sprintf(`{"id":%q,"acct":"someone"}`, m))
	}
	return fmt.Sprintf(`{"id":%q,"created_at":%q,"in_reply_to_id":%s,"in_reply_to_account_id":null,"visibility":"public","language":"fr",
	  "url":"https://piaille.fr/@u%s/%s","content":"<p>réponse %s</p>","account":{"id":%q,"acct":"u%s@piaille.fr","display_name":"U%s"},
	  "mentions":[%s],"media_attachments":[]}`, id, at.Format(time.RFC3339Nano), reply, account, id, id, account, account, account, strings.Join(ms, ","))
}

// reads are the queries of the statuses listings and the threads read.
func (f *fakeMastodon) reads() ([]string, []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.statusReads...), append([]string(nil), f.threadReads...)
}

func TestMastodonReplies(t *testing.T) {
	now := time.Now().UTC()
	clock := now
	newConnector := func(t *testing.T) (*fakeMastodon, *mastodon.Connector, connector.Source) {
		f, srv := newFakeMastodon(t)
		m := mastodon.New(srv.Client())
		m.SetNow(func() time.Time { return clock })
		return f, m, mastodonSource(srv.URL)
	}
	f, m, src := newConnector(t)
	host := strings.TrimPrefix(src.Settings[mastodon.SettingServer], "http://")
	f.statuses = []string{
		mastodonStatus("900", "555", now.Add(-time.Hour), ""),
		mastodonStatus("901", "555", now.Add(-48*time.Hour), "777"), // the brand's reply in another thread
		mastodonStatus("800", "555", now.AddDate(0, 0, -8), ""),     // too old
	}
	f.threads["900"] = []string{
		mastodonStatus("1001", "7", now.Add(-50*time.Minute), "900"),
		mastodonStatus("1002", "555", now.Add(-45*time.Minute), "1001"),     // the brand's own answer
		mastodonStatus("1003", "9", now.Add(-40*time.Minute), "900", "555"), // mentions the brand: its notification brings it
		mastodonStatus("1004", "8", now.Add(-30*time.Minute), "1001", "7"),  // a reply to a reply, no mention of the brand
		`{"id":"1007","created_at":"not a date","account":{"id":"6"}}`,      // malformed
	}
	f.threads["901"] = []string{mastodonStatus("1010", "7", now.Add(-47*time.Hour), "901")}
	f.threads["800"] = []string{mastodonStatus("1020", "7", now.AddDate(0, 0, -8), "800")}

	var cursor string
	poll := func(t *testing.T) connector.Page {
		t.Helper()
		p, err := m.Poll(context.Background(), src, cursor)
		if err != nil {
			t.Fatal(err)
		}
		cursor = p.Cursor
		return p
	}
	ids := func(p connector.Page) []string {
		var out []string
		for _, r := range p.Items {
			out = append(out, strings.TrimPrefix(r.PlatformID, host+"/"))
		}
		return out
	}

	t.Run("finds_replies_without_a_mention_and_skips_the_brands_own", func(t *testing.T) {
		p := poll(t)
		if got := strings.Join(ids(p), ","); got != "1001,1004,1010" {
			t.Fatalf("replies %s, skipped %+v", got, p.Skipped)
		}
		if len(p.Skipped) != 1 || p.Skipped[0].Index != 4 {
			t.Fatalf("skipped %+v", p.Skipped)
		}
		r := p.Items[1]
		if r.Kind != v1.KindReply || r.ThreadID != host+"/900" || r.ParentID != host+"/1001" || r.Source != v1.SourcePoll ||
			r.ID != v1.InteractionID("mastodon", host+"/1004") || r.Author.ID != host+"/8" {
			t.Fatalf("reply %+v", r)
		}
	})
	t.Run("reads_only_recent_statuses_of_the_account", func(t *testing.T) {
		listings, threads := f.reads()
		q, _ := url.ParseQuery(listings[0])
		if q.Get("limit") != fmt.Sprint(mastodon.RepliesStatuses) || q.Get("exclude_reblogs") != "true" {
			t.Fatalf("statuses query %q", listings[0])
		}
		if got := strings.Join(threads, ","); got != "900,901" {
			t.Fatalf("threads read %s", got)
		}
	})
	t.Run("next_sweep_waits_its_interval", func(t *testing.T) {
		p := poll(t)
		if listings, _ := f.reads(); len(p.Items) != 0 || len(listings) != 1 {
			t.Fatalf("%d items, %d listings", len(p.Items), len(listings))
		}
	})
	t.Run("next_sweep_reads_only_new_replies_late_ones_included", func(t *testing.T) {
		f.mu.Lock()
		f.threads["900"] = append(f.threads["900"],
			mastodonStatus("1005", "7", now.Add(2*time.Minute), "1004"),
			mastodonStatus("1006", "5", now.Add(-35*time.Minute), "900"), // federated late: older than 1004
		)
		f.mu.Unlock()
		clock = now.Add(mastodon.RepliesEvery)
		p := poll(t)
		if got := strings.Join(ids(p), ","); got != "1005,1006" || len(p.Skipped) != 0 {
			t.Fatalf("replies %s, skipped %+v", got, p.Skipped)
		}
		clock = clock.Add(mastodon.RepliesEvery)
		if p := poll(t); len(p.Items) != 0 {
			t.Fatalf("read again: %+v", ids(p))
		}
	})
	t.Run("edits_made_since_the_last_sweep_are_edits", func(t *testing.T) {
		// The stream tells edits as they happen; the sweep finds those made
		// while it was down (a reply without a mention, and a mention).
		edited := func(status, id, text string, at time.Time) string {
			return strings.Replace(status, `"content":"<p>réponse `+id+`</p>"`, fmt.Sprintf(`"content":"<p>%s</p>","edited_at":%q`, text, at.Format(time.RFC3339Nano)), 1)
		}
		f.mu.Lock()
		for i, st := range f.threads["900"] {
			switch {
			case strings.Contains(st, `"id":"1004"`):
				f.threads["900"][i] = edited(st, "1004", "réponse corrigée", clock.Add(time.Minute))
			case strings.Contains(st, `"id":"1003"`):
				f.threads["900"][i] = edited(st, "1003", "mention corrigée", clock.Add(2*time.Minute))
			}
		}
		f.mu.Unlock()
		clock = clock.Add(mastodon.RepliesEvery)
		p := poll(t)
		if len(p.Items) != 0 || len(p.Updates) != 2 {
			t.Fatalf("items %+v updates %+v skipped %+v", ids(p), p.Updates, p.Skipped)
		}
		byID := map[string]v1.Updated{}
		for _, u := range p.Updates {
			byID[strings.TrimPrefix(u.InteractionID, "mastodon:"+host+"/")] = u
		}
		if u := byID["1004"]; u.Text != "réponse corrigée" || u.Source != v1.SourcePoll || u.Validate() != nil || !u.EditedAt.Equal(clock.Add(-mastodon.RepliesEvery+time.Minute)) {
			t.Fatalf("edit of 1004 %+v", u)
		}
		if u := byID["1003"]; u.Text != "mention corrigée" {
			t.Fatalf("edit of 1003 %+v", u)
		}
		clock = clock.Add(mastodon.RepliesEvery)
		if p := poll(t); len(p.Updates) != 0 {
			t.Fatalf("told again: %+v", p.Updates)
		}
	})
	t.Run("a_sweep_pages_over_polls_and_keeps_the_notifications_flowing", func(t *testing.T) {
		f, m, src := newConnector(t)
		clock = now
		for i := range 25 {
			id := fmt.Sprint(2000 + i)
			f.statuses = append(f.statuses, mastodonStatus(id, "555", now.Add(-time.Duration(i)*time.Minute), ""))
			f.threads[id] = []string{mastodonStatus(fmt.Sprint(3000+i), "7", now.Add(-time.Duration(i)*time.Minute+time.Second), id)}
		}
		f.add(1, f.mention(1, "<p>une mention</p>", "public", ""))
		var cursor string
		var items []v1.Received
		polls := 0
		for {
			p, err := m.Poll(context.Background(), src, cursor)
			if err != nil {
				t.Fatal(err)
			}
			cursor, items, polls = p.Cursor, append(items, p.Items...), polls+1
			if !p.More {
				break
			}
			if polls > 10 {
				t.Fatal("the sweep does not end")
			}
		}
		// 20 statuses read, 5 threads per poll; the mention came first.
		_, threads := f.reads()
		if polls != 4 || len(items) != 21 || items[0].Kind != v1.KindMention || len(threads) != mastodon.RepliesStatuses {
			t.Fatalf("%d polls, %d items, %d threads read", polls, len(items), len(threads))
		}
	})
	errCases := []struct {
		mode  string
		check func(connector.Page, error) bool
	}{
		{"401", func(_ connector.Page, err error) bool { return errors.Is(err, connector.ErrUnauthorized) }},
		{"429", func(_ connector.Page, err error) bool {
			var rl *connector.RateLimitedError
			return errors.As(err, &rl) && rl.Wait > 80*time.Second && rl.Wait <= 91*time.Second
		}},
		{"500", func(p connector.Page, err error) bool {
			// Reported; the notifications of the same poll still come.
			return err == nil && len(p.Items) == 1 && len(p.Skipped) == 1 && strings.Contains(p.Skipped[0].Reason, "503")
		}},
		{"403", func(p connector.Page, err error) bool {
			return err == nil && len(p.Items) == 1 && len(p.Skipped) == 1 && strings.Contains(p.Skipped[0].Reason, "read:statuses")
		}},
	}
	for _, tc := range errCases {
		t.Run("thread_answers_"+tc.mode, func(t *testing.T) {
			f, m, src := newConnector(t)
			clock = time.Now() // the reset the fake sends is a real time
			f.statuses = []string{mastodonStatus("900", "555", now.Add(-time.Hour), "")}
			f.threads["900"] = []string{mastodonStatus("1001", "7", now.Add(-50*time.Minute), "900")}
			f.add(1, f.mention(1, "<p>une mention</p>", "public", ""))
			f.setMode(&f.threadMode, tc.mode)
			if p, err := m.Poll(context.Background(), src, ""); !tc.check(p, err) {
				t.Fatalf("page %+v, err %v", p, err)
			}
		})
	}
	t.Run("a_deleted_status_is_forgotten", func(t *testing.T) {
		f, m, src := newConnector(t)
		clock = now
		f.statuses = []string{mastodonStatus("900", "555", now.Add(-time.Hour), "")}
		p, err := m.Poll(context.Background(), src, "")
		if err != nil || len(p.Items) != 0 || len(p.Skipped) != 0 || strings.Contains(p.Cursor, "900") {
			t.Fatalf("page %+v, err %v", p, err)
		}
	})
}

// TestMastodonThreadsAgree reads one conversation by every path: a reply
// to the brand that mentions it (notification), a reply without a mention
// (thread sweep) and a reply to that reply that mentions the brand
// (notification), polled and backfilled: one thread id.
func TestMastodonThreadsAgree(t *testing.T) {
	now := time.Now().UTC()
	f, m, src, host := newMastodonConnector(t)
	toBrand := strings.Replace(mastodonStatus("1002", "9", now.Add(-40*time.Minute), "900", "555"), `"in_reply_to_account_id":null`, `"in_reply_to_account_id":"555"`, 1)
	deeper := mastodonStatus("1003", "9", now.Add(-30*time.Minute), "1001", "555")
	f.statuses = []string{mastodonStatus("900", "555", now.Add(-time.Hour), "")}
	f.threads["900"] = []string{mastodonStatus("1001", "7", now.Add(-50*time.Minute), "900"), toBrand, deeper}
	note := func(id int, status string) string {
		return fmt.Sprintf(`{"id":"%d","type":"mention","created_at":%q,"account":{"id":"9","acct":"u9"},"status":%s}`, id, now.Format(time.RFC3339Nano), status)
	}
	f.add(1, note(1, toBrand))
	f.add(2, note(2, deeper))
	p, err := m.Poll(context.Background(), src, "")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]v1.Received{}
	for _, r := range p.Items {
		got[strings.TrimPrefix(r.PlatformID, host+"/")] = r
	}
	want := map[string]struct {
		kind   v1.Kind
		parent string
	}{"1001": {v1.KindReply, "900"}, "1002": {v1.KindReply, "900"}, "1003": {v1.KindMention, "1001"}}
	if len(got) != len(want) {
		t.Fatalf("items %v", got)
	}
	for id, w := range want {
		r := got[id]
		if r.ThreadID != host+"/900" || r.ParentID != host+"/"+w.parent || r.Kind != w.kind {
			t.Errorf("%s: thread %q parent %q kind %s", id, r.ThreadID, r.ParentID, r.Kind)
		}
	}
	t.Run("backfill_gives_the_same_thread", func(t *testing.T) {
		items, _ := ingesttest.BackfillAll(t, context.Background(), m, src, now.Add(-2*time.Hour))
		for _, r := range items {
			if g := got[strings.TrimPrefix(r.PlatformID, host+"/")]; r.ThreadID != g.ThreadID || r.ParentID != g.ParentID || r.Kind != g.Kind {
				t.Errorf("backfill %+v, poll %+v", r, g)
			}
		}
	})
}

// TestMastodonBackfillReadsThreads: a reply without a mention written
// during an outage has no notification; the backfill finds it in the
// threads of the brand's statuses of the period, and only the period's.
func TestMastodonBackfillReadsThreads(t *testing.T) {
	now := time.Now().UTC()
	f, m, src, host := newMastodonConnector(t)
	since := now.Add(-3 * time.Hour)
	f.statuses = []string{
		mastodonStatus("900", "555", now.Add(-2*time.Hour), ""),
		mastodonStatus("880", "555", now.AddDate(0, 0, -2), ""),  // older than since, still answered in the period
		mastodonStatus("700", "555", now.AddDate(0, 0, -30), ""), // too old to be answered now
	}
	f.threads["900"] = []string{
		mastodonStatus("1001", "7", now.Add(-time.Hour), "900"),
		mastodonStatus("1002", "555", now.Add(-50*time.Minute), "1001"),     // the brand's own answer
		mastodonStatus("1003", "9", now.Add(-40*time.Minute), "900", "555"), // mentions the brand: a notification
	}
	f.threads["880"] = []string{
		mastodonStatus("1011", "7", now.AddDate(0, 0, -2).Add(time.Hour), "880"), // before since
		mastodonStatus("1012", "8", now.Add(-90*time.Minute), "1011"),
	}
	f.threads["700"] = []string{mastodonStatus("1021", "7", now.Add(-time.Hour), "700")}
	got, _ := ingesttest.BackfillAll(t, context.Background(), m, src, since)
	var ids []string
	for _, r := range got {
		ids = append(ids, strings.TrimPrefix(r.PlatformID, host+"/"))
		if r.Kind != v1.KindReply || r.ThreadID == "" {
			t.Errorf("reply %+v", r)
		}
	}
	slices.Sort(ids)
	if strings.Join(ids, ",") != "1001,1012" {
		t.Fatalf("backfilled %v", ids)
	}
	if _, threads := f.reads(); strings.Join(threads, ",") != "900,880" {
		t.Fatalf("threads read %v", threads)
	}
}

// newMastodonConnector is a connector reading a fake server, its source and
// the server's host (the prefix of platform ids).
func newMastodonConnector(t *testing.T) (*fakeMastodon, *mastodon.Connector, connector.Source, string) {
	f, srv := newFakeMastodon(t)
	return f, mastodon.New(srv.Client()), mastodonSource(srv.URL), strings.TrimPrefix(srv.URL, "http://")
}
