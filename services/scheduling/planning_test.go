package scheduling_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	postv1 "github.com/ruche-project/ruche/events/post/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/rpc"
	"github.com/ruche-project/ruche/services/scheduling/ical"
)

func everyDay(times ...string) []query.QueueSlot {
	var out []query.QueueSlot
	for d := 1; d <= 7; d++ {
		for _, t := range times {
			out = append(out, query.QueueSlot{Weekday: d, Time: t})
		}
	}
	return out
}

func TestQueue(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	ask := func(req query.AddToQueueRequest) (query.Post, error) {
		return rpc.Ask(ctx, h.client, query.AddToQueue, req)
	}
	add := func(p query.Post) query.AddToQueueRequest {
		return query.AddToQueueRequest{PostRef: query.PostRef{Brand: p.Brand, ID: p.ID}, Revision: p.Revision, By: "lea"}
	}

	t.Run("no_queue_yet", func(t *testing.T) {
		q, err := rpc.Ask(ctx, h.client, query.GetQueue, query.QueueRef{Brand: brand, Network: "sandbox"})
		if err != nil || q.Revision != 0 || len(q.Slots) != 0 {
			t.Fatalf("GetQueue = %+v, %v", q, err)
		}
		p := h.approved(t, "sans file")
		if _, err := ask(add(p)); rpc.AsError(err) == nil || rpc.AsError(err).Field != "network" {
			t.Fatalf("AddToQueue without a queue = %v, want a 400 on network", err)
		}
	})

	q, err := rpc.Ask(ctx, h.client, query.PutQueue, query.PutQueueRequest{By: "lea", Queue: query.Queue{
		Brand: brand, Network: "sandbox", Zone: "Europe/Paris", Slots: everyDay("18:30", "09:00"), EvergreenGapDays: 30}})
	if err != nil {
		t.Fatal(err)
	}
	if q.Revision != 1 || len(q.Upcoming) != 10 || q.Slots[0] != (query.QueueSlot{Weekday: 1, Time: "09:00"}) {
		t.Fatalf("PutQueue = %+v", q)
	}
	t.Run("stale_or_bad_queue_is_refused", func(t *testing.T) {
		_, err := rpc.Ask(ctx, h.client, query.PutQueue, query.PutQueueRequest{By: "lea", Queue: query.Queue{Brand: brand, Network: "sandbox", Zone: "Europe/Paris"}})
		if e := rpc.AsError(err); e == nil || e.Code != query.CodeConflict {
			t.Errorf("put at revision 0 over revision 1 = %v, want 409", err)
		}
		_, err = rpc.Ask(ctx, h.client, query.PutQueue, query.PutQueueRequest{By: "lea", Queue: query.Queue{Brand: brand, Network: "sandbox", Zone: "Europe/Paris",
			Revision: 1, Slots: []query.QueueSlot{{Weekday: 1, Time: "9h"}}}})
		if e := rpc.AsError(err); e == nil || e.Code != query.CodeBadRequest || e.Field != "slots[0].time" {
			t.Errorf("bad slot = %v, want a 400 on slots[0].time", err)
		}
	})

	t.Run("next_free_slots_in_order", func(t *testing.T) {
		first, err := ask(add(h.approved(t, "premier")))
		if err != nil {
			t.Fatal(err)
		}
		second, err := ask(add(h.approved(t, "second")))
		if err != nil {
			t.Fatal(err)
		}
		if first.State != postv1.StateScheduled || !first.Time.At.Equal(q.Upcoming[0].At) || !second.Time.At.Equal(q.Upcoming[1].At) ||
			first.Time.Zone != "Europe/Paris" {
			t.Fatalf("first %+v, second %+v; upcoming %+v", first.Time, second.Time, q.Upcoming[:2])
		}
		// A post scheduled by hand at the next slot takes it.
		manual := h.scheduleAt(t, h.approved(t, "à la main"), q.Upcoming[2].At)
		third, err := ask(add(h.approved(t, "troisième")))
		if err != nil {
			t.Fatal(err)
		}
		if !third.Time.At.Equal(q.Upcoming[3].At) || !manual.Time.At.Equal(q.Upcoming[2].At) {
			t.Fatalf("third at %s, want %s", third.Time.At, q.Upcoming[3].At)
		}
	})

	t.Run("concurrent_adds_take_distinct_slots", func(t *testing.T) {
		posts := make([]query.Post, 6)
		for i := range posts {
			posts[i] = h.approved(t, fmt.Sprintf("en même temps %d", i))
		}
		var wg sync.WaitGroup
		got := make([]query.Post, len(posts))
		errs := make([]error, len(posts))
		for i, p := range posts {
			wg.Go(func() { got[i], errs[i] = ask(add(p)) })
		}
		wg.Wait()
		seen := map[time.Time]string{}
		for i, p := range got {
			if errs[i] != nil {
				t.Fatalf("add %d: %v", i, errs[i])
			}
			if other, dup := seen[p.Time.At]; dup {
				t.Fatalf("%s and %s both at %s", p.ID, other, p.Time.At)
			}
			seen[p.Time.At] = p.ID
		}
		// They fill the slots after the four taken above, none skipped.
		for _, at := range q.Upcoming[4:10] {
			if _, ok := seen[at.At]; !ok {
				t.Errorf("slot %s left free while %d posts were added", at.At, len(posts))
			}
		}
	})

	t.Run("a_draft_cannot_be_queued", func(t *testing.T) {
		p, err := h.svc.Create(ctx, query.CreatePostRequest{Brand: brand, By: "lea", PostContent: content("brouillon")})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ask(add(p)); rpc.AsError(err) == nil || rpc.AsError(err).Code != query.CodeConflict {
			t.Fatalf("AddToQueue(draft) = %v, want 409", err)
		}
	})
}

