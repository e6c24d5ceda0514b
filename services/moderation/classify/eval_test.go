package classify_test

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/ruche-project/ruche/services/moderation/classify"
	"github.com/ruche-project/ruche/services/moderation/internal/evalset"
)

// TestEvalSet holds the classifiers to the targets on the dev split of the
// hand-labelled set; the held-out split is only reported by `make eval`.
func TestEvalSet(t *testing.T) {
	items, err := evalset.Load("../testdata/eval.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	dev := evalset.Split(items, "dev")
	predicted := map[string][]string{}
	for _, it := range dev {
		var a classify.Author
		if len(it.Author) > 0 {
			if err := json.Unmarshal(it.Author, &a); err != nil {
				t.Fatalf("%s: author: %v", it.ID, err)
			}
		}
		predicted[it.ID] = classify.Classify(classify.Input{Text: it.Text, Lang: it.Lang, Author: a}).Labels()
	}
	r := evalset.Score(dev, predicted)
	if testing.Verbose() || os.Getenv("EVAL_MISTAKES") != "" {
		r.Print(t.Output(), "dev")
		if os.Getenv("EVAL_MISTAKES") != "" {
			r.PrintMistakes(t.Output())
		}
	}
	for _, label := range []string{"spam", "toxicity:any", "pii:any"} {
		c := r.Count(label)
		if c.Precision() < 0.9 || c.Recall() < 0.8 {
			t.Errorf("%s: precision %.2f recall %.2f, want >= 0.90 and >= 0.80", label, c.Precision(), c.Recall())
		}
	}
}
