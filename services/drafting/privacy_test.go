package drafting_test

import (
	"errors"
	"testing"
	"time"

	interactionv1 "github.com/ruche-project/ruche/events/interaction/v1"
	privacyv1 "github.com/ruche-project/ruche/events/privacy/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/rpc"
)

// TestErasure: an erasure request purges the drafts of the author's
// interactions and what drafting kept of them; replays of the author's
// interaction and of its moderation afterwards draft nothing again.
func TestErasure(t *testing.T) {
	h := start(t, nil)
	h.arrive(t, "mastodon:2001", "Bonjour, quels sont vos délais de livraison pour Lyon ?", "fr", "question")
	h.draftOf(t, "mastodon:2001")
	got := ask(t, h, query.ExportPersonDrafts, query.PersonDraftsRequest{Brand: "cafe", InteractionIDs: []string{"mastodon:2001", "mastodon:2001"}})
	if len(got.Drafts) != 1 || len(got.Interactions) != 1 || got.Interactions[0].Author != "Léa Martin" {
		t.Fatalf("export = %+v", got)
	}

	// The request names no interaction: drafting finds the author's own.
	at := time.Now()
	req := privacyv1.ErasureRequested{ID: privacyv1.ErasureID("cafe", "mastodon", "1", at), Brand: "cafe", Network: "mastodon",
		AuthorID: "1", Pseudonym: privacyv1.Pseudonym("cafe", "mastodon", "1"), RequestedBy: "u-1", RequestedAt: at}
	h.publish(t, req, req.ID)
	eventually(t, "the erasure", func() bool {
		out := ask(t, h, query.ExportPersonDrafts, query.PersonDraftsRequest{Brand: "cafe", InteractionIDs: []string{"mastodon:2001"}})
		return len(out.Drafts) == 0 && len(out.Interactions) == 0
	})
	if _, err := rpcAsk(h, query.GetDraft, query.DraftRef{Brand: "cafe", InteractionID: "mastodon:2001"}); !isCode(err, query.CodeNotFound) {
		t.Fatalf("the erased draft: %v", err)
	}

	// A replay (new message ids: past the bus's window) drafts nothing.
	h.mu.Lock()
	before := len(h.drafts)
	h.mu.Unlock()
	r := interactionv1.Received{ID: "mastodon:2001", Brand: "cafe", Network: "mastodon", Kind: interactionv1.KindComment, PlatformID: "2001",
		Author: interactionv1.Author{ID: "1", DisplayName: "Léa Martin"}, Text: "Bonjour, quels sont vos délais ?", Lang: "fr",
		CreatedAt: at.Add(-time.Minute), ReceivedAt: at.Add(-time.Minute), Source: interactionv1.SourcePoll}
	h.publish(t, r, "replay-1")
	m := interactionv1.Moderated{ID: interactionv1.ModeratedID(r.ID, 0), InteractionID: r.ID, Brand: "cafe", Network: "mastodon",
		Labels: []string{"lang:fr", "intent:question"}, Verdict: interactionv1.VerdictAllow, Actions: []string{"needs_reply"}, ModeratedAt: at}
	h.publish(t, m, "replay-2")
	// A later interaction (written after the request) is drafted: the replays were
	// handled before it (one consumer per event type, in order).
	h.arrive(t, "mastodon:2002", "Puis-je retourner un produit ?", "fr", "question")
	h.draftOf(t, "mastodon:2002")
	time.Sleep(200 * time.Millisecond)
	h.mu.Lock()
	after := len(h.drafts)
	h.mu.Unlock()
	if after != before+1 {
		t.Fatalf("%d drafts written after the erasure, want only the other author's", after-before)
	}
	if _, err := rpcAsk(h, query.RequestDraft, query.RequestDraftRequest{DraftRef: query.DraftRef{Brand: "cafe", InteractionID: "mastodon:2001"}, RequestedBy: "u-2"}); !isCode(err, query.CodeNotFound) {
		t.Fatalf("a draft asked for an erased interaction: %v", err)
	}
}

func isCode(err error, code string) bool {
	var e *rpc.Error
	return errors.As(err, &e) && e.Code == code
}
