package evalset

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
)

// Seed is the one seed every sampling and split of the sets uses.
const Seed = 21

// Source is one labelled set and the labels its annotators gave: a label it
// does not annotate is neither expected nor scored on its items (the
// Davidson tweets say nothing about spam, the YouTube comments nothing about
// insults).
type Source struct {
	Name string
	// Paths are the JSON-lines files, relative to services/moderation.
	Paths []string
	// Labels are the scored labels; "prefix:*" stands for every label of a
	// family.
	Labels []string
}

// toxicityCategories is what the public sets annotate about toxicity: the
// category, never a severity. They have no threat label: a threat is taken
// as absent from their tweets (scored so, and trained so), which is why a
// threat found there counts as a false positive.
var toxicityCategories = []string{"toxicity:any", "toxicity:insult", "toxicity:threat", "toxicity:hate"}

// projectLabels are the labels of the project's hand-written sets: all.
var projectLabels = []string{"lang:*", "spam", "toxicity:*", "pii:*", "sentiment:*", "intent:*"}

// Sources are the evaluation sets: the project's hand-written ones first —
// eval.jsonl, split dev/held-out only, whose dev split the rules were tuned
// on, and project-new, its extension (threats, scams, personal data in all
// its forms, French sarcasm and resigned complaints), split 70/15/15 like
// the public sets.
var Sources = []Source{
	{Name: "project", Paths: []string{"testdata/eval.jsonl"}, Labels: projectLabels},
	{Name: "project-new", Paths: []string{"testdata/project/items.jsonl"}, Labels: projectLabels},
	{Name: "mlma", Paths: []string{"testdata/mlma/items.jsonl"}, Labels: toxicityCategories},
	{Name: "davidson", Paths: []string{"testdata/davidson/items.jsonl"}, Labels: toxicityCategories},
	{Name: "youtube", Paths: []string{"testdata/youtube/items.jsonl"}, Labels: []string{"spam"}},
	{Name: "sentences", Paths: []string{"testdata/sentences/items.jsonl"}, Labels: []string{"sentiment:*"}},
}

// Annotates reports whether the source's annotators gave (or withheld) label.
func (s Source) Annotates(label string) bool {
	for _, l := range s.Labels {
		if l == label || strings.HasSuffix(l, ":*") && strings.HasPrefix(label, strings.TrimSuffix(l, "*")) {
			return true
		}
	}
	return false
}

// Load reads the source's items from the moderation module's directory root.
func (s Source) Load(root string) ([]Item, error) {
	var all []Item
	for _, p := range s.Paths {
		items, err := Load(filepath.Join(root, p))
		if err != nil {
			return nil, err
		}
		all = append(all, items...)
	}
	return all, nil
}

// Lang is the item's language: its lang field, else its lang: label.
func (it Item) Language() string {
	if it.Lang != "" {
		return it.Lang
	}
	for _, l := range it.Labels {
		if after, ok := strings.CutPrefix(l, "lang:"); ok {
			return after
		}
	}
	return "other"
}

// Languages returns the items' languages, sorted.
func Languages(items []Item) []string {
	var out []string
	for _, it := range items {
		if l := it.Language(); !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	slices.Sort(out)
	return out
}

// Lang returns the items written in lang.
func Lang(items []Item, lang string) []Item {
	var out []Item
	for _, it := range items {
		if it.Language() == lang {
			out = append(out, it)
		}
	}
	return out
}

// ScoreSource scores predictions on the source's items, counting only the
// labels the source annotates.
func ScoreSource(s Source, items []Item, predicted map[string][]string) Report {
	// a label the source does not annotate still counts for its group
	// (a threat or a severity is toxicity:any)
	keep := func(labels []string) []string {
		var out []string
		for _, l := range labels {
			l = Canonical(l)
			if s.Annotates(l) {
				out = append(out, l)
				continue
			}
			for g, in := range Groups {
				if in(l) && s.Annotates(g) && !slices.Contains(out, g) {
					out = append(out, g)
				}
			}
		}
		return out
	}
	own := make([]Item, len(items))
	pred := make(map[string][]string, len(items))
	for i, it := range items {
		it.Labels = keep(it.Labels)
		own[i] = it
		pred[it.ID] = keep(predicted[it.ID])
	}
	r := Score(own, pred)
	r.Counts = slices.DeleteFunc(r.Counts, func(c Count) bool { return !s.Annotates(c.Label) })
	return r
}

// Stratum is the key items are stratified on: language and labels.
func Stratum(it Item) string {
	labels := slices.Clone(filter(it.Labels))
	labels = slices.DeleteFunc(labels, func(l string) bool { return strings.HasPrefix(l, "lang:") })
	slices.Sort(labels)
	return it.Language() + "|" + strings.Join(labels, ",")
}

// rank orders items by a hash of the seed and their id: a fixed order no
// random generator's implementation can change.
func rank(id string, seed uint64) uint64 {
	h := fnv.New64a()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], seed)
	h.Write(b[:])
	h.Write([]byte(id))
	return h.Sum64()
}

