// Package feedback keeps moderators' corrections of the automatic labels,
// per brand, and finds the correction that applies to a new text: the one
// of the most similar corrected text, when it is similar enough. Similarity
// is the cosine of the two texts' feature sets as the learned model reads
// them (word uni- and bigrams, character 2–5-grams of the folded text), so a
// correction reaches the same message with another name, product or link,
// not only a copy.
//
// Memory is pure and in process; the service fills it from the corrections
// bucket, which every replica watches.
package feedback

import (
	"math"
	"slices"
	"strings"
	"sync"

	casev1 "github.com/ruche-project/ruche/events/case/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/services/moderation/classify"
	"github.com/ruche-project/ruche/services/moderation/learned"
)

// MinSimilarity is the cosine from which a new text takes a corrected
// text's correction. Measured on the sandbox's traffic (TestFeedbackLoop,
// services/ruche/internal/agreement) and the public sets' dev splits
// (TestFeedbackOnPublicSets): at 0.6 a correction made 15 MLMA tweets
// wrong for 3 made right, at 0.8 one for none, while the sandbox's errors
// still fall from 50 to 29; see ARCHITECTURE.md §11.
const MinSimilarity = 0.8

// MaxPerBrand bounds the corrections a brand keeps in memory: past it the
// oldest are forgotten (a match compares a text with the corrections
// sharing a feature with it, through an inverted index).
const MaxPerBrand = 5000

// Memory holds every brand's corrections. Its zero value is not usable: use
// NewMemory. It is safe for concurrent use.
type Memory struct {
	mu     sync.RWMutex
	brands map[string]*brandMemory
	// minSimilarity is MinSimilarity but in measurements.
	minSimilarity float64
}

// NewMemory returns an empty memory matching from MinSimilarity.
func NewMemory() *Memory { return NewMemoryFrom(MinSimilarity) }

// NewMemoryFrom returns an empty memory matching from minSimilarity (to
// measure another threshold).
func NewMemoryFrom(minSimilarity float64) *Memory {
	return &Memory{brands: map[string]*brandMemory{}, minSimilarity: minSimilarity}
}

type entry struct {
	c     casev1.Corrected
	rev   uint64
	feats int
	live  bool
}

type brandMemory struct {
	entries []entry
	// byInteraction is the index of the live entry of an interaction: a
	// new correction of it replaces the previous one.
	byInteraction map[string]int
	postings      map[uint32][]int32
	live          int
}

// Put records c, stored at revision rev of its key; an older revision than
// the one held for the interaction is ignored (the watch and the writer
// may deliver the same correction in either order).
func (m *Memory) Put(c casev1.Corrected, rev uint64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b := m.brands[c.Brand]
	if b == nil {
		b = &brandMemory{byInteraction: map[string]int{}, postings: map[uint32][]int32{}}
		m.brands[c.Brand] = b
	}
	if i, ok := b.byInteraction[c.InteractionID]; ok {
		if b.entries[i].rev >= rev {
			return
		}
		b.kill(i)
	}
	feats := learned.Features(c.Text)
	idx := int32(len(b.entries))
	for _, f := range feats {
		b.postings[f] = append(b.postings[f], idx)
	}
	b.entries = append(b.entries, entry{c: c, rev: rev, feats: len(feats), live: true})
	b.byInteraction[c.InteractionID] = int(idx)
	b.live++
	for b.live > MaxPerBrand {
		b.kill(b.oldest())
	}
	if len(b.entries) > 2*b.live+64 {
		m.brands[c.Brand] = b.compact()
	}
}

// Delete forgets the correction of an interaction.
func (m *Memory) Delete(brand, interactionID string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if b := m.brands[brand]; b != nil {
		if i, ok := b.byInteraction[interactionID]; ok {
			b.kill(i)
		}
	}
}

func (b *brandMemory) kill(i int) {
	if b.entries[i].live {
		b.entries[i].live = false
		b.live--
		delete(b.byInteraction, b.entries[i].c.InteractionID)
	}
}

func (b *brandMemory) oldest() int {
	best := -1
	for i, e := range b.entries {
		if e.live && (best < 0 || e.c.CorrectedAt.Before(b.entries[best].c.CorrectedAt)) {
			best = i
		}
	}
	return best
}

