// Package learned is the statistical classifier beside the rules of
// package classify: one logistic regression per label over hashed word
// unigrams and bigrams and character 2- to 5-grams, trained from the
// training splits of the labelled sets by cmd/train (`make
// train-moderation`), its weights shipped in weights.bin and embedded in the
// binary.
//
// It scores toxicity (with its insult, threat and hate categories), spam and
// sentiment, in French and English, as calibrated probabilities; Labels
// turns them into the labels of interaction.moderated.v1 with the
// thresholds measured on the dev splits (stored with the weights).
package learned

import (
	"bytes"
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"sync"
)

// Head is one label the model scores.
type Head int

// The heads, in the order of the weights file.
const (
	Toxic Head = iota
	Insult
	Threat
	Hate
	Spam
	Positive
	Neutral
	Negative
	NumHeads
)

var headNames = [NumHeads]string{"toxicity", "insult", "threat", "hate", "spam", "positive", "neutral", "negative"}

func (h Head) String() string { return headNames[h] }

// Scores are the probabilities, in [0, 1], that a text carries each label:
// s[learned.Threat] is the threat's.
type Scores [NumHeads]float64

// Model is a trained linear model. Its zero value is not usable: get one
// from Default or Read.
type Model struct {
	bits      uint8
	bias      [NumHeads]float32
	scale     [NumHeads]float32
	threshold [NumHeads]float32
	// w holds the quantised weights bucket by bucket: w[b*NumHeads+h] is
	// head h's weight for bucket b, so one feature reads one cache line.
	w []int16
}

const magic = "RUCHELM1"

//go:embed weights.bin
var shipped []byte

// Default is the model shipped in the binary, read once.
var Default = sync.OnceValue(func() *Model {
	m, err := Read(bytes.NewReader(shipped))
	if err != nil {
		panic(fmt.Sprintf("learned: shipped weights: %v", err))
	}
	return m
})

// Score returns text's probabilities for every head.
func (m *Model) Score(text string) Scores {
	var z [NumHeads]int64
	w := m.w
	n := extract(text, uint32(1)<<m.bits-1, func(b uint32) {
		row := w[int(b)*int(NumHeads):][:NumHeads]
		for h := range z {
			z[h] += int64(row[h])
		}
	})
	var s Scores
	inv := 1 / math.Sqrt(float64(max(n, 1)))
	for h := range s {
		s[h] = sigmoid(float64(m.bias[h]) + float64(float64(float64(z[h])*float64(m.scale[h]))*inv))
	}
	return s
}

// Threshold is the score from which head h's label is given (measured on
// the dev splits when the model was trained).
func (m *Model) Threshold(h Head) float64 { return float64(m.threshold[h]) }

// Over reports whether s reaches head h's threshold (compared in float32,
// the precision the threshold is stored in).
func (m *Model) Over(s Scores, h Head) bool { return float32(s[h]) >= m.threshold[h] }

// Labels renders s as labels with the model's thresholds: "spam",
// "toxicity:any" with its categories, and the likeliest "sentiment:" label
// (the sentiment heads' thresholds are only reported).
func (m *Model) Labels(s Scores) []string {
	var out []string
	if m.Over(s, Spam) {
		out = append(out, "spam")
	}
	// A threat is a label of its own, given from a low threshold (its
	// recall comes first); only a likely one (p ≥ 0.5) also makes the text
	// toxic. Insult and hate only qualify a toxic text.
	threat := m.Over(s, Threat)
	if m.Over(s, Toxic) || threat && s[Threat] >= 0.5 {
		out = append(out, "toxicity:any")
		for _, h := range []Head{Insult, Hate} {
			if m.Over(s, h) {
				out = append(out, "toxicity:"+h.String())
			}
		}
	}
	if threat {
		out = append(out, "toxicity:threat")
	}
	// sentiment: the likeliest of the three
	best := Positive
	for _, h := range []Head{Neutral, Negative} {
		if s[h] > s[best] {
			best = h
		}
	}
	out = append(out, "sentiment:"+best.String())
	return out
}

// header is the start of a weights file.
type header struct {
	Magic                  [8]byte
	Bits, Heads            uint8
	Bias, Scale, Threshold [NumHeads]float32
}

// Write stores m: the magic, the hash bits and the number of heads, then per
// head its bias, scale and threshold (float32), then the int16 weights, all
// little-endian.
func (m *Model) Write(w io.Writer) error {
	head := header{Bits: m.bits, Heads: uint8(NumHeads), Bias: m.bias, Scale: m.scale, Threshold: m.threshold}
	copy(head.Magic[:], magic)
	if err := binary.Write(w, binary.LittleEndian, head); err != nil {
		return err
	}
	return binary.Write(w, binary.LittleEndian, m.w)
}

// Read loads a model written by Write.
func Read(r io.Reader) (*Model, error) {
	var head header
	if err := binary.Read(r, binary.LittleEndian, &head); err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	if string(head.Magic[:]) != magic {
		return nil, errors.New("not a model file (magic)")
	}
	if head.Heads != uint8(NumHeads) || head.Bits < 8 || head.Bits > 24 {
		return nil, fmt.Errorf("header: %d heads, %d bits", head.Heads, head.Bits)
	}
	m := &Model{bits: head.Bits, bias: head.Bias, scale: head.Scale, threshold: head.Threshold}
	m.w = make([]int16, (1<<m.bits)*int(NumHeads))
	if err := binary.Read(r, binary.LittleEndian, m.w); err != nil {
		return nil, fmt.Errorf("weights: %w", err)
	}
	if n, _ := r.Read(make([]byte, 1)); n != 0 {
		return nil, errors.New("trailing bytes after the weights")
	}
	return m, nil
}
