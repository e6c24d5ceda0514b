// Package evalset reads the hand-labelled evaluation set and scores
// predicted labels against it: precision and recall per label.
package evalset

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"sort"
	"strings"
)

// Item is one labelled interaction of the set.
type Item struct {
	ID     string          `json:"id"`
	Split  string          `json:"split"` // "dev" or "holdout"
	Text   string          `json:"text"`
	Lang   string          `json:"lang,omitempty"`
	Author json.RawMessage `json:"author,omitempty"`
	Labels []string        `json:"labels"`
}

// Load reads a JSON-lines evaluation set.
func Load(path string) ([]Item, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var items []Item
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for n := 1; sc.Scan(); n++ {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var it Item
		if err := json.Unmarshal(sc.Bytes(), &it); err != nil {
			return nil, fmt.Errorf("%s line %d: %w", path, n, err)
		}
		items = append(items, it)
	}
	return items, sc.Err()
}

// Evaluated is the vocabulary the set labels: a predicted label outside it
// (e.g. "urgent:health", "sentiment:sarcasm") is not scored.
func Evaluated(label string) bool {
	for _, p := range []string{"lang:", "toxicity:", "pii:", "sentiment:", "intent:"} {
		if strings.HasPrefix(label, p) {
			return label != "sentiment:sarcasm"
		}
	}
	return label == "spam"
}

// Groups are the aggregate labels reported beside the per-label ones: any
// severity of toxicity, any kind of personal data.
// A toxicity category without a severity (the public sets give none) or a
// literal "toxicity:any" (the learned model's label) counts too; a threat
// alone does not: it is its own label, sent to a human whatever else is
// found (the rules give every threat a severity as well).
var Groups = map[string]func(string) bool{
	"toxicity:any": func(l string) bool { return strings.HasPrefix(l, "toxicity:") && l != "toxicity:threat" },
	"pii:any":      func(l string) bool { return strings.HasPrefix(l, "pii:") },
}

// Count is the confusion counts of one label.
type Count struct {
	Label          string
	TP, FP, FN, TN int
}

// Precision is TP/(TP+FP), NaN without predictions.
func (c Count) Precision() float64 { return ratio(c.TP, c.TP+c.FP) }

// Recall is TP/(TP+FN), NaN without expected items.
func (c Count) Recall() float64 { return ratio(c.TP, c.TP+c.FN) }

func ratio(a, b int) float64 {
	if b == 0 {
		return math.NaN()
	}
	return float64(a) / float64(b)
}

// Mistake is one item whose predicted labels differ from the expected ones.
type Mistake struct {
	ID, Text       string
	Missing, Extra []string
}

// Report is the score of a set of predictions.
type Report struct {
	Items    int
	Counts   []Count
	Mistakes []Mistake
}

// Score compares predicted labels (by item id) with the expected ones.
func Score(items []Item, predicted map[string][]string) Report {
	counts := map[string]*Count{}
	get := func(l string) *Count {
		if counts[l] == nil {
			counts[l] = &Count{Label: l}
		}
		return counts[l]
	}
	var r Report
	for _, it := range items {
		r.Items++
		want := filter(it.Labels)
		got := filter(predicted[it.ID])
		var m Mistake
		for _, l := range got {
			if slices.Contains(want, l) {
				get(l).TP++
			} else {
				get(l).FP++
				m.Extra = append(m.Extra, l)
			}
		}
		for _, l := range want {
			if !slices.Contains(got, l) {
				get(l).FN++
				m.Missing = append(m.Missing, l)
			}
		}
		for g, in := range Groups {
			w, p := slices.ContainsFunc(it.Labels, in), slices.ContainsFunc(predicted[it.ID], in)
			c := get(g)
			switch {
			case w && p:
				c.TP++
			case p:
				c.FP++
			case w:
				c.FN++
			}
		}
		if len(m.Extra)+len(m.Missing) > 0 {
			m.ID, m.Text = it.ID, it.Text
			r.Mistakes = append(r.Mistakes, m)
		}
	}
	for _, c := range counts {
		c.TN = r.Items - c.TP - c.FP - c.FN
		r.Counts = append(r.Counts, *c)
	}
	sort.Slice(r.Counts, func(i, j int) bool { return r.Counts[i].Label < r.Counts[j].Label })
	return r
}

// Canonical is label under the name the sets annotate it with: the
// pipeline's threat is its own label ("threat"), annotated as a toxicity
// category ("toxicity:threat").
func Canonical(label string) string {
	if label == "threat" {
		return "toxicity:threat"
	}
	return label
}

func filter(labels []string) []string {
	var out []string
	for _, l := range labels {
		l = Canonical(l)
		if _, group := Groups[l]; !group && Evaluated(l) && !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	return out
}

// Count returns the counts of one label (zero when absent).
func (r Report) Count(label string) Count {
	for _, c := range r.Counts {
		if c.Label == label {
			return c
		}
	}
	return Count{Label: label}
}

// Print writes the table: one row per label with support, precision, recall.
func (r Report) Print(w io.Writer, title string) {
	fmt.Fprintf(w, "%s (%d items)\n", title, r.Items)
	fmt.Fprintf(w, "  %-22s %7s %9s %7s %5s %5s %5s\n", "label", "support", "precision", "recall", "tp", "fp", "fn")
	for _, c := range r.Counts {
		fmt.Fprintf(w, "  %-22s %7d %9s %7s %5d %5d %5d\n", c.Label, c.TP+c.FN, pct(c.Precision()), pct(c.Recall()), c.TP, c.FP, c.FN)
	}
}

func pct(f float64) string {
	if math.IsNaN(f) {
		return "-"
	}
	return fmt.Sprintf("%.2f", f)
}

// PrintMistakes lists the items that were wrong, for whoever improves the
// classifiers (use it on the dev split only).
func (r Report) PrintMistakes(w io.Writer) {
	for _, m := range r.Mistakes {
		fmt.Fprintf(w, "  %s %q missing=%v extra=%v\n", m.ID, m.Text, m.Missing, m.Extra)
	}
}

// Split returns the items of one split ("" for all).
func Split(items []Item, split string) []Item {
	if split == "" {
		return items
	}
	var out []Item
	for _, it := range items {
		if it.Split == split {
			out = append(out, it)
		}
	}
	return out
}
