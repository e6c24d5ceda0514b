package learned

import (
	"encoding/binary"
	"hash/fnv"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/ruche-project/ruche/services/moderation/internal/evalset"
)

// Params are the training hyper-parameters (params.json holds the shipped
// model's).
type Params struct {
	// Bits: the features hash into 1<<Bits buckets.
	Bits uint8 `json:"bits"`
	// Seed orders the examples of every epoch.
	Seed         uint64  `json:"seed"`
	Epochs       int     `json:"epochs"`
	LearningRate float64 `json:"learning_rate"`
	// L2 is the weight decay applied to the weights an example touches.
	L2 float64 `json:"l2"`
	// PositiveWeight multiplies the loss of a head's positive examples (by
	// head name; 1 when absent): the rare threats need it.
	PositiveWeight map[string]float64 `json:"positive_weight"`
	// MinRecall: for these heads the threshold is the highest whose recall
	// on the dev split reaches the value.
	MinRecall map[string]float64 `json:"min_recall"`
	// MinPrecision: for these heads the threshold is the lowest whose
	// precision on the dev split reaches the value (none reaches it: the
	// F1 rule). The other heads take the threshold that maximises F1.
	MinPrecision map[string]float64 `json:"min_precision"`
	// SourceWeight multiplies the loss of a source's examples (1 when
	// absent): the project's few hand-written comments are the closest to a
	// brand's page.
	SourceWeight map[string]float64 `json:"source_weight"`
	// TrainSplits are, per source, the splits trained on (["train"] when
	// absent). The project's hand-written set is too small to leave its
	// dev split out; a split trained on is not used to set thresholds, and
	// the held-out split is never trained on.
	TrainSplits map[string][]string `json:"train_splits"`
}

// Example is one training text and its label for each head: 1, 0, or -1
// when its source says nothing about that head.
type Example struct {
	Text string
	// Source names the set the example comes from (Params.SourceWeight).
	Source string
	Label  [NumHeads]int8
}

// assumedClean names, per source, the heads its items are taken to be
// negative on although the source does not annotate them: tweets labelled
// for hate speech are not commercial spam, review sentences are neither
// spam nor toxic.
var assumedClean = map[string][]Head{
	"mlma":      {Spam},
	"davidson":  {Spam},
	"sentences": {Toxic, Insult, Threat, Hate, Spam},
}

// ExampleOf turns a labelled item of src into an example.
func ExampleOf(src evalset.Source, it evalset.Item) Example {
	e := Example{Text: it.Text, Source: src.Name}
	for h := range e.Label {
		e.Label[h] = -1
	}
	has := func(l string) int8 {
		if slices.Contains(it.Labels, l) {
			return 1
		}
		return 0
	}
	if src.Annotates("toxicity:any") {
		toxic := int8(0)
		for _, l := range it.Labels {
			if strings.HasPrefix(l, "toxicity:") {
				toxic = 1
			}
		}
		e.Label[Toxic], e.Label[Insult], e.Label[Hate] = toxic, has("toxicity:insult"), has("toxicity:hate")
		// a source that annotates categories but no threats still says a
		// clean text is no threat
		if src.Annotates("toxicity:threat") || toxic == 0 {
			e.Label[Threat] = has("toxicity:threat")
		}
	}
	if src.Annotates("spam") {
		e.Label[Spam] = has("spam")
	}
	if src.Annotates("sentiment:positive") {
		e.Label[Positive], e.Label[Neutral], e.Label[Negative] = has("sentiment:positive"), has("sentiment:neutral"), has("sentiment:negative")
		if !src.Annotates("sentiment:neutral") || e.Label[Positive]+e.Label[Neutral]+e.Label[Negative] == 0 {
			e.Label[Neutral] = -1 // polar-only sets, or no sentiment given
		}
	}
	for _, h := range assumedClean[src.Name] {
		if e.Label[h] < 0 {
			e.Label[h] = 0
		}
	}
	return e
}

type encoded struct {
	buckets []uint32
	value   float64
	weight  float64
	label   [NumHeads]int8
}

func encode(examples []Example, mask uint32, sourceWeight map[string]float64) []encoded {
	out := make([]encoded, len(examples))
	for i, e := range examples {
		var bs []uint32
		n := extract(e.Text, mask, func(b uint32) { bs = append(bs, b) })
		weight, ok := sourceWeight[e.Source]
		if !ok {
			weight = 1
		}
		out[i] = encoded{buckets: bs, value: 1 / math.Sqrt(float64(max(n, 1))), weight: weight, label: e.Label}
	}
	return out
}

// order is epoch's order of n examples: by a hash of the seed, the epoch and
// the index, so no random generator's implementation can change it.
func order(n int, seed uint64, epoch int) []int {
	keys := make([]uint64, n)
	idx := make([]int, n)
	var b [24]byte
	for i := range idx {
		idx[i] = i
		binary.LittleEndian.PutUint64(b[0:], seed)
		binary.LittleEndian.PutUint64(b[8:], uint64(epoch))
		binary.LittleEndian.PutUint64(b[16:], uint64(i))
		h := fnv.New64a()
		h.Write(b[:])
		keys[i] = h.Sum64()
	}
	sort.Slice(idx, func(a, c int) bool { return keys[idx[a]] < keys[idx[c]] })
	return idx
}

