package drafting_test

import (
	"context"
	"strings"
	"testing"
	"time"

	draftv1 "github.com/ruche-project/ruche/events/draft/v1"
	publishv1 "github.com/ruche-project/ruche/events/publish/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/modelfake"
	"github.com/ruche-project/ruche/services/drafting"
)

func TestDrafting(t *testing.T) {
	t.Run("offline_question_cites_the_kb_entry", func(t *testing.T) {
		h := start(t, nil)
		h.arrive(t, "mastodon:1001", "Bonjour, quels sont vos délais de livraison pour Lyon ?", "fr", "question")
		d := h.draftOf(t, "mastodon:1001")
		if d.Drafter != draftv1.DrafterOffline || len(d.Citations) != 1 || d.Citations[0].EntryID != "livraison-delais" || d.Flagged {
			t.Fatalf("draft = %+v", d)
		}
		if !strings.Contains(d.Text, "48 h ouvrées") || !strings.Contains(d.Text, "Léa") {
			t.Fatalf("text = %q", d.Text)
		}
	})
	t.Run("model_429_retried_after_retry_after", func(t *testing.T) {
		h := start(t, &modelfake.Server{})
		h.fake.Script(modelfake.Fault{Status: 429, RetryAfter: "3"}, modelfake.Fault{Status: 500})
		h.arrive(t, "mastodon:1002", "Puis-je retourner un produit acheté la semaine dernière ?", "fr", "question")
		d := h.draftOf(t, "mastodon:1002")
		if d.Drafter != "model:fake-1" || len(d.Citations) != 1 || d.Citations[0].EntryID != "retours" || d.Flagged {
			t.Fatalf("draft = %+v", d)
		}
		h.mu.Lock()
		defer h.mu.Unlock()
		if len(h.sleeps) != 2 || h.sleeps[0].Seconds() != 3 || h.fake.Requests() != 3 {
			t.Fatalf("waits %v over %d requests, want 3s first then a backoff, 3 requests", h.sleeps, h.fake.Requests())
		}
		s := ask(t, h, query.GetBrandSettings, query.BrandRef{Brand: "cafe"})
		if s.TokensUsed == 0 {
			t.Fatal("usage not metered")
		}
	})
	t.Run("slow_model_past_the_budget_falls_back_offline", func(t *testing.T) {
		h := start(t, &modelfake.Server{})
		h.fake.Script(modelfake.Fault{Delay: 10 * time.Second}, modelfake.Fault{Delay: 10 * time.Second})
		h.arrive(t, "mastodon:1007", "Quels sont vos délais de livraison ?", "fr", "question")
		d := h.draftOf(t, "mastodon:1007")
		if d.Drafter != draftv1.DrafterOffline || !strings.Contains(d.Note, "model unavailable") || len(d.Citations) != 1 {
			t.Fatalf("draft = %+v", d)
		}
	})
	t.Run("budget_exhausted_falls_back_offline", func(t *testing.T) {
		h := start(t, &modelfake.Server{})
		ask(t, h, query.PutModel, query.PutModelRequest{Brand: "cafe", BaseURL: "https://llm.example.invalid/v1", Model: "m", APIKey: "sk-secret", TokenBudget: 0})
		h.arrive(t, "mastodon:1003", "Quels sont vos délais de livraison ?", "fr", "question")
		d := h.draftOf(t, "mastodon:1003")
		if d.Drafter != draftv1.DrafterOffline || !strings.Contains(d.Note, "budget exhausted") || h.fake.Requests() != 0 {
			t.Fatalf("draft = %+v", d)
		}
		s := ask(t, h, query.GetBrandSettings, query.BrandRef{Brand: "cafe"})
		if !s.Model.HasKey || strings.Contains(s.Model.BaseURL, "sk-secret") {
			t.Fatalf("settings = %+v", s.Model)
		}
	})
	t.Run("approval_emits_the_reply_publish_request", func(t *testing.T) {
		h := start(t, nil)
		h.arrive(t, "mastodon:1004", "Quels sont vos délais de livraison ?", "fr", "question")
		d := h.draftOf(t, "mastodon:1004")
		ref := query.DraftRef{Brand: "cafe", InteractionID: d.InteractionID}
		edited := ask(t, h, query.EditDraft, query.EditDraftRequest{DraftRef: ref, BaseVersion: 1, Text: d.Text + " Merci !", EditedBy: "lea"})
		if edited.Current.Version != 2 || edited.EditDistance != len(" Merci !") {
			t.Fatalf("edit = %+v", edited)
		}
		if _, err := rpcAsk(h, query.ApproveDraft, query.ReviewDraftRequest{DraftRef: ref, Version: 1, By: "max"}); err == nil {
			t.Fatal("approved a stale version")
		}
		got := ask(t, h, query.ApproveDraft, query.ReviewDraftRequest{DraftRef: ref, Version: 2, By: "max"})
		if got.Status != query.DraftApproved || got.Approval == nil {
			t.Fatalf("approve = %+v", got)
		}
		ask(t, h, query.ApproveDraft, query.ReviewDraftRequest{DraftRef: ref, Version: 2, By: "max"}) // asked twice: one request
		var req publishv1.Requested
		eventually(t, "the publish request", func() bool {
			h.mu.Lock()
			defer h.mu.Unlock()
			if len(h.asks) > 0 && len(h.apprs) > 0 {
				req = h.asks[0]
				return true
			}
			return false
		})
		a := *got.Approval
		if req.Kind != publishv1.KindReply || req.Text != d.Text+" Merci !" || draftv1.ContentHash(req.Text) != a.ContentHash ||
			req.ApprovalID != a.ID || req.ID != a.PublishRequestID || a.KBEntries[0] != "livraison-delais" || a.KBVersion != 1 || a.DraftVersion != 2 || a.EditDistance != 8 {
			t.Fatalf("request %+v for approval %+v", req, a)
		}
		h.mu.Lock()
		n, rec := len(h.asks), h.recorded[req.ApprovalID]
		h.mu.Unlock()
		if n != 1 {
			t.Fatalf("%d publish requests", n)
		}
		// What publishing will check: the request's text is covered.
		if err := rec.Covers("cafe", publishv1.KindReply, req.Text); err != nil || req.Validate() != nil {
			t.Fatalf("publishing would refuse: %v, %v", err, req.Validate())
		}
		if err := rec.Covers("cafe", publishv1.KindReply, req.Text+"!"); err == nil {
			t.Fatal("an edited-after-approval text is covered")
		}
	})
	t.Run("four_eyes_needs_two_approvers", func(t *testing.T) {
		h := start(t, nil)
		s := ask(t, h, query.GetBrandSettings, query.BrandRef{Brand: "cafe"})
		v := s.Voice
		v.FourEyes = true
		ask(t, h, query.PutVoice, query.PutVoiceRequest{Brand: "cafe", BaseVersion: s.VoiceVersion, Voice: v})
		h.arrive(t, "mastodon:1005", "Quels sont vos délais de livraison ?", "fr", "question")
		d := h.draftOf(t, "mastodon:1005")
		ref := query.DraftRef{Brand: "cafe", InteractionID: d.InteractionID}
		if got := ask(t, h, query.ApproveDraft, query.ReviewDraftRequest{DraftRef: ref, Version: 1, By: "lea"}); got.Status != query.DraftAwaitingSecond {
			t.Fatalf("first approval: %s", got.Status)
		}
		if _, err := rpcAsk(h, query.ApproveDraft, query.ReviewDraftRequest{DraftRef: ref, Version: 1, By: "lea"}); err == nil {
			t.Fatal("the same approver counted twice")
		}
		got := ask(t, h, query.ApproveDraft, query.ReviewDraftRequest{DraftRef: ref, Version: 1, By: "max"})
		if got.Status != query.DraftApproved || len(got.Approval.Approvers) != 2 {
			t.Fatalf("second approval: %+v", got)
		}
	})
	t.Run("reject_needs_a_reason_and_regenerate_follows_an_instruction", func(t *testing.T) {
		h := start(t, nil)
		h.arrive(t, "mastodon:1006", "Quels sont vos délais de livraison ?", "fr", "question")
		d := h.draftOf(t, "mastodon:1006")
		ref := query.DraftRef{Brand: "cafe", InteractionID: d.InteractionID}
		if _, err := rpcAsk(h, query.RejectDraft, query.ReviewDraftRequest{DraftRef: ref, Version: 1, By: "lea"}); err == nil || !strings.Contains(err.Error(), "reason") {
			t.Fatalf("reject without reason: %v", err)
		}
		if got := ask(t, h, query.RejectDraft, query.ReviewDraftRequest{DraftRef: ref, Version: 1, By: "lea", Reason: "trop long"}); got.Status != query.DraftRejected {
			t.Fatalf("reject: %+v", got)
		}
		got := ask(t, h, query.RequestDraft, query.RequestDraftRequest{DraftRef: ref, Instruction: "plus court", RequestedBy: "lea"})
		if got.Current.Version != 2 || got.Status != query.DraftPending || got.Current.Instruction != "plus court" || len(got.Audit) != 3 {
			t.Fatalf("regenerate: %+v", got)
		}
		list := ask(t, h, query.ListDrafts, query.ListDraftsRequest{Brand: "cafe", Status: query.DraftPending})
		if len(list.Drafts) != 1 {
			t.Fatalf("list: %+v", list)
		}
	})
}

