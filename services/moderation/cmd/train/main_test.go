package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	casev1 "github.com/ruche-project/ruche/events/case/v1"
	"github.com/ruche-project/ruche/services/moderation/learned"
)

func TestReadCorrections(t *testing.T) {
	c := casev1.Corrected{InteractionID: "x:1", Brand: "demo", Moderator: "alice", Text: "Promo -70% sur shop-outlet.top", Add: []string{"spam"},
		Source: casev1.CorrectionExplicit, CorrectedAt: time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)}
	c.ID = casev1.CorrectedID(c.InteractionID, c.Text, c.Add, nil)
	line, _ := json.Marshal(c)
	dir := t.TempDir()
	good := filepath.Join(dir, "corrections.jsonl")
	if err := os.WriteFile(good, append(append(line, '\n'), '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	ex, err := readCorrections(good)
	if err != nil || len(ex) != 1 || ex[0].Label[learned.Spam] != 1 || ex[0].Label[learned.Toxic] != -1 || ex[0].Text != c.Text {
		t.Fatalf("examples %+v, %v", ex, err)
	}
	bad := filepath.Join(dir, "bad.jsonl")
	if err := os.WriteFile(bad, []byte(`{"text": "x", "add": ["pii:email"]}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := readCorrections(bad); err == nil || !strings.Contains(err.Error(), "bad.jsonl:1") {
		t.Fatalf("a correction of an unknown label: %v", err)
	}
}