func strata(items []Item, seed uint64, key func(Item) string) (keys []string, groups map[string][]int) {
	groups = map[string][]int{}
	for i, it := range items {
		k := key(it)
		if groups[k] == nil {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], i)
	}
	sort.Strings(keys)
	for _, k := range keys {
		g := groups[k]
		sort.Slice(g, func(a, b int) bool {
			ra, rb := rank(items[g[a]].ID, seed), rank(items[g[b]].ID, seed)
			if ra != rb {
				return ra < rb
			}
			return items[g[a]].ID < items[g[b]].ID
		})
	}
	return keys, groups
}

// Sample keeps at most limit[label] items of every stratum whose labels
// include label (the rest are kept whole), chosen by rank; the order of
// items is kept.
func Sample(items []Item, limit map[string]int, seed uint64) []Item {
	if len(limit) == 0 {
		return items
	}
	keys, groups := strata(items, seed, Stratum)
	drop := map[int]bool{}
	for _, k := range keys {
		for label, n := range limit {
			if slices.Contains(items[groups[k][0]].Labels, label) && len(groups[k]) > n {
				for _, i := range groups[k][n:] {
					drop[i] = true
				}
			}
		}
	}
	var out []Item
	for i, it := range items {
		if !drop[i] {
			out = append(out, it)
		}
	}
	return out
}

// Split shares: 70% train, 15% dev, 15% held-out, in every stratum.
const (
	trainShare = 0.70
	devShare   = 0.15
)

// AssignSplits sets every item's split: within each stratum (key, e.g.
// Stratum), items ordered by rank go 70/15/15 to train, dev and held-out.
func AssignSplits(items []Item, seed uint64, key func(Item) string) {
	keys, groups := strata(items, seed, key)
	for _, k := range keys {
		g := groups[k]
		nTrain := int(float64(len(g))*trainShare + 0.5)
		nDev := int(float64(len(g))*devShare + 0.5)
		for j, i := range g {
			switch {
			case j < nTrain:
				items[i].Split = "train"
			case j < nTrain+nDev:
				items[i].Split = "dev"
			default:
				items[i].Split = "holdout"
			}
		}
	}
}

// Write stores items as JSON lines.
func Write(path string, items []Item) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	for _, it := range items {
		b, err := json.Marshal(it)
		if err != nil {
			f.Close()
			return fmt.Errorf("item %s: %w", it.ID, err)
		}
		w.Write(b)
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// Sentiment is the confusion of the sentiment labels over the items that
// carry one: Matrix[want][got].
type Sentiment struct {
	Items, Correct int
	Matrix         map[string]map[string]int
}

// Accuracy is Correct/Items, NaN without items.
func (s Sentiment) Accuracy() float64 { return ratio(s.Correct, s.Items) }

// SentimentLabels are the sentiment classes, in print order.
var SentimentLabels = []string{"positive", "neutral", "negative"}

// ScoreSentiment compares the predicted sentiment with the expected one.
func ScoreSentiment(items []Item, predicted map[string][]string) Sentiment {
	s := Sentiment{Matrix: map[string]map[string]int{}}
	of := func(labels []string) string {
		for _, l := range labels {
			if v, ok := strings.CutPrefix(l, "sentiment:"); ok && slices.Contains(SentimentLabels, v) {
				return v
			}
		}
		return ""
	}
	for _, it := range items {
		want := of(it.Labels)
		if want == "" {
			continue
		}
		got := of(predicted[it.ID])
		if got == "" {
			got = "none"
		}
		if s.Matrix[want] == nil {
			s.Matrix[want] = map[string]int{}
		}
		s.Matrix[want][got]++
		s.Items++
		if got == want {
			s.Correct++
		}
	}
	return s
}

// Coarse is the stratum of a small hand-written set, where every item's
// label set is nearly unique: language and the item's main concern
// (threat, hate, insult, spam, personal data, else its sentiment).
func Coarse(it Item) string {
	for _, l := range []string{"toxicity:threat", "toxicity:hate", "toxicity:insult", "spam"} {
		if slices.Contains(it.Labels, l) {
			return it.Language() + "|" + l
		}
	}
	for _, l := range it.Labels {
		if strings.HasPrefix(l, "pii:") {
			return it.Language() + "|pii"
		}
	}
	for _, l := range it.Labels {
		if strings.HasPrefix(l, "sentiment:") {
			return it.Language() + "|" + l
		}
	}
	return it.Language()
}