// importFile is a French Excel file of two posts next month, at 09:30 and
// 18:00 Paris time.
func importFile(day time.Time, extra string) []byte {
	d := day.Format("02/01/2006")
	return []byte("\ufeffDate;Heure;Réseau(x);Texte;Médias;Texte alternatif;Campagne;Étiquettes\r\n" +
		d + ";09:30;sandbox;\"Nos bûches arrivent ; réservez !\";https://cdn.example/buche.jpg;Une bûche;Noël;noël, pâtisserie\r\n" +
		d + ";18h00;sandbox, mastodon;\"Deux lignes :\r\nla seconde\";;;Noël;\r\n" + extra)
}

func TestImport(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	paris, _ := time.LoadLocation("Europe/Paris")
	day := time.Now().In(paris).AddDate(0, 1, 0)
	count := func() int {
		list, err := h.svc.List(ctx, query.ListPostsRequest{Brand: brand})
		if err != nil {
			t.Fatal(err)
		}
		return len(list.Posts)
	}
	imp := func(file []byte, dry bool) (query.ImportPostsResult, error) {
		return rpc.Ask(ctx, h.client, query.ImportPosts, query.ImportPostsRequest{Brand: brand, By: "lea", Zone: "Europe/Paris", CSV: file, DryRun: dry})
	}

	t.Run("bad_rows_create_nothing", func(t *testing.T) {
		bad := importFile(day, day.Format("02/01/2006")+";10:00;sandbox;"+strings.Repeat("trop long ", 600)+";;;;\r\n"+
			day.Format("02/01/2006")+";11:00;sandbox;Image sans description;https://cdn.example/x.jpg;;;\r\n"+
			"31/02/2027;11:00;myspace;Deux fautes;;;;\r\n")
		res, err := imp(bad, false)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, p := range res.Problems {
			got = append(got, fmt.Sprintf("%d:%s", p.Row, p.Column))
			if p.Message.FR == "" || p.Message.EN == "" {
				t.Errorf("problem without both languages: %+v", p)
			}
		}
		if want := []string{"4:Texte", "5:Texte alternatif", "6:Date", "6:Réseau(x)"}; !slices.Equal(got, want) {
			t.Errorf("problems %v, want %v (%+v)", got, want, res.Problems)
		}
		if len(res.Created) != 0 || count() != 0 {
			t.Fatalf("created %v, %d posts stored: nothing may be created while a row has a problem", res.Created, count())
		}
	})
	t.Run("dry_run_lists_and_creates_nothing", func(t *testing.T) {
		res, err := imp(importFile(day, ""), true)
		if err != nil || len(res.Problems) != 0 || len(res.Rows) != 2 || !res.DryRun {
			t.Fatalf("dry run = %+v, %v", res, err)
		}
		if count() != 0 {
			t.Fatal("a dry run created posts")
		}
		if res.Rows[0].Time.Wall != day.Format("2006-01-02")+"T09:30" || res.Rows[0].Time.Zone != "Europe/Paris" {
			t.Errorf("row time %+v", res.Rows[0].Time)
		}
	})
	t.Run("creates_drafts_at_their_time_once", func(t *testing.T) {
		res, err := imp(importFile(day, ""), false)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Created) != 2 || count() != 2 {
			t.Fatalf("created %v, %d stored", res.Created, count())
		}
		p, err := h.svc.Get(ctx, query.PostRef{Brand: brand, ID: res.Created[1]})
		if err != nil {
			t.Fatal(err)
		}
		if p.State != postv1.StateDraft || p.Time == nil || p.Time.Wall != day.Format("2006-01-02")+"T18:00" || len(p.Variants) != 2 ||
			p.Variants[0].Text != "Deux lignes :\nla seconde" || p.Campaign != "Noël" {
			t.Fatalf("post %+v", p)
		}
		first, _ := h.svc.Get(ctx, query.PostRef{Brand: brand, ID: res.Created[0]})
		if len(first.Variants[0].Media) != 1 || first.Variants[0].Media[0].AltText != "Une bûche" || first.Variants[0].Media[0].Kind != "image" {
			t.Fatalf("media %+v", first.Variants[0].Media)
		}
		again, err := imp(importFile(day, ""), false)
		if err != nil || len(again.Created) != 0 || len(again.Existing) != 2 || count() != 2 {
			t.Fatalf("same file again: %+v, %v; %d stored", again, err, count())
		}
	})
}