func TestSavedReplies(t *testing.T) {
	h := start(t, nil)
	s := ask(t, h, query.GetBrandSettings, query.BrandRef{Brand: "cafe"})
	ask(t, h, query.PutKnowledge, query.PutKnowledgeRequest{Brand: "cafe", BaseVersion: s.KBVersion, Format: "markdown", Lang: "fr", Content: kbMarkdown,
		SavedReplies: []query.SavedReply{
			{ID: "remboursement", Lang: "fr", Intent: "complaint", Keywords: []string{"remboursement"}, Text: "Bonjour {{author}}, le remboursement de la commande {{order}} est en cours. {{signature}}"},
			{ID: "colis-abime", Lang: "fr", Intent: "complaint", Keywords: []string{"cassé", "abîmé"}, Text: "Bonjour {{author}}, désolés pour ce colis abîmé : un nouvel envoi part aujourd'hui."},
			{ID: "refund", Lang: "en", Keywords: []string{"refund"}, Text: "Hello {{author}}, your refund is on its way."},
		}})
	got := ask(t, h, query.SearchSavedReplies, query.SearchSavedRepliesRequest{Brand: "cafe", Q: "colis ABIME", Lang: "fr"})
	if len(got.Replies) != 1 || got.Replies[0].ID != "colis-abime" {
		t.Fatalf("search = %+v", got)
	}
	if all := ask(t, h, query.SearchSavedReplies, query.SearchSavedRepliesRequest{Brand: "cafe"}); len(all.Replies) != 3 {
		t.Fatalf("list = %+v", all)
	}
	h.arrive(t, "mastodon:1100", "Où en est mon remboursement ? commande n° 784512", "fr", "complaint")
	d := h.draftOf(t, "mastodon:1100")
	if d.Text != "Bonjour Léa, le remboursement de la commande 784512 est en cours. — Café Lumière" || d.Flagged {
		t.Fatalf("draft = %+v", d)
	}
}

