package main

import (
	"fmt"
	"io"
	"math"
	"slices"

	"github.com/ruche-project/ruche/services/moderation/internal/evalset"
	"github.com/ruche-project/ruche/services/moderation/learned"
)

// modelLabels are the labels the learned model gives: it is scored on those
// only (language, intent and personal data are the rules' alone).
var modelLabels = []string{"toxicity:any", "toxicity:insult", "toxicity:threat", "toxicity:hate", "spam", "sentiment:positive", "sentiment:neutral", "sentiment:negative"}

// modelSource is src restricted to the labels the model gives.
func modelSource(src evalset.Source) evalset.Source {
	m := evalset.Source{Name: src.Name, Paths: src.Paths}
	for _, l := range modelLabels {
		if src.Annotates(l) {
			m.Labels = append(m.Labels, l)
		}
	}
	return m
}

// result is one source's figures in one language, for the pipeline (the
// rules and the model combined, as moderation runs them) and the model alone.
type result struct {
	Source, Lang, Split string
	Items               int
	Pipeline, Model     evalset.Report
	// PipelineSentiment and ModelSentiment are set when the source annotates
	// sentiment.
	PipelineSentiment, ModelSentiment *evalset.Sentiment
}

// evaluate scores the pipeline's predictions (`ruche classify`: the rules
// and the model combined, by item id) and the model on
// every source's split, per language.
func evaluate(root, split string, pipeline map[string][]string, model *learned.Model) ([]result, error) {
	var out []result
	for _, src := range evalset.Sources {
		items, err := src.Load(root)
		if err != nil {
			return nil, err
		}
		items = evalset.Split(items, split)
		byModel := make(map[string][]string, len(items))
		for _, it := range items {
			if _, ok := pipeline[it.ID]; !ok {
				return nil, fmt.Errorf("%s: no classify output for item %s", src.Name, it.ID)
			}
			byModel[it.ID] = model.Labels(model.Score(it.Text))
		}
		msrc := modelSource(src)
		for _, lang := range evalset.Languages(items) {
			in := evalset.Lang(items, lang)
			r := result{Source: src.Name, Lang: lang, Split: split, Items: len(in),
				Pipeline: evalset.ScoreSource(src, in, pipeline), Model: evalset.ScoreSource(msrc, in, byModel)}
			if src.Annotates("sentiment:positive") {
				rs, ms := evalset.ScoreSentiment(in, pipeline), evalset.ScoreSentiment(in, byModel)
				if rs.Items > 0 {
					r.PipelineSentiment, r.ModelSentiment = &rs, &ms
				}
			}
			out = append(out, r)
		}
	}
	return out, nil
}

func (r result) print(w io.Writer, misses int) {
	fmt.Fprintf(w, "== %s · %s · %s (%d items)\n", r.Source, r.Lang, r.Split, r.Items)
	fmt.Fprintf(w, "  %-20s %7s | %-5s %5s %5s %5s %5s %5s %5s | %-5s %5s %5s %5s %5s %5s %5s\n",
		"label", "support", "pipe", "prec", "rec", "tp", "fp", "fn", "tn", "model", "prec", "rec", "tp", "fp", "fn", "tn")
	var labels []string
	for _, c := range append(slices.Clone(r.Pipeline.Counts), r.Model.Counts...) {
		if !slices.Contains(labels, c.Label) {
			labels = append(labels, c.Label)
		}
	}
	slices.Sort(labels)
	for _, l := range labels {
		rc, mc := r.Pipeline.Count(l), r.Model.Count(l)
		fmt.Fprintf(w, "  %-20s %7d | %5s %5s %5s %s | %5s %5s %5s %s\n", l, max(rc.TP+rc.FN, mc.TP+mc.FN),
			"", pct(rc.Precision()), pct(rc.Recall()), counts(r.Pipeline, l), "", pct(mc.Precision()), pct(mc.Recall()), counts(r.Model, l))
	}
	if r.PipelineSentiment != nil {
		fmt.Fprintf(w, "  sentiment accuracy: pipeline %s, model %s (%d items); confusion want→got (pipeline | model):\n",
			pct(r.PipelineSentiment.Accuracy()), pct(r.ModelSentiment.Accuracy()), r.PipelineSentiment.Items)
		for _, want := range evalset.SentimentLabels {
			if r.PipelineSentiment.Matrix[want] == nil && r.ModelSentiment.Matrix[want] == nil {
				continue
			}
			fmt.Fprintf(w, "    %-9s", want)
			for _, m := range []*evalset.Sentiment{r.PipelineSentiment, r.ModelSentiment} {
				for _, got := range evalset.SentimentLabels {
					fmt.Fprintf(w, " %s:%-4d", got[:3], m.Matrix[want][got])
				}
				fmt.Fprint(w, " |")
			}
			fmt.Fprintln(w)
		}
	}
	for _, part := range []struct {
		name string
		rep  evalset.Report
	}{{"pipeline", r.Pipeline}, {"model", r.Model}} {
		list := part.rep.Mistakes
		fmt.Fprintf(w, "  %s misses (%d items):\n", part.name, len(list))
		if misses >= 0 && len(list) > misses {
			list = list[:misses]
		}
		for _, m := range list {
			fmt.Fprintf(w, "    %s %q missing=%v extra=%v\n", m.ID, m.Text, m.Missing, m.Extra)
		}
		if len(list) < len(part.rep.Mistakes) {
			fmt.Fprintf(w, "    … %d more (-misses -1 lists all)\n", len(part.rep.Mistakes)-len(list))
		}
	}
	fmt.Fprintln(w)
}

// counts is a label's confusion counts, dashes where the part does not
// give the label.
func counts(r evalset.Report, label string) string {
	for _, c := range r.Counts {
		if c.Label == label {
			return fmt.Sprintf("%5d %5d %5d %5d", c.TP, c.FP, c.FN, c.TN)
		}
	}
	return fmt.Sprintf("%5s %5s %5s %5s", "-", "-", "-", "-")
}

func pct(f float64) string {
	if math.IsNaN(f) {
		return "-"
	}
	return fmt.Sprintf("%.2f", f)
}