func TestFeed(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	p := h.scheduleAt(t, h.approved(t, "Au calendrier ; avec, ponctuation"), time.Now().Add(48*time.Hour).Truncate(time.Minute))
	feed := func(token string) (query.Feed, error) {
		return rpc.Ask(ctx, h.client, query.GetFeed, query.FeedRequest{Brand: brand, Token: token})
	}
	if _, err := feed("nothing"); rpc.AsError(err) == nil || rpc.AsError(err).Code != query.CodeNotFound {
		t.Fatalf("feed without a token = %v, want 404", err)
	}
	tok, err := rpc.Ask(ctx, h.client, query.CreateFeedToken, query.FeedTokenRequest{Brand: brand, By: "lea"})
	if err != nil {
		t.Fatal(err)
	}
	if tok.Path != "/ical/"+brand+"/"+tok.Token+".ics" {
		t.Errorf("path %q", tok.Path)
	}
	f, err := feed(tok.Token)
	if err != nil {
		t.Fatal(err)
	}
	cal, err := ics.ParseCalendar(strings.NewReader(f.Calendar))
	if err != nil {
		t.Fatal(err)
	}
	if ev := cal.Events(); len(ev) != 1 || ev[0].Id() != ical.UID(brand, p.ID) {
		t.Fatalf("events %d in\n%s", len(ev), f.Calendar)
	}
	start, err := cal.Events()[0].GetStartAt()
	if err != nil || !start.Equal(p.Time.At) {
		t.Errorf("starts at %s (%v), want %s", start, err, p.Time.At)
	}
	info, err := rpc.Ask(ctx, h.client, query.GetFeedToken, query.BrandRef{Brand: brand})
	if err != nil || info.Token != "" || info.CreatedBy != "lea" {
		t.Errorf("token info %+v, %v", info, err)
	}
	if _, err := feed(tok.Token + "x"); rpc.AsError(err) == nil || rpc.AsError(err).Code != query.CodeNotFound {
		t.Errorf("feed with a wrong token = %v, want 404", err)
	}
	if _, err := rpc.Ask(ctx, h.client, query.RevokeFeedToken, query.FeedTokenRequest{Brand: brand, By: "lea"}); err != nil {
		t.Fatal(err)
	}
	if _, err := feed(tok.Token); rpc.AsError(err) == nil || rpc.AsError(err).Code != query.CodeNotFound {
		t.Errorf("feed after revoke = %v, want 404", err)
	}
}

