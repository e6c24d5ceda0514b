package main

import (
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"slices"

	"github.com/ruche-project/ruche/pkg/modelfake"
	"github.com/ruche-project/ruche/services/moderation/classify"
	"github.com/ruche-project/ruche/services/moderation/internal/evalset"
	"github.com/ruche-project/ruche/services/moderation/learned"
	"github.com/ruche-project/ruche/services/moderation/secondopinion"
)

// secondOpinion scores the pipeline beside the pipeline with the model's
// second opinion on its uncertain items (what the opinion finds counts as
// found: in moderation it sends the item to a human), for spam and
// toxicity per source and language. cfg.BaseURL "fake" asks pkg/modelfake,
// served in process; a real endpoint is asked with cfg as it is.
func secondOpinion(out io.Writer, root, split string, pipeline map[string][]string, cfg secondopinion.Config) error {
	if cfg.BaseURL == "fake" {
		srv := httptest.NewServer(&modelfake.Server{})
		defer srv.Close()
		cfg.BaseURL, cfg.Model, cfg.APIKey = srv.URL+"/v1", "modelfake", "fake"
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	asker := secondopinion.New(cfg, nil, nil)
	m := learned.Default()
	fmt.Fprintf(out, "== local and local + second opinion (%s, %s split; asked: the uncertain items)\n", cfg.Model, split)
	fmt.Fprintf(out, "  %-22s %-13s %6s %14s %14s\n", "source", "label", "asked", "local P/R", "+opinion P/R")
	for _, src := range evalset.Sources {
		items, err := src.Load(root)
		if err != nil {
			return err
		}
		items = evalset.Split(items, split)
		with := make(map[string][]string, len(items))
		asked := map[string]int{}
		for _, it := range items {
			labels := slices.Clone(pipeline[it.ID])
			r := classify.Classify(classify.Input{Text: it.Text, Lang: it.Lang})
			if secondopinion.Uncertain(r, m) {
				asked[it.Language()]++
				op, err := asker.Ask(context.Background(), src.Name, it.Text)
				if err == nil {
					if op.Spam && !slices.Contains(labels, "spam") {
						labels = append(labels, "spam")
					}
					if op.Toxicity && !slices.ContainsFunc(labels, isToxicity) {
						labels = append(labels, "toxicity:medium")
					}
					if op.Threat && !slices.Contains(labels, "threat") {
						labels = append(labels, "toxicity:threat")
					}
				}
			}
			with[it.ID] = labels
		}
		for _, lang := range evalset.Languages(items) {
			in := evalset.Lang(items, lang)
			local, plus := evalset.ScoreSource(src, in, pipeline), evalset.ScoreSource(src, in, with)
			for _, label := range []string{"spam", "toxicity:any"} {
				if !src.Annotates(label) {
					continue
				}
				a, b := local.Count(label), plus.Count(label)
				fmt.Fprintf(out, "  %-22s %-13s %6d %6s/%-7s %6s/%-7s\n", src.Name+"/"+lang, label, asked[lang],
					pct(a.Precision()), pct(a.Recall()), pct(b.Precision()), pct(b.Recall()))
			}
		}
	}
	return nil
}

func isToxicity(l string) bool { return len(l) > 9 && l[:9] == "toxicity:" }
