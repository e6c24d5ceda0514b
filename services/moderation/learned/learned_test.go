package learned

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math"
	"os"
	"slices"
	"testing"

	"github.com/ruche-project/ruche/services/moderation/internal/evalset"
)

func params(t testing.TB) Params {
	raw, err := os.ReadFile("params.json")
	if err != nil {
		t.Fatal(err)
	}
	var p Params
	if err := json.Unmarshal(raw, &p); err != nil {
		t.Fatal(err)
	}
	return p
}

func weights(t testing.TB, m *Model) []byte {
	var b bytes.Buffer
	if err := m.Write(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestTrainSubsetReproducible trains on every 20th example with 4,096
// buckets, twice: the same bytes, and the bytes pinned here (a change of
// the features, the order or the arithmetic changes them: retrain and
// update both this hash and weights.bin).
func TestTrainSubsetReproducible(t *testing.T) {
	p := params(t)
	train, dev, err := LoadExamples("..", evalset.Sources, p)
	if err != nil {
		t.Fatal(err)
	}
	every := func(xs []Example, n int) []Example {
		var out []Example
		for i := 0; i < len(xs); i += n {
			out = append(out, xs[i])
		}
		return out
	}
	train, dev = every(train, 20), every(dev, 20)
	p.Bits = 12
	a, b := weights(t, Train(train, dev, p)), weights(t, Train(train, dev, p))
	if !bytes.Equal(a, b) {
		t.Fatal("two trainings on the same examples differ")
	}
	sum := sha256.Sum256(a)
	const want = "524effa55a1ac7fb4f991ae59e6ddee07216d6ce8db9ace8db00ba53807275df"
	if got := hex.EncodeToString(sum[:]); got != want {
		t.Errorf("weights sha256 %s, want %s", got, want)
	}
}

// TestShippedWeightsReproduce retrains on the full training splits with
// params.json and compares with the embedded weights.bin bit for bit (what
// `make train-moderation && git diff --exit-code` checks).
func TestShippedWeightsReproduce(t *testing.T) {
	if testing.Short() {
		t.Skip("trains the full model (a few seconds)")
	}
	p := params(t)
	train, dev, err := LoadExamples("..", evalset.Sources, p)
	if err != nil {
		t.Fatal(err)
	}
	if got := weights(t, Train(train, dev, p)); !bytes.Equal(got, shipped) {
		t.Fatalf("retrained weights (%d bytes) differ from weights.bin (%d bytes): run `make train-moderation`", len(got), len(shipped))
	}
}

func TestReadRejectsDamagedFiles(t *testing.T) {
	for name, b := range map[string][]byte{
		"empty":     nil,
		"magic":     append([]byte("NOTMODEL"), shipped[8:]...),
		"truncated": shipped[:len(shipped)-2],
		"trailing":  append(bytes.Clone(shipped), 0),
	} {
		if _, err := Read(bytes.NewReader(b)); err == nil {
			t.Errorf("%s: read without error", name)
		}
	}
	m, err := Read(bytes.NewReader(shipped))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(weights(t, m), shipped) {
		t.Error("read then written weights differ")
	}
}

func TestScoreAllocatesNothing(t *testing.T) {
	m := Default()
	text := "Je sais où travaille votre directeur. Qu'il fasse attention à lui. https://t.co/x 😡"
	if n := testing.AllocsPerRun(100, func() { m.Score(text) }); n != 0 {
		t.Errorf("Score allocates %.0f times", n)
	}
}

// TestFeaturesFoldCaseAndAccents: the same words with a few other capitals
// (a text mostly in capitals has a feature of its own) and without accents
// (as many tweets are typed) give the same features, a URL counts as one
// word whatever its address, and digits as digits whatever their value.
func TestFeaturesFoldCaseAndAccents(t *testing.T) {
	buckets := func(s string) []uint32 {
		var out []uint32
		extract(s, 1<<20-1, func(b uint32) { out = append(out, b) })
		return out
	}
	same := func(a, b string) {
		t.Helper()
		if x, y := buckets(a), buckets(b); !slicesEqual(x, y) {
			t.Errorf("%q and %q have different features", a, b)
		}
	}
	same("vous êtes prévenus", "Vous Etes Prevenus")
	same("voir https://a.example/x?y=1 maintenant", "voir http://b.example maintenant")
	same("appelez le 06 12 34 56 78", "appelez le 07 98 76 54 32")
}

func slicesEqual(a, b []uint32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// BenchmarkScore scores the held-out texts of every set in turn.
func BenchmarkScore(b *testing.B) {
	var texts []string
	for _, src := range evalset.Sources {
		items, err := src.Load("..")
		if err != nil {
			b.Fatal(err)
		}
		for _, it := range evalset.Split(items, "holdout") {
			texts = append(texts, it.Text)
		}
	}
	m := Default()
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		m.Score(texts[n%len(texts)])
		n++
	}
}

func TestExpMatchesMath(t *testing.T) {
	for _, x := range []float64{-700, -50, -10.5, -1, -0.3466, 0, 1e-9, 0.5, 1, 2.302585092994046, 20, 88.7, 700} {
		got, want := exp(x), math.Exp(x)
		if d := math.Abs(got-want) / want; d > 1e-14 {
			t.Errorf("exp(%g) = %g, math.Exp %g (relative error %g)", x, got, want, d)
		}
	}
}

// TestLabels: a threat is labelled whatever the toxicity head says, and is
// toxic from p = 0.5; insult and hate only qualify a toxic text; the
// sentiment is the likeliest.
func TestLabels(t *testing.T) {
	m := &Model{}
	for h := range m.threshold {
		m.threshold[h] = 0.5
	}
	m.threshold[Threat] = 0.2
	score := func(kv map[Head]float64) Scores {
		var s Scores
		for h, v := range kv {
			s[h] = v
		}
		return s
	}
	for _, c := range []struct {
		s    Scores
		want []string
	}{
		{score(map[Head]float64{Threat: 0.6, Toxic: 0.1, Negative: 0.7}), []string{"toxicity:any", "toxicity:threat", "sentiment:negative"}},
		{score(map[Head]float64{Threat: 0.3, Toxic: 0.1, Negative: 0.7}), []string{"toxicity:threat", "sentiment:negative"}},
		{score(map[Head]float64{Insult: 0.9, Hate: 0.9, Neutral: 0.4, Positive: 0.3}), []string{"sentiment:neutral"}},
		{score(map[Head]float64{Toxic: 0.5, Insult: 0.9, Hate: 0.2, Positive: 0.2, Negative: 0.1}), []string{"toxicity:any", "toxicity:insult", "sentiment:positive"}},
		{score(map[Head]float64{Spam: 0.99, Neutral: 0.2}), []string{"spam", "sentiment:neutral"}},
	} {
		if got := m.Labels(c.s); !slices.Equal(got, c.want) {
			t.Errorf("%v: %v, want %v", c.s, got, c.want)
		}
	}
}
