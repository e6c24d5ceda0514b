package classify

import (
	"testing"

	"github.com/ruche-project/ruche/pkg/pii"

	"github.com/ruche-project/ruche/services/moderation/classify/internal/vader"
	"github.com/ruche-project/ruche/services/moderation/internal/evalset"
)

// BenchmarkClassifyEval classifies the texts of the evaluation set in turn.
func BenchmarkClassifyEval(b *testing.B) {
	items, err := evalset.Load("../testdata/eval.jsonl")
	if err != nil {
		b.Fatal(err)
	}
	inputs := make([]Input, len(items))
	for i, it := range items {
		inputs[i] = Input{Text: it.Text, Lang: it.Lang}
	}
	benchmarkClassify(b, inputs)
}

// BenchmarkClassifyPayload classifies the texts the pipeline benchmark
// sends, with their language tags.
func BenchmarkClassifyPayload(b *testing.B) {
	inputs := make([]Input, len(benchTexts))
	for i, s := range benchTexts {
		inputs[i] = Input{Text: s, Lang: []string{"fr", "en"}[i%2]}
	}
	benchmarkClassify(b, inputs)
}

// BenchmarkClassifyEvalBatched classifies the evaluation set as the
// moderation service does: in batches of 128 texts, each released once.
func BenchmarkClassifyEvalBatched(b *testing.B) {
	items, err := evalset.Load("../testdata/eval.jsonl")
	if err != nil {
		b.Fatal(err)
	}
	Classify(Input{Text: items[0].Text}) // lexicons and VADER load once
	b.ReportAllocs()
	n := 0
	var batch Batch
	cpu := processCPU()
	for b.Loop() {
		it := items[n%len(items)]
		batch.Classify(Input{Text: it.Text, Lang: it.Lang})
		if n++; n%128 == 0 {
			batch.Release()
		}
	}
	batch.Release()
	if cpu := processCPU() - cpu; cpu > 0 {
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(n), "cpu-ns/op")
	}
}

func benchmarkClassify(b *testing.B, inputs []Input) {
	Classify(inputs[0]) // lexicons and VADER load once
	b.ReportAllocs()
	n := 0
	cpu := processCPU()
	for b.Loop() {
		Classify(inputs[n%len(inputs)])
		n++
	}
	if cpu := processCPU() - cpu; cpu > 0 {
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(n), "cpu-ns/op")
	}
}

// BenchmarkStages times each stage of Classify on the payload texts, per
// text: VADER runs on the English half only, as in Classify.
func BenchmarkStages(b *testing.B) {
	texts := make([]Text, len(benchTexts))
	for i, s := range benchTexts {
		texts[i] = Normalize(s)
	}
	langs := []Lang{LangFrench, LangEnglish}
	lx := lexicons()
	for _, st := range []struct {
		name string
		run  func(i int)
	}{
		{"normalize", func(i int) { Normalize(benchTexts[i]) }},
		{"sentiment", func(i int) { ScoreSentiment(texts[i], langs[i%2]) }},
		{"vader", func(i int) {
			if i%2 == 1 {
				vader.Compound(benchTexts[i])
			}
		}},
		{"toxicity", func(i int) { DetectToxicity(texts[i], langs[i%2]) }},
		{"spam", func(i int) { DetectSpam(texts[i], Author{}, goldenAt) }},
		{"pii", func(i int) { pii.Find(benchTexts[i], string(langs[i%2])) }},
		{"intent", func(i int) { DetectIntent(texts[i], Sentiment{}, Toxicity{}) }},
		{"urgent", func(i int) { DetectUrgent(texts[i]) }},
		{"language", func(i int) { DetectLanguage(texts[i], "") }},
		{"find_all_lexicons", func(i int) {
			for _, p := range []*phrases{lx.toxicity, lx.spam, lx.sentimentFR, lx.sentimentEN, lx.intent, lx.urgent} {
				p.find(texts[i].Tokens)
			}
		}},
	} {
		b.Run(st.name, func(b *testing.B) {
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				st.run(n % len(texts))
				n++
			}
		})
	}
}
