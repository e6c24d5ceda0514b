package app

import (
	"strings"
	"testing"
	"time"

	query "github.com/ruche-project/ruche/events/query/v1"
)

func TestPrintWebhooksAndDeliveries(t *testing.T) {
	var b strings.Builder
	printWebhooks(&b, []query.Webhook{{ID: "wh_1", URL: "https://crm.example.com/in", Events: []string{"draft.*", "crisis.detected"}, Active: true}})
	if !strings.Contains(b.String(), "wh_1  https://crm.example.com/in  draft.*,crisis.detected  true") {
		t.Fatalf("%q", b.String())
	}
	b.Reset()
	at := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	printDeliveries(&b, []query.WebhookDelivery{{ID: "whd_1", Event: "draft.approved", State: query.DeliveryPending, Attempts: 2, LastStatus: 503, CreatedAt: at, LastError: "the receiver answered 503"}})
	if !strings.Contains(b.String(), "whd_1     draft.approved  pending  2         503     2026-12-07 09:00:00  the receiver answered 503") {
		t.Fatalf("%q", b.String())
	}
	b.Reset()
	printDeliveries(&b, nil)
	if b.String() != "no delivery\n" {
		t.Fatalf("%q", b.String())
	}
}