// Train fits one logistic regression per head by stochastic gradient
// descent over train, then sets each head's threshold on dev. The result
// depends only on the examples, their order and p: the same inputs give
// the same bytes. The explicit float64 conversions round every product, so
// that no compiler fuses a multiply-add (the spec allows it, and arm64 or
// GOAMD64=v3 do it) and changes the weights on another machine.
func Train(train, dev []Example, p Params) *Model {
	mask := uint32(1)<<p.Bits - 1
	data := encode(train, mask, p.SourceWeight)
	w := make([]float64, (1<<p.Bits)*int(NumHeads))
	var bias [NumHeads]float64
	var posWeight [NumHeads]float64
	for h := range posWeight {
		posWeight[h] = 1
		if v, ok := p.PositiveWeight[Head(h).String()]; ok {
			posWeight[h] = v
		}
	}
	for epoch := range p.Epochs {
		lr := p.LearningRate / (1 + float64(epoch))
		for _, i := range order(len(data), p.Seed, epoch) {
			d := &data[i]
			for h := range NumHeads {
				y := d.label[h]
				if y < 0 {
					continue
				}
				z := bias[h]
				for _, b := range d.buckets {
					z += float64(w[int(b)*int(NumHeads)+int(h)] * d.value)
				}
				g := (sigmoid(z) - float64(y)) * d.weight
				if y == 1 {
					g *= posWeight[h]
				}
				for _, b := range d.buckets {
					k := int(b)*int(NumHeads) + int(h)
					w[k] -= float64(lr * float64(float64(g*d.value)+float64(p.L2*w[k])))
				}
				bias[h] -= float64(lr * g)
			}
		}
	}
	m := quantise(p.Bits, bias, w)
	m.calibrate(dev, p)
	return m
}

// quantise stores every head's weights as int16 with a per-head scale.
func quantise(bits uint8, bias [NumHeads]float64, w []float64) *Model {
	m := &Model{bits: bits, w: make([]int16, len(w))}
	var peak [NumHeads]float64
	for k, v := range w {
		peak[k%int(NumHeads)] = max(peak[k%int(NumHeads)], math.Abs(v))
	}
	for h := range NumHeads {
		m.bias[h] = float32(bias[h])
		if peak[h] == 0 {
			peak[h] = 1
		}
		m.scale[h] = float32(peak[h] / math.MaxInt16)
	}
	for k, v := range w {
		m.w[k] = int16(math.Round(v / float64(m.scale[k%int(NumHeads)])))
	}
	return m
}

// calibrate sets every head's threshold from its scores on dev: the one that
// maximises F1, or for the heads in p.MinRecall the highest that keeps that
// recall. A head without positive dev examples keeps 0.5.
func (m *Model) calibrate(dev []Example, p Params) {
	type scored struct {
		s float64
		y int8
	}
	var per [NumHeads][]scored
	for _, e := range dev {
		s := m.Score(e.Text)
		for h := range NumHeads {
			if e.Label[h] >= 0 {
				per[h] = append(per[h], scored{s[h], e.Label[h]})
			}
		}
	}
	for h := range NumHeads {
		m.threshold[h] = 0.5
		xs := per[h]
		pos := 0
		for _, x := range xs {
			pos += int(x.y)
		}
		if pos == 0 {
			continue
		}
		sort.Slice(xs, func(a, b int) bool {
			if xs[a].s != xs[b].s {
				return xs[a].s > xs[b].s
			}
			return xs[a].y > xs[b].y
		})
		// the cut points, from the highest score down: a threshold at
		// cut.s labels the first cut.n examples, cut.tp of them positive
		type cut struct {
			s     float64
			tp, n int
		}
		var cuts []cut
		tp := 0
		for i, x := range xs {
			tp += int(x.y)
			if i+1 == len(xs) || xs[i+1].s != x.s { // equal scores are not split
				cuts = append(cuts, cut{x.s, tp, i + 1})
			}
		}
		name := Head(h).String()
		chosen := -1
		if minRecall, ok := p.MinRecall[name]; ok {
			chosen = slices.IndexFunc(cuts, func(c cut) bool { return float64(c.tp) >= minRecall*float64(pos) })
		} else if minPrecision, ok := p.MinPrecision[name]; ok {
			for i, c := range cuts {
				if float64(c.tp) >= minPrecision*float64(c.n) {
					chosen = i
				}
			}
		}
		if chosen < 0 {
			best := -1.0
			for i, c := range cuts {
				if f1 := 2 * float64(c.tp) / float64(c.n+pos); f1 > best {
					best, chosen = f1, i
				}
			}
		}
		m.threshold[h] = float32(cuts[chosen].s)
	}
}

// LoadExamples reads the sources' items under root and returns the examples
// of the splits p trains on, and of the dev splits it does not, in source
// and file order.
func LoadExamples(root string, sources []evalset.Source, p Params) (train, dev []Example, err error) {
	for _, src := range sources {
		items, err := src.Load(root)
		if err != nil {
			return nil, nil, err
		}
		splits, ok := p.TrainSplits[src.Name]
		if !ok {
			splits = []string{"train"}
		}
		for _, it := range items {
			switch {
			case it.Split == "holdout":
			case slices.Contains(splits, it.Split):
				train = append(train, ExampleOf(src, it))
			case it.Split == "dev":
				dev = append(dev, ExampleOf(src, it))
			}
		}
	}
	return train, dev, nil
}
