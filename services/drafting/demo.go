package drafting

import (
	"context"
	_ "embed"
	"strings"

	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/services/drafting/knowledge"
	"github.com/ruche-project/ruche/services/drafting/voice"
)

var (
	//go:embed demo/kb_fr.md
	demoKBFR string
	//go:embed demo/kb_en.csv
	demoKBEN string
)

// SeedDemo gives brand the demo knowledge base (answers to the sandbox
// network's questions, French and English) and a voice profile, unless it
// has its own: `ruche up` drafts with citations from the first minute.
func (s *Service) SeedDemo(ctx context.Context, brand string) error {
	settings, err := s.brands.Settings(ctx, brand)
	if err != nil || settings.KBVersion > 0 {
		return err
	}
	fr, err := knowledge.ImportMarkdown(demoKBFR, "fr")
	if err != nil {
		return err
	}
	en, err := knowledge.ImportCSV(strings.NewReader(demoKBEN), "en")
	if err != nil {
		return err
	}
	var entries []query.KnowledgeEntry
	for _, e := range append(fr, en...) {
		entries = append(entries, query.KnowledgeEntry(e))
	}
	if err := s.brands.PutKnowledge(ctx, query.PutKnowledgeRequest{Brand: brand, Entries: entries}); err != nil {
		return err
	}
	if settings.VoiceVersion > 0 {
		return nil
	}
	v := voice.Default()
	v.Signature = map[string]string{"fr": "— L'équipe service client", "en": "— The customer care team"}
	v.Avoid = []string{"pas de souci", "no worries"}
	return s.brands.PutVoice(ctx, query.PutVoiceRequest{Brand: brand, Voice: v})
}
