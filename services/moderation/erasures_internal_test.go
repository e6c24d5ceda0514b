package moderation

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/bus"
	"github.com/ruche-project/ruche/pkg/testkit"
	"github.com/ruche-project/ruche/services/moderation/crisis"
)

// TestCrisisEvidenceErasure: an erased author's samples leave the crisis
// records and the detector's state (memory and KV); other samples stay.
func TestCrisisEvidenceErasure(t *testing.T) {
	conn := testkit.NATS(t)
	ctx := context.Background()
	pub, _ := bus.NewPublisher(conn.JS)
	at := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	c, err := openCrisisTracker(ctx, conn.JS, 1, pub, BuiltinPolicies{}, testkit.Logger(t), func() time.Time { return at })
	if err != nil {
		t.Fatal(err)
	}
	samples := []crisis.Sample{{ID: "m:erased", At: at, Text: "Je m'appelle Priya, rue des Lilas"}, {ID: "m:kept", At: at, Text: "Scandale"}}
	st := crisis.State{Open: &crisis.Open{Samples: samples}, Pending: map[int64]*crisis.Bucket{at.Unix(): {Volume: 2, Samples: samples}}}
	body, _ := json.Marshal(st)
	if _, err := c.kv.Put(ctx, "demo", body); err != nil {
		t.Fatal(err)
	}
	rec := query.Crisis{ID: "crisis:demo:1", Brand: "demo", OpenedAt: at, Samples: []query.CrisisSample{{InteractionID: "m:erased", Text: "Priya"}, {InteractionID: "m:kept"}}}
	if err := c.putRecord(ctx, rec); err != nil {
		t.Fatal(err)
	}
	other := query.Crisis{ID: "crisis:cafe:1", Brand: "cafe", OpenedAt: at, Samples: []query.CrisisSample{{InteractionID: "m:erased"}}}
	if err := c.putRecord(ctx, other); err != nil {
		t.Fatal(err)
	}
	c.pending["demo"] = map[int64]*crisis.Bucket{at.Unix(): {Volume: 1, Samples: []crisis.Sample{samples[0]}}}

	n, err := c.erase(ctx, "demo", []string{"m:erased"})
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Fatalf("dropped %d, want 3 (memory, state, record)", n)
	}
	list, err := c.list(ctx, query.ListCrisesRequest{Brand: "demo"})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Crises) != 1 || len(list.Crises[0].Samples) != 1 || list.Crises[0].Samples[0].InteractionID != "m:kept" {
		t.Fatalf("record after erasure: %+v", list.Crises)
	}
	e, _ := c.kv.Get(ctx, "demo")
	var got crisis.State
	_ = json.Unmarshal(e.Value(), &got)
	if len(got.Open.Samples) != 1 || len(got.Pending[at.Unix()].Samples) != 1 || got.Pending[at.Unix()].Samples[0].ID != "m:kept" {
		t.Fatalf("state after erasure: %+v", got)
	}
	if len(c.pending["demo"][at.Unix()].Samples) != 0 {
		t.Fatal("the replica's unflushed sample was kept")
	}
	cafe, _ := c.list(ctx, query.ListCrisesRequest{Brand: "cafe"})
	if len(cafe.Crises[0].Samples) != 1 {
		t.Fatal("another brand's crisis was touched")
	}
	if n, err := c.erase(ctx, "demo", []string{"m:erased"}); err != nil || n != 0 {
		t.Fatalf("erasing again = %d, %v; want nothing to do", n, err)
	}
}
