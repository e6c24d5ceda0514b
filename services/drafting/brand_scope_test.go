package drafting_test

import (
	"testing"

	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/rpc"
)

// TestDraftsStayInTheirBrand: a draft is reached only under its own
// brand; another brand naming the same interaction finds nothing and
// changes nothing.
func TestDraftsStayInTheirBrand(t *testing.T) {
	h := start(t, nil)
	h.arrive(t, "mastodon:3001", "Quels sont vos délais de livraison ?", "fr", "question")
	d := h.draftOf(t, "mastodon:3001")
	other := query.DraftRef{Brand: "bar", InteractionID: d.InteractionID}
	calls := map[string]func() error{
		"get": func() error { _, err := rpcAsk(h, query.GetDraft, other); return err },
		"edit": func() error {
			_, err := rpcAsk(h, query.EditDraft, query.EditDraftRequest{DraftRef: other, BaseVersion: 1, Text: "Pirated", EditedBy: "mallory"})
			return err
		},
		"approve": func() error {
			_, err := rpcAsk(h, query.ApproveDraft, query.ReviewDraftRequest{DraftRef: other, Version: 1, By: "mallory"})
			return err
		},
		"reject": func() error {
			_, err := rpcAsk(h, query.RejectDraft, query.ReviewDraftRequest{DraftRef: other, Version: 1, By: "mallory", Reason: "no"})
			return err
		},
		"regenerate": func() error {
			_, err := rpcAsk(h, query.RequestDraft, query.RequestDraftRequest{DraftRef: other, RequestedBy: "mallory"})
			return err
		},
	}
	for name, call := range calls {
		if e := rpc.AsError(call()); e == nil || e.Code != query.CodeNotFound {
			t.Errorf("%s under brand bar: %v, want not found", name, e)
		}
	}
	if list := ask(t, h, query.ListDrafts, query.ListDraftsRequest{Brand: "bar"}); len(list.Drafts) != 0 {
		t.Fatalf("brand bar lists %d drafts", len(list.Drafts))
	}
	got := ask(t, h, query.GetDraft, query.DraftRef{Brand: "cafe", InteractionID: d.InteractionID})
	if got.Current.Version != 1 || got.Status == query.DraftApproved || got.Status == query.DraftRejected {
		t.Fatalf("cafe's draft changed: %+v", got)
	}
}