func TestSeedDemo(t *testing.T) {
	h := start(t, nil)
	if err := h.svc.SeedDemo(context.Background(), "demo"); err != nil {
		t.Fatal(err)
	}
	s := ask(t, h, query.GetBrandSettings, query.BrandRef{Brand: "demo"})
	if s.KBVersion != 1 || len(s.Knowledge) < 20 || s.VoiceVersion != 1 {
		t.Fatalf("settings = %+v", s)
	}
	if err := h.svc.SeedDemo(context.Background(), "demo"); err != nil {
		t.Fatal(err)
	}
	if s := ask(t, h, query.GetBrandSettings, query.BrandRef{Brand: "demo"}); s.KBVersion != 1 {
		t.Fatalf("seeded twice: version %d", s.KBVersion)
	}
	for text, want := range map[string]string{
		"Bjr, comment on résilie l'abonnement Essentiel ? Je ne trouve pas le bouton dans l'appli.": "resiliation-abonnement",
		"Are your pods compostable? Trying to cut down on waste at home 🌱":                          "compostable-pods",
	} {
		d, err := h.svc.Compose(context.Background(), drafting.Interaction{ID: "sandbox:1", Brand: "demo", Network: "sandbox", Text: text, Intent: "question"}, "")
		if err != nil || len(d.Citations) != 1 || d.Citations[0].EntryID != want || d.Flagged {
			t.Fatalf("%q: %+v, %v", text, d, err)
		}
	}
}
