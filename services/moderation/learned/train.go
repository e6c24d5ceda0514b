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
	// on the dev split reaches the value; the others maximise F1 on dev.
	MinRecall map[string]float64 `json:"min_recall"`
}

// Example is one training text and its label for each head: 1, 0, or -1
// when its source says nothing about that head.
type Example struct {
	Text  string
	Label [NumHeads]int8
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
	e := Example{Text: it.Text}
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
		e.Label[Positive], e.Label[Negative] = has("sentiment:positive"), has("sentiment:negative")
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
	label   [NumHeads]int8
}

func encode(examples []Example, mask uint32) []encoded {
	out := make([]encoded, len(examples))
	for i, e := range examples {
		var bs []uint32
		n := extract(e.Text, mask, func(b uint32) { bs = append(bs, b) })
		out[i] = encoded{buckets: bs, value: 1 / math.Sqrt(float64(max(n, 1))), label: e.Label}
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
// the same bytes.
func Train(train, dev []Example, p Params) *Model {
	mask := uint32(1)<<p.Bits - 1
	data := encode(train, mask)
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
					z += w[int(b)*int(NumHeads)+int(h)] * d.value
				}
				g := sigmoid(z) - float64(y)
				if y == 1 {
					g *= posWeight[h]
				}
				for _, b := range d.buckets {
					k := int(b)*int(NumHeads) + int(h)
					w[k] -= lr * (g*d.value + p.L2*w[k])
				}
				bias[h] -= lr * g
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
		minRecall, byRecall := p.MinRecall[Head(h).String()]
		best := -1.0
		tp := 0
		for i, x := range xs {
			tp += int(x.y)
			if i+1 < len(xs) && xs[i+1].s == x.s {
				continue // a threshold cannot split equal scores
			}
			recall := float64(tp) / float64(pos)
			if byRecall {
				if recall >= minRecall {
					m.threshold[h] = float32(x.s)
					break
				}
				continue
			}
			f1 := 2 * float64(tp) / float64(i+1+pos)
			if f1 > best {
				best = f1
				m.threshold[h] = float32(x.s)
			}
		}
	}
}

// LoadExamples reads the sources' items under root and returns the examples
// of their train and dev splits, in source and file order.
func LoadExamples(root string, sources []evalset.Source) (train, dev []Example, err error) {
	for _, src := range sources {
		items, err := src.Load(root)
		if err != nil {
			return nil, nil, err
		}
		for _, it := range items {
			switch it.Split {
			case "train":
				train = append(train, ExampleOf(src, it))
			case "dev":
				dev = append(dev, ExampleOf(src, it))
			}
		}
	}
	return train, dev, nil
}
