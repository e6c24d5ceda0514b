package main_test

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	postv1 "github.com/ruche-project/ruche/events/post/v1"
	publishv1 "github.com/ruche-project/ruche/events/publish/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/bus"
	"github.com/ruche-project/ruche/pkg/rpc"
	"github.com/ruche-project/ruche/pkg/testkit"
	"github.com/ruche-project/ruche/services/ingest/sandbox"
	"github.com/ruche-project/ruche/services/publishing"
	"github.com/ruche-project/ruche/services/scheduling"
)

// mediaOrigin serves a PNG at /menu.png and counts its fetches.
func mediaOrigin(t testing.TB) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewRGBA(image.Rect(0, 0, 8, 8))); err != nil {
		t.Fatal(err)
	}
	var fetches atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/menu.png" {
			http.NotFound(w, r)
			return
		}
		fetches.Add(1)
		w.Header().Set("Content-Type", "image/png")
		_, _ = w.Write(b.Bytes())
	}))
	t.Cleanup(srv.Close)
	return srv, &fetches
}

// startScheduling runs scheduling in process on conn, recording its
// approvals with publishing's endpoint (the default).
func startScheduling(t testing.TB, conn *bus.Conn) *scheduling.Service {
	t.Helper()
	log := testkit.Logger(t)
	router, err := bus.NewRouter(conn, log, nil)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := scheduling.New(scheduling.Config{Consumer: "scheduling", LateAfter: time.Minute, Horizon: 366 * 24 * time.Hour, DefaultZone: "Europe/Paris", RecycleEvery: time.Hour},
		scheduling.Deps{Router: router, Logger: log, NATS: conn.NC, JS: conn.JS, Replicas: 1})
	if err != nil {
		t.Fatal(err)
	}
	runRouted(t, router, svc.Run)
	return svc
}

// mediaOf is the sandbox's media attached to item id.
func mediaOf(rep sandbox.ReceivedReport, id string) []sandbox.Media {
	var out []sandbox.Media
	for _, m := range rep.Media {
		if m.AttachedTo == id {
			out = append(out, m)
		}
	}
	return out
}

