package main

import (
	"fmt"
	"io"
	"math"

	"github.com/ruche-project/ruche/services/moderation/internal/evalset"
)

// target is one of issue 21's targets on one source's held-out split in one
// language, met by the pipeline (`ruche classify`: the rules and the learned
// model combined, as moderation runs them).
type target struct {
	Source, Lang, Label, Metric string
	Min                         float64
}

func (t target) String() string {
	return fmt.Sprintf("%s/%s %s %s ≥ %.2f", t.Source, t.Lang, t.Label, t.Metric, t.Min)
}

// targets are issue 21's, per language, on the held-out splits.
var targets = func() []target {
	var ts []target
	pr := func(src, lang, label string, p, r float64) {
		ts = append(ts, target{src, lang, label, "precision", p}, target{src, lang, label, "recall", r})
	}
	type sl struct{ src, lang string }
	for _, s := range []sl{{"project", "en"}, {"project", "fr"}, {"project-new", "en"}, {"project-new", "fr"}, {"mlma", "en"}, {"mlma", "fr"}, {"davidson", "en"}} {
		pr(s.src, s.lang, "toxicity:any", 0.90, 0.85)
	}
	for _, s := range []sl{{"project", "en"}, {"project", "fr"}, {"project-new", "en"}, {"project-new", "fr"}, {"youtube", "en"}} {
		pr(s.src, s.lang, "spam", 0.90, 0.85)
	}
	for _, src := range []string{"project", "project-new"} {
		for _, lang := range []string{"en", "fr"} {
			ts = append(ts, target{src, lang, "toxicity:threat", "recall", 0.95})
			pr(src, lang, "pii:any", 0.95, 0.95)
			ts = append(ts, target{src, lang, "sentiment", "accuracy", 0.85})
		}
	}
	ts = append(ts, target{"sentences", "en", "sentiment", "accuracy", 0.85})
	return ts
}()

// shortfalls are the targets not met today, each with the figure it must
// not fall under (today's, rounded down): a drop fails the test, and so does
// meeting the target, so that it moves from here to the asserted targets.
var shortfalls = map[string]float64{
	"project-new/en toxicity:any recall ≥ 0.85":    0.68,
	"mlma/en toxicity:any precision ≥ 0.90":        0.89,
	"mlma/fr toxicity:any precision ≥ 0.90":        0.84,
	"mlma/fr toxicity:any recall ≥ 0.85":           0.81,
	"davidson/en toxicity:any recall ≥ 0.85":       0.83,
	"project-new/en toxicity:threat recall ≥ 0.95": 0.69,
	// met before the project's set grew (x375–x806) and the model was
	// retrained on it: in eval.jsonl one item (h023, a phone number given
	// for a parcel, now read negative by the model); project-new's new
	// held-out items include a reply the model calls spam ("I'll check it
	// out tomorrow", 0.80 precision), spam the rules miss, violent idioms
	// of praise ("You absolutely killed it") and one-word replies the rules
	// read as negative
	"project-new/en spam precision ≥ 0.90":     0.80,
	"project-new/fr spam recall ≥ 0.85":        0.75,
	"project/en sentiment accuracy ≥ 0.85":     0.83,
	"project-new/en sentiment accuracy ≥ 0.85": 0.77,
}

// figure returns the target's figure from results for the pipeline
// (model: false) or the model alone, NaN when the source and language have
// no items carrying the label (or the model does not give it).
func figure(results []result, t target, model bool) float64 {
	for _, r := range results {
		if r.Source != t.Source || r.Lang != t.Lang {
			continue
		}
		if t.Metric == "accuracy" {
			s := r.PipelineSentiment
			if model {
				s = r.ModelSentiment
			}
			if s == nil {
				return math.NaN()
			}
			return s.Accuracy()
		}
		rep := r.Pipeline
		if model {
			rep = r.Model
		}
		c := rep.Count(t.Label)
		if c == (evalset.Count{Label: t.Label}) {
			return math.NaN()
		}
		if t.Metric == "precision" && c.TP+c.FP == 0 && c.FN > 0 {
			return 0 // nothing found where there was something to find
		}
		if t.Metric == "precision" {
			return c.Precision()
		}
		return c.Recall()
	}
	return math.NaN()
}

func printTargets(w io.Writer, results []result) {
	fmt.Fprintln(w, "== targets (held-out; asserted by TestHeldOutTargets on the pipeline; the model alone for comparison)")
	fmt.Fprintf(w, "  %-44s %5s %8s %6s  %s\n", "target", "min", "pipeline", "model", "")
	for _, t := range targets {
		got := figure(results, t, false)
		status := "met"
		if !(got >= t.Min) {
			status = "NOT MET"
		}
		name := fmt.Sprintf("%s/%s %s %s", t.Source, t.Lang, t.Label, t.Metric)
		fmt.Fprintf(w, "  %-44s %5.2f %8s %6s  %s\n", name, t.Min, pct(got), pct(figure(results, t, true)), status)
	}
}

// printShortfalls writes the shortfalls map's entries for today's figures:
// every unmet target with its figure rounded down (evalreport -shortfalls,
// after a retraining or a change of the rules).
func printShortfalls(w io.Writer, results []result) {
	for _, t := range targets {
		if got := figure(results, t, false); !(got >= t.Min) {
			fmt.Fprintf(w, "\t%q: %.2f,\n", t.String(), math.Floor(got*100)/100)
		}
	}
}