// compact rebuilds the memory with its live entries only.
func (b *brandMemory) compact() *brandMemory {
	n := &brandMemory{byInteraction: map[string]int{}, postings: map[uint32][]int32{}}
	for _, e := range b.entries {
		if !e.live {
			continue
		}
		idx := int32(len(n.entries))
		for _, f := range learned.Features(e.c.Text) {
			n.postings[f] = append(n.postings[f], idx)
		}
		n.entries = append(n.entries, e)
		n.byInteraction[e.c.InteractionID] = int(idx)
		n.live++
	}
	return n
}

// Match returns the correction of brand's corrected text most similar to
// text (at least MinSimilarity; the newest on a tie), nil when none is. A
// brand without corrections costs one map read; a nil Memory has none.
func (m *Memory) Match(brand, text string) *classify.Correction {
	if m == nil {
		return nil
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	b := m.brands[brand]
	if b == nil || b.live == 0 {
		return nil
	}
	return b.match(learned.Features(text), m.minSimilarity)
}

func (b *brandMemory) match(feats []uint32, minSimilarity float64) *classify.Correction {
	if len(feats) == 0 {
		return nil
	}
	shared := map[int32]int{}
	for _, f := range feats {
		for _, i := range b.postings[f] {
			shared[i]++
		}
	}
	best, bestSim := int32(-1), 0.0
	for i, n := range shared {
		e := &b.entries[i]
		if !e.live {
			continue
		}
		sim := float64(n) / math.Sqrt(float64(len(feats))*float64(e.feats))
		if sim > bestSim || sim == bestSim && i > best {
			best, bestSim = i, sim
		}
	}
	if best < 0 || bestSim < minSimilarity {
		return nil
	}
	e := b.entries[best].c
	return &classify.Correction{Add: e.Add, Remove: e.Remove, By: "feedback:" + e.InteractionID}
}

// Corrections returns brand's corrections, newest first.
func (m *Memory) Corrections(brand string) []casev1.Corrected {
	m.mu.RLock()
	defer m.mu.RUnlock()
	b := m.brands[brand]
	if b == nil {
		return nil
	}
	out := make([]casev1.Corrected, 0, b.live)
	for _, e := range b.entries {
		if e.live {
			out = append(out, e.c)
		}
	}
	slices.SortStableFunc(out, func(x, y casev1.Corrected) int {
		if c := y.CorrectedAt.Compare(x.CorrectedAt); c != 0 {
			return c
		}
		return strings.Compare(x.ID, y.ID)
	})
	return out
}

// Report counts the corrections of every label, most corrected first: how
// often it was missed (added) or given wrongly (removed), and what gave the
// wrong ones (the reasons' rule ids, "model:<head>" for the model).
func Report(cs []casev1.Corrected) []query.CorrectedLabel {
	byLabel := map[string]*query.CorrectedLabel{}
	get := func(l string) *query.CorrectedLabel {
		if byLabel[l] == nil {
			byLabel[l] = &query.CorrectedLabel{Label: l, By: map[string]int{}}
		}
		return byLabel[l]
	}
	for _, c := range cs {
		for _, l := range c.Add {
			get(l).Added++
		}
		for _, l := range c.Remove {
			cl := get(l)
			cl.Removed++
			for _, why := range reasonsOf(c, l) {
				cl.By[decider(why)]++
			}
		}
	}
	out := make([]query.CorrectedLabel, 0, len(byLabel))
	for _, cl := range byLabel {
		if len(cl.By) == 0 {
			cl.By = nil
		}
		out = append(out, *cl)
	}
	slices.SortFunc(out, func(a, b query.CorrectedLabel) int {
		if d := (b.Added + b.Removed) - (a.Added + a.Removed); d != 0 {
			return d
		}
		return strings.Compare(a.Label, b.Label)
	})
	return out
}

// reasonsOf are the reasons of the automatic label that l removes
// ("toxicity" is given as "toxicity:<severity>").
func reasonsOf(c casev1.Corrected, l string) []string {
	if why, ok := c.LabelReasons[l]; ok {
		return why
	}
	for _, x := range c.Labels {
		if l == "toxicity" && strings.HasPrefix(x, "toxicity:") {
			return c.LabelReasons[x]
		}
	}
	return nil
}

// decider is what a reason names: "model:spam=0.731" → "model:spam", a rule
// id as it is.
func decider(reason string) string {
	if h, ok := strings.CutPrefix(reason, "model:"); ok {
		name, _, _ := strings.Cut(h, "=")
		return "model:" + name
	}
	return reason
}
