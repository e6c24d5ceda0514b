package gateway_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ruche-project/ruche/events"
	privacyv1 "github.com/ruche-project/ruche/events/privacy/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/testkit"
	"github.com/ruche-project/ruche/services/gateway"
)

// lastErasure reads the last erasure request published, if any.
func lastErasure(t *testing.T, js jetstream.JetStream) (privacyv1.ErasureRequested, bool) {
	t.Helper()
	stream, err := js.Stream(context.Background(), events.StreamName(events.DomainPrivacy))
	if err != nil {
		t.Fatal(err)
	}
	msg, err := stream.GetLastMsgForSubject(context.Background(), events.AllBrands(privacyv1.ErasureRequested{}))
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return privacyv1.ErasureRequested{}, false
	}
	if err != nil {
		t.Fatal(err)
	}
	var e privacyv1.ErasureRequested
	if err := json.Unmarshal(msg.Data, &e); err != nil {
		t.Fatal(err)
	}
	return e, true
}

func TestPrivacyAPI(t *testing.T) {
	conn := testkit.NATS(t)
	held := query.PersonData{Network: "mastodon", AuthorID: "109", Interactions: []query.PersonInteraction{
		{Interaction: query.Interaction{ID: "mastodon:7", Brand: "demo", Network: "mastodon", AuthorID: "109", Text: "Bonjour"}}}}
	gw, si := newGatewayOn(t, conn, map[string]func(json.RawMessage) (any, string){
		query.ExportPerson.Subject(): func(raw json.RawMessage) (any, string) {
			var req query.PersonRequest
			_ = json.Unmarshal(raw, &req)
			if req.AuthorID == "boom" {
				return "analytics is down", query.CodeUnavailable
			}
			return held, ""
		},
		query.ExportPersonDrafts.Subject(): canned(query.PersonDrafts{Drafts: []query.Draft{{Status: query.DraftPending}}, Interactions: []query.PersonDraftSource{}}),
	})
	t.Run("refusals_change_nothing", func(t *testing.T) {
		for _, tc := range []struct {
			name, body, brand string
			status            int
			contains          string
		}{
			{"author_is_required", `{"network":"mastodon"}`, "demo", 400, `"field":"author_id"`},
			{"network_is_required", `{"author_id":"109"}`, "demo", 400, `"field":"network"`},
			{"unknown_fields_are_refused", `{"network":"mastodon","author_id":"109","everything":true}`, "demo", 400, "unknown field"},
			{"another_brand_is_403", `{"network":"mastodon","author_id":"109"}`, "cafe", 403, "forbidden"},
			{"analytics_down_is_503", `{"network":"mastodon","author_id":"boom"}`, "demo", 503, "unavailable"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if rec := do(t, gw, "POST", "/api/v1/privacy/erasures?brand="+tc.brand, tc.body); rec.Code != tc.status || !strings.Contains(rec.Body.String(), tc.contains) {
					t.Fatalf("= %d %s", rec.Code, rec.Body)
				}
			})
		}
		if e, ok := lastErasure(t, conn.JS); ok {
			t.Fatalf("a refused request was published: %+v", e)
		}
	})

	rec := do(t, gw, "POST", "/api/v1/privacy/erasures?brand=demo", `{"network":"mastodon","author_id":"109","reason":"demande art. 17"}`)
	if rec.Code != 202 {
		t.Fatalf("erase = %d %s", rec.Code, rec.Body)
	}
	var accepted gateway.ErasureAccepted
	_ = json.Unmarshal(rec.Body.Bytes(), &accepted)
	e, ok := lastErasure(t, conn.JS)
	if !ok || e.ID != accepted.ID || e.Validate() != nil || e.AuthorID != "109" || e.RequestedBy == "" || e.Reason != "demande art. 17" ||
		len(e.InteractionIDs) != 1 || e.InteractionIDs[0] != "mastodon:7" || accepted.Pseudonym != privacyv1.Pseudonym("demo", "mastodon", "109") {
		t.Fatalf("published %+v for %+v", e, accepted)
	}

	rec = do(t, gw, "GET", "/api/v1/privacy/export?brand=demo&network=mastodon&author_id=109", "")
	if rec.Code != 200 || !strings.Contains(rec.Header().Get("Content-Disposition"), `attachment; filename="ruche-export-demo-`) {
		t.Fatalf("export = %d %v %s", rec.Code, rec.Header(), rec.Body)
	}
	var export gateway.PersonExport
	if err := json.Unmarshal(rec.Body.Bytes(), &export); err != nil {
		t.Fatal(err)
	}
	if export.Format != gateway.PersonExportFormat || len(export.Analytics.Interactions) != 1 || len(export.Drafting.Drafts) != 1 {
		t.Fatalf("export = %+v", export)
	}
	// The erasure request is in the audit log, and mentions the author.
	found := false
	for _, r := range export.Audit {
		found = found || (r.Action == "privacy.erase" && r.Status == 202)
	}
	if !found {
		t.Fatalf("the export's audit mentions lack the erasure: %+v", export.Audit)
	}
	var drafts query.PersonDraftsRequest
	si.last(t, query.ExportPersonDrafts.Subject(), &drafts)
	if drafts.Brand != "demo" || len(drafts.InteractionIDs) != 1 || drafts.InteractionIDs[0] != "mastodon:7" {
		t.Fatalf("drafting was asked %+v", drafts)
	}
	t.Run("the_export_is_audited", func(t *testing.T) {
		rec := do(t, gw, "GET", "/api/v1/audit?brand=demo&action=privacy.export", "")
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"author_id=109`) && !strings.Contains(rec.Body.String(), `author_id=109`) {
			t.Fatalf("audit = %d %s", rec.Code, rec.Body)
		}
	})
	t.Run("export_needs_the_author", func(t *testing.T) {
		if rec := do(t, gw, "GET", "/api/v1/privacy/export?brand=demo&network=mastodon", ""); rec.Code != 400 || !strings.Contains(rec.Body.String(), `"field":"author_id"`) {
			t.Fatalf("= %d %s", rec.Code, rec.Body)
		}
	})
}