// TestScheduledPostWithMediaAndFirstComment: a post written, approved and
// scheduled in scheduling reaches the sandbox through publishing with its
// image (alt text as the description) and, as a reply to it, its first
// comment — each once, also when the request is delivered again; a
// network publishing cannot upload media to refuses the variant, saying
// why, and the post is partially published.
func TestScheduledPostWithMediaAndFirstComment(t *testing.T) {
	conn := testkit.NATS(t)
	sb := startSandbox(t, nil)
	origin, fetches := mediaOrigin(t)
	cfg := testPublishingConfig()
	cfg.MediaOrigins, cfg.MediaAllowLocal = []string{origin.URL}, true
	p := startPublishing(t, conn, cfg)
	p.account(t, "sandbox", "sandbox", sb.url)
	// An X account whose app may not upload media: X refuses the upload.
	xapi := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusForbidden)
		_, _ = io.WriteString(w, `{"title":"Forbidden","type":"about:blank","status":403,"detail":"You are not permitted to perform this action."}`)
	}))
	defer xapi.Close()
	p.account(t, "x", "x", xapi.URL)
	sched := startScheduling(t, conn)
	ctx := context.Background()

	text, comment, alt := "Le menu d'hiver arrive lundi ☕", "Réservations ouvertes dès aujourd'hui", "L'ardoise du menu d'hiver"
	img := query.PostMedia{URL: origin.URL + "/menu.png", Kind: "image", AltText: alt}
	post, err := sched.Create(ctx, query.CreatePostRequest{Brand: pubBrand, By: "lea", PostContent: query.PostContent{Variants: []query.PostVariant{
		{Network: "sandbox", Text: text, Lang: "fr", Media: []query.PostMedia{img}, FirstComment: comment},
		{Network: "x", Text: "Menu d'hiver lundi", Media: []query.PostMedia{img}},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	act := func(by, role string) query.PostActionRequest {
		return query.PostActionRequest{PostRef: query.PostRef{Brand: pubBrand, ID: post.ID}, Revision: post.Revision, By: by, Role: role}
	}
	if post, err = sched.Submit(ctx, act("lea", "")); err != nil {
		t.Fatal(err)
	}
	// The approval is recorded with publishing through its endpoint.
	if post, err = sched.Approve(ctx, act("lea", "manager")); err != nil || post.State != postv1.StateApproved {
		t.Fatalf("approve: %s %v", post.State, err)
	}
	if post, err = sched.Schedule(ctx, query.SchedulePostRequest{PostRef: query.PostRef{Brand: pubBrand, ID: post.ID}, Revision: post.Revision, By: "lea",
		Wall: time.Now().Add(time.Second).UTC().Format("2006-01-02T15:04:05"), Zone: "UTC"}); err != nil {
		t.Fatal(err)
	}

	var rid string
	deadline := time.Now().Add(30 * time.Second)
	for rid == "" && time.Now().Before(deadline) {
		if cur, err := sched.Get(ctx, query.PostRef{Brand: pubBrand, ID: post.ID}); err == nil && cur.RequestID != "" {
			rid = cur.RequestID
		}
		time.Sleep(50 * time.Millisecond)
	}
	if rid == "" {
		t.Fatal("the post was not released")
	}
	pub := p.settled(t, rid)
	var postID string
	for _, tg := range pub.Targets {
		switch tg.Network {
		case "sandbox":
			if tg.State != "published" {
				t.Fatalf("sandbox target: %+v", tg)
			}
			postID = tg.PlatformID
		case "x":
			if tg.State != "failed" || tg.Retryable || tg.Code != "Forbidden" || tg.Reason != "You are not permitted to perform this action." {
				t.Fatalf("x target: %+v, want X's permanent refusal of its media", tg)
			}
		}
	}
	if pub.State != query.PublicationPartial {
		t.Fatalf("publication %+v, want partially published", pub)
	}
	// The first comment is its own ledger entry, a reply to the post.
	cpub := p.settled(t, rid+"#first-comment")
	if cpub.State != query.PublicationPublished || len(cpub.Targets) != 1 {
		t.Fatalf("first comment: %+v", cpub)
	}
	reply, ok := sb.Item(cpub.Targets[0].PlatformID)
	if !ok || reply.InReplyToID != postID || reply.Text != comment {
		t.Fatalf("first comment on the network: %+v (found %v), want a reply to %s", reply, ok, postID)
	}
	check := func(when string) {
		t.Helper()
		rep := sb.Received()
		if rep.PostsByText[text] != 1 || rep.PostsByText[comment] != 1 {
			t.Fatalf("%s: post %d times, first comment %d times, want 1 and 1", when, rep.PostsByText[text], rep.PostsByText[comment])
		}
		if len(rep.Media) != 1 {
			t.Fatalf("%s: %d media uploaded, want 1: %+v", when, len(rep.Media), rep.Media)
		}
		if m := mediaOf(rep, postID); len(m) != 1 || m[0].Description != alt || m[0].Type != "image/png" {
			t.Fatalf("%s: media of the post %+v", when, m)
		}
	}
	check("published")
	if n := fetches.Load(); n != 2 {
		t.Fatalf("the media was fetched %d times, want 2 (once for each network)", n)
	}
	// Scheduling's view follows: partially published.
	deadline = time.Now().Add(20 * time.Second)
	for {
		cur, _ := sched.Get(ctx, query.PostRef{Brand: pubBrand, ID: post.ID})
		if cur.State == postv1.StatePartiallyPublished {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("post state %s, want partially published", cur.State)
		}
		time.Sleep(50 * time.Millisecond)
	}

	// The same request delivered again sends nothing more.
	cur, _ := sched.Get(ctx, query.PostRef{Brand: pubBrand, ID: post.ID})
	r := publishv1.Requested{ID: rid, Kind: publishv1.KindPost, RequestedBy: scheduling.System, ApprovalID: cur.ApprovalID}
	for _, v := range cur.Variants {
		r.Variants = append(r.Variants, scheduling.SentVariant(v))
	}
	p.request(t, r)
	time.Sleep(500 * time.Millisecond) // nothing to wait for: nothing must happen
	p.settled(t, rid)
	check("delivered again")
}

// TestMediaUploadedOnceAcrossRetries: the post call fails after its media
// was uploaded (a 503 whose answer may hide a post): the retry asks the
// network, finds nothing, and sends the post with the media reference
// recorded in the ledger — the media is uploaded once.
func TestMediaUploadedOnceAcrossRetries(t *testing.T) {
	conn := testkit.NATS(t)
	var failed atomic.Bool
	sb := startSandbox(t, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost && r.URL.Path == "/api/v1/posts" && failed.CompareAndSwap(false, true) {
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("Retry-After", "0")
				w.WriteHeader(http.StatusServiceUnavailable)
				_, _ = w.Write([]byte(`{"error":"overloaded","code":"unavailable"}`))
				return
			}
			next.ServeHTTP(w, r)
		})
	})
	origin, fetches := mediaOrigin(t)
	cfg := testPublishingConfig()
	cfg.MediaOrigins, cfg.MediaAllowLocal = []string{origin.URL}, true
	p := startPublishing(t, conn, cfg)
	p.account(t, "sandbox", "sandbox", sb.url)
	v := publishv1.Variant{Network: "sandbox", Text: "Deux essais, une image", Media: []publishv1.Media{{URL: origin.URL + "/menu.png", Kind: "image", AltText: "Une ardoise"}}}
	approveVariant(t, p, "ap-media-retry", v)
	p.request(t, publishv1.Requested{ID: "media-retry", Kind: publishv1.KindPost, ApprovalID: "ap-media-retry", Variants: []publishv1.Variant{v}})
	pub := p.settled(t, "media-retry")
	if pub.State != query.PublicationPublished || pub.Targets[0].Attempts != 2 || !failed.Load() {
		t.Fatalf("publication %+v, want published at the second attempt", pub)
	}
	rep := sb.Received()
	if len(rep.Media) != 1 || rep.Media[0].AttachedTo != pub.Targets[0].PlatformID || rep.PostsByText[v.Text] != 1 || fetches.Load() != 1 {
		t.Fatalf("media %+v, posts %d, fetches %d: want one of each", rep.Media, rep.PostsByText[v.Text], fetches.Load())
	}

	// Media changed after the approval (another alt text): refused.
	tampered := v
	tampered.Text = "Une autre image"
	approveVariant(t, p, "ap-media-tamper", tampered)
	tampered.Media = []publishv1.Media{{URL: origin.URL + "/menu.png", Kind: "image", AltText: "Autre chose"}}
	p.request(t, publishv1.Requested{ID: "media-tamper", Kind: publishv1.KindPost, ApprovalID: "ap-media-tamper", Variants: []publishv1.Variant{tampered}})
	if pub := p.settled(t, "media-tamper"); pub.State != query.PublicationFailed || pub.Targets[0].Code != publishing.CodeNotApproved {
		t.Fatalf("tampered media: %+v, want refused as not approved", pub)
	}
	if n := len(sb.Received().Media); n != 1 {
		t.Fatalf("%d media uploaded, want still 1", n)
	}
}

// approveVariant records an approval of exactly v with publishing.
func approveVariant(t testing.TB, p *publisher, id string, v publishv1.Variant) {
	t.Helper()
	ap := publishv1.Approval{ID: id, Brand: pubBrand, Kind: publishv1.KindPost, ApprovedBy: "user:lea", ApprovedAt: time.Now().UTC(),
		ContentHashes: []string{publishv1.VariantHash(v)}}
	if _, err := rpc.Ask(context.Background(), p.client, query.PutApproval, query.PutApprovalRequest{Approval: ap}); err != nil {
		t.Fatalf("approve: %v", err)
	}
}
