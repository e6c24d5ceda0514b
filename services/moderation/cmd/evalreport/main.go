// Command evalreport scores `ruche classify` (the pipeline: the rules and the
// learned model combined) and the learned model alone against the held-out split of every labelled set (package evalset's
// Sources) and prints, per source and language, precision, recall and
// confusion per label, the sentiment confusion, the misses and the targets
// of issue 21:
//
//	evalreport -emit | ruche classify | evalreport
//
// -emit writes the held-out items as `ruche classify` input lines.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/ruche-project/ruche/services/moderation/internal/evalset"
	"github.com/ruche-project/ruche/services/moderation/learned"
	"github.com/ruche-project/ruche/services/moderation/secondopinion"
)

func main() {
	root := flag.String("root", ".", "the services/moderation directory (the sets' paths are relative to it)")
	split := flag.String("split", "holdout", "the split scored: holdout (the figures quoted) or dev (the one tuned on)")
	emit := flag.Bool("emit", false, "write the split's items as `ruche classify` input instead of scoring")
	misses := flag.Int("misses", 15, "misses listed per source, language and part (-1: all)")
	weights := flag.String("weights", "", "score this weights file instead of the shipped model (to compare a retraining)")
	dump := flag.Bool("dump", false, "write one JSON line per item (expected labels, the pipeline's labels, the model's labels and scores) instead of the report")
	shortfalls := flag.Bool("shortfalls", false, "print the unmet targets as entries of the shortfalls map instead of the report")
	var opinion secondopinion.Config
	flag.StringVar(&opinion.BaseURL, "second-opinion", "", "score the pipeline with a model's second opinion beside it: an OpenAI-compatible base URL, or fake (pkg/modelfake)")
	flag.StringVar(&opinion.Model, "second-opinion-model", "gpt-4o-mini", "the second opinion's model")
	flag.DurationVar(&opinion.Timeout, "second-opinion-timeout", 10*time.Second, "the second opinion's timeout per request")
	flag.Parse()
	opinion.APIKey, opinion.DailyBudget = os.Getenv("RUCHE_MODERATION_SECOND_OPINION_API_KEY"), 1<<30
	var err error
	switch {
	case *emit:
		err = emitItems(os.Stdout, *root, *split)
	case opinion.BaseURL != "":
		var pipeline map[string][]string
		if pipeline, err = readPredictions(os.Stdin); err == nil {
			err = secondOpinion(os.Stdout, *root, *split, pipeline, opinion)
		}
	case *dump:
		err = dumpItems(os.Stdin, os.Stdout, *root, *split, *weights)
	default:
		err = run(os.Stdin, os.Stdout, *root, *split, *misses, *shortfalls, *weights)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "evalreport:", err)
		os.Exit(1)
	}
}

// emitItems writes every source's items of split as classify input lines.
func emitItems(out io.Writer, root, split string) error {
	return eachItem(out, root, split, func(_ evalset.Source, it evalset.Item) any {
		return struct {
			ID     string          `json:"id"`
			Text   string          `json:"text"`
			Lang   string          `json:"lang,omitempty"`
			Author json.RawMessage `json:"author,omitempty"`
		}{it.ID, it.Text, it.Lang, it.Author}
	})
}

// eachItem writes line(source, item) as a JSON line for every source's
// items of split.
func eachItem(out io.Writer, root, split string, line func(evalset.Source, evalset.Item) any) error {
	w := bufio.NewWriter(out)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, src := range evalset.Sources {
		items, err := src.Load(root)
		if err != nil {
			return err
		}
		for _, it := range evalset.Split(items, split) {
			if err := enc.Encode(line(src, it)); err != nil {
				return err
			}
		}
	}
	return w.Flush()
}

// readPredictions reads `ruche classify` output: labels by item id.
func readPredictions(in io.Reader) (map[string][]string, error) {
	predicted := map[string][]string{}
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var line struct {
			ID     string   `json:"id"`
			Labels []string `json:"labels"`
			Error  string   `json:"error"`
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			return nil, fmt.Errorf("classify output: %w", err)
		}
		if line.Error != "" {
			return nil, fmt.Errorf("classify failed: %s", line.Error)
		}
		predicted[line.ID] = line.Labels
	}
	return predicted, sc.Err()
}

func run(in io.Reader, out io.Writer, root, split string, misses int, shortfalls bool, weights string) error {
	rules, model, err := inputs(in, weights)
	if err != nil {
		return err
	}
	results, err := evaluate(root, split, rules, model)
	if err != nil {
		return err
	}
	if shortfalls {
		printShortfalls(out, results)
		return nil
	}
	for _, r := range results {
		r.print(out, misses)
	}
	if split == "holdout" {
		printTargets(out, results)
	}
	return nil
}

// inputs reads the rules' predictions from in and the model to score.
func inputs(in io.Reader, weights string) (map[string][]string, *learned.Model, error) {
	rules, err := readPredictions(in)
	if err != nil {
		return nil, nil, err
	}
	model, err := loadModel(weights)
	return rules, model, err
}

// loadModel reads a weights file, or returns the shipped model for "".
func loadModel(weights string) (*learned.Model, error) {
	if weights == "" {
		return learned.Default(), nil
	}
	f, err := os.Open(weights)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m, err := learned.Read(bufio.NewReader(f))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", weights, err)
	}
	return m, nil
}

// dumpItems writes, for every item of split, its expected labels, the
// rules' labels and the model's scores by head.
func dumpItems(in io.Reader, out io.Writer, root, split, weights string) error {
	rules, model, err := inputs(in, weights)
	if err != nil {
		return err
	}
	return eachItem(out, root, split, func(src evalset.Source, it evalset.Item) any {
		s := model.Score(it.Text)
		scores := map[string]float64{}
		for h := range learned.NumHeads {
			scores[h.String()] = s[h]
		}
		return struct {
			ID       string             `json:"id"`
			Source   string             `json:"source"`
			Lang     string             `json:"lang"`
			Want     []string           `json:"want"`
			Pipeline []string           `json:"pipeline"`
			Model    []string           `json:"model"`
			Scores   map[string]float64 `json:"scores"`
		}{it.ID, src.Name, it.Language(), it.Labels, rules[it.ID], model.Labels(s), scores}
	})
}
