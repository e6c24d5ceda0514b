package main_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ruche-project/ruche/events"
	privacyv1 "github.com/ruche-project/ruche/events/privacy/v1"
	publishv1 "github.com/ruche-project/ruche/events/publish/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/rpc"
	"github.com/ruche-project/ruche/pkg/testkit"
	"github.com/ruche-project/ruche/services/ingest/sandbox"
	"github.com/ruche-project/ruche/services/publishing"
)

// TestErasureReachesPublishing erases a person publishing replied to: the
// replies' texts leave the ledger (every revision) and become unreadable
// in the append-only audit, a reply to them not yet sent is not sent, a
// later one is refused; replies to someone else are untouched.
func TestErasureReachesPublishing(t *testing.T) {
	conn := testkit.NATS(t)
	sb := startSandbox(t, nil)
	p := startPublishing(t, conn, testPublishingConfig())
	p.account(t, "sandbox", "sandbox", sb.url)
	a, b, other := "sandbox:"+sb.comment(t), "sandbox:"+sb.comment(t), "sandbox:"+sb.comment(t)
	reply := func(id, interaction, text string) {
		t.Helper()
		p.approve(t, "ap-"+id, publishv1.KindReply, text)
		p.request(t, publishv1.Requested{ID: id, Kind: publishv1.KindReply, InteractionID: interaction, Text: text, Lang: "fr", ApprovalID: "ap-" + id})
	}
	const sent, waiting, kept = "Merci Jeanne Dupont, votre table est prête", "Jeanne, on vous rappelle au 06 12 34 56 78", "Merci Paul !"
	reply("r-sent", a, sent)
	reply("r-kept", other, kept)
	for _, id := range []string{"r-sent", "r-kept"} {
		if pub := p.settled(t, id); pub.State != query.PublicationPublished {
			t.Fatalf("%s: %+v", id, pub)
		}
	}
	// A reply waiting for a rate limit's reset when the erasure comes.
	if err := sb.SetFault(sandbox.Fault{Mode: sandbox.FaultRateLimited, RetryAfterSeconds: 3600}); err != nil {
		t.Fatal(err)
	}
	reply("r-waiting", b, waiting)
	waitFor(t, "the reply waiting for its retry", func() bool {
		pub, err := rpc.Ask(context.Background(), p.client, query.GetPublication, query.PublicationRef{Brand: pubBrand, RequestID: "r-waiting"})
		return err == nil && len(pub.Targets) == 1 && pub.Targets[0].State == "failed" && pub.Targets[0].Retryable
	})
	sb.ClearFault()

	at := time.Now().UTC()
	er := privacyv1.ErasureRequested{ID: privacyv1.ErasureID(pubBrand, "sandbox", "jeanne", at), Brand: pubBrand, Network: "sandbox", AuthorID: "jeanne",
		Pseudonym: privacyv1.Pseudonym(pubBrand, "sandbox", "jeanne"), InteractionIDs: []string{a, b}, RequestedBy: "user:dpo", RequestedAt: at}
	env, err := events.NewEnvelope(er, er.ID, er.Brand, at)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.pub.PublishEvent(context.Background(), er, env); err != nil {
		t.Fatal(err)
	}
	if pub := p.settled(t, "r-waiting"); pub.State != query.PublicationFailed || pub.Targets[0].Code != publishing.CodeErased {
		t.Fatalf("the waiting reply: %+v", pub)
	}
	// A reply to the erased person asked later is refused.
	reply("r-later", a, "Jeanne, encore merci")
	if pub := p.settled(t, "r-later"); pub.State != query.PublicationFailed || pub.Targets[0].Code != publishing.CodeErased {
		t.Fatalf("a later reply: %+v", pub)
	}
	rec := sb.Received()
	if rec.PostsByText[sent] != 1 || rec.PostsByText[waiting] != 0 || rec.PostsByText["Jeanne, encore merci"] != 0 {
		t.Fatalf("on the sandbox: %v", rec.PostsByText)
	}

	// The ledger: no revision of the erased replies holds their text.
	ctx := context.Background()
	kv, err := conn.JS.KeyValue(ctx, publishing.LedgerBucket)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the ledger erased", func() bool {
		return !ledgerHolds(t, kv, sent) && !ledgerHolds(t, kv, waiting)
	})
	if !ledgerHolds(t, kv, kept) {
		t.Fatal("the reply to someone else lost its text")
	}
	// The audit: entries stay, the erased texts cannot be read, in the API
	// or in the stream.
	var erased, keptSeen int
	for _, e := range p.audit(t) {
		switch e.RequestID {
		case "r-sent", "r-waiting", "r-later":
			if e.Text != "" {
				t.Fatalf("audit %s %s shows %q", e.RequestID, e.Action, e.Text)
			}
			if e.Erased {
				erased++
			}
		case "r-kept":
			if e.Text == kept {
				keptSeen++
			}
		}
	}
	if erased == 0 || keptSeen == 0 {
		t.Fatalf("audit: %d erased entries, %d readable entries of the other reply", erased, keptSeen)
	}
	for _, m := range storedMsgs(t, conn.JS, publishing.AuditStream, ">") {
		for _, s := range []string{sent, waiting, "Jeanne, encore merci", kept} {
			if bytes.Contains(m.Data(), []byte(s)) {
				t.Fatalf("the audit stream holds %q in clear", s)
			}
		}
	}
}

// ledgerHolds says whether any revision of any ledger entry holds s.
func ledgerHolds(t *testing.T, kv jetstream.KeyValue, s string) bool {
	t.Helper()
	ctx := context.Background()
	lister, err := kv.ListKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range lister.Keys() {
		keys = append(keys, k)
	}
	for _, k := range keys {
		hist, err := kv.History(ctx, k)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range hist {
			var v map[string]any
			_ = json.Unmarshal(e.Value(), &v)
			if v["text"] == s || v["sent_text"] == s {
				return true
			}
		}
	}
	return false
}