func TestRecycleEvergreen(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	now := time.Now().UTC()
	// Posts as publishing left them: published some days ago.
	h.published(t, "p-old", now.AddDate(0, 0, -30), query.EvergreenLabel)
	h.published(t, "p-recent", now.AddDate(0, 0, -3), query.EvergreenLabel)
	h.published(t, "p-once", now.AddDate(0, 0, -60), "menu")
	recycle := func(count int) (query.RecycleResult, error) {
		return rpc.Ask(ctx, h.client, query.RecycleEvergreen, query.RecycleRequest{QueueRef: query.QueueRef{Brand: brand, Network: "sandbox"}, By: "lea", Count: count})
	}
	q, err := rpc.Ask(ctx, h.client, query.PutQueue, query.PutQueueRequest{By: "lea", Queue: query.Queue{
		Brand: brand, Network: "sandbox", Zone: "Europe/Paris", Slots: everyDay("09:00", "18:30")}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := recycle(4); rpc.AsError(err) == nil || rpc.AsError(err).Field != "evergreen_gap_days" {
		t.Fatalf("recycle without a gap = %v, want a 400 on evergreen_gap_days", err)
	}
	q.EvergreenGapDays = 7
	if q, err = rpc.Ask(ctx, h.client, query.PutQueue, query.PutQueueRequest{By: "lea", Queue: q}); err != nil {
		t.Fatal(err)
	}
	// Four free slots: the post published 30 days ago takes the first; the
	// one published 3 days ago waits for its gap; the next slots are within
	// a week of the first copy.
	res, err := recycle(4)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Created) != 1 {
		t.Fatalf("created %d copies, want 1: %+v", len(res.Created), res.Created)
	}
	c := res.Created[0]
	if !strings.HasPrefix(c.ID, "eg-p-old-") || c.State != postv1.StateDraft || !c.Time.At.Equal(q.Upcoming[0].At) ||
		c.Variants[0].Text != "toujours d'actualité p-old" || !slices.Contains(c.Labels, query.EvergreenLabel) {
		t.Fatalf("copy %+v at %v, want p-old at %s", c, c.Time, q.Upcoming[0].At)
	}
	// Asked again, the copy holds its slot and both posts are within their gap.
	again, err := recycle(4)
	if err != nil || len(again.Created) != 0 {
		t.Fatalf("again: %+v, %v", again.Created, err)
	}
	// Far enough ahead, the other post comes back too.
	far, err := recycle(query.MaxRecycle)
	if err != nil {
		t.Fatal(err)
	}
	recent := slices.IndexFunc(far.Created, func(p query.Post) bool { return strings.HasPrefix(p.ID, "eg-p-recent-") })
	if recent < 0 || far.Created[recent].Time.At.Before(now.AddDate(0, 0, 4)) {
		t.Errorf("p-recent not recycled once its gap passed: %+v", far.Created)
	}
	for _, p := range far.Created {
		if strings.HasPrefix(p.ID, "eg-p-once-") {
			t.Errorf("a post without the evergreen label was recycled: %s", p.ID)
		}
	}
}
