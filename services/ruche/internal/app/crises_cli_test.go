package app

import (
	"strings"
	"testing"
	"time"

	query "github.com/ruche-project/ruche/events/query/v1"
)

func TestPrintCrises(t *testing.T) {
	var none strings.Builder
	printCrises(&none, query.ListCrisesResponse{Brand: "demo"})
	if none.String() != "brand demo: no crisis\n" {
		t.Fatalf("%q", none.String())
	}
	opened := time.Date(2026, 12, 7, 9, 12, 0, 0, time.UTC)
	resolved := opened.Add(9 * time.Minute)
	c := query.Crisis{ID: "crisis:demo:1796634720", Brand: "demo", Status: query.CrisisResolved, Trigger: query.TriggerVolume,
		OpenedAt: opened, ResolvedAt: &resolved, Volume: 132, NegativeShare: 0.52, BaselineVolume: 24.3, BaselineNegativeShare: 0.18,
		PeakVolume: 150, TotalVolume: 537, TotalNegative: 328, TopTerms: []string{"abonnement", "resilie"}}
	for i := range 5 {
		c.Samples = append(c.Samples, query.CrisisSample{InteractionID: "sandbox:" + string(rune('1'+i)), Text: "Abonnement résilié sans prévenir"})
	}
	var out strings.Builder
	printCrises(&out, query.ListCrisesResponse{Brand: "demo", Crises: []query.Crisis{c}})
	for _, want := range []string{"crisis:demo:1796634720  RESOLVED  opened 2026-12-07 09:12, resolved 2026-12-07 09:21",
		"132 interactions, 52 % negative (usual 24.3, 18 %)", "537 interactions, 328 negative, peak 150", "abonnement, resilie",
		"- sandbox:1: Abonnement résilié sans prévenir", "… 2 more samples (--json)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
