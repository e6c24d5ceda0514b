// Command train fits the learned moderation model (package learned) on the
// training splits of every labelled set, sets its thresholds on the dev
// splits and writes the weights the package embeds:
//
//	go run ./cmd/train        # from services/moderation; `make train-moderation`
//
// The hyper-parameters are learned/params.json; the same sets and
// parameters give the same bytes. -corrections adds moderators' corrections
// (case.corrected.v1 as JSON lines, e.g. the "corrections" of `ruche
// corrections --json`) to the training examples: what they add is positive,
// what they remove negative (feedback.Example); the result is another model
// than the shipped one, written to -out.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"

	casev1 "github.com/ruche-project/ruche/events/case/v1"
	"github.com/ruche-project/ruche/services/moderation/feedback"
	"github.com/ruche-project/ruche/services/moderation/internal/evalset"
	"github.com/ruche-project/ruche/services/moderation/learned"
)

func main() {
	root := flag.String("root", ".", "the services/moderation directory")
	params := flag.String("params", "learned/params.json", "the hyper-parameters")
	out := flag.String("out", "learned/weights.bin", "where the weights are written")
	corrections := flag.String("corrections", "", "moderators' corrections to train on too (case.corrected.v1, one JSON object a line)")
	flag.Parse()
	if err := run(*root, *params, *out, *corrections); err != nil {
		fmt.Fprintln(os.Stderr, "train:", err)
		os.Exit(1)
	}
}

func run(root, paramsPath, out, correctionsPath string) error {
	raw, err := os.ReadFile(paramsPath)
	if err != nil {
		return err
	}
	var p learned.Params
	if err := json.Unmarshal(raw, &p); err != nil {
		return fmt.Errorf("%s: %w", paramsPath, err)
	}
	train, dev, err := learned.LoadExamples(root, evalset.Sources, p)
	if err != nil {
		return err
	}
	if correctionsPath != "" {
		extra, err := readCorrections(correctionsPath)
		if err != nil {
			return err
		}
		train = append(train, extra...)
		fmt.Printf("%d moderators' corrections added to the training examples\n", len(extra))
	}
	m := learned.Train(train, dev, p)
	var buf bytes.Buffer
	if err := m.Write(&buf); err != nil {
		return err
	}
	fmt.Printf("trained on %d examples, thresholds set on %d; weights %d bytes\n", len(train), len(dev), buf.Len())
	for h := range learned.NumHeads {
		fmt.Printf("  %-9s threshold %.3f\n", h, m.Threshold(h))
	}
	return os.WriteFile(out, buf.Bytes(), 0o644)
}

// readCorrections reads case.corrected.v1 events, one a line, as training
// examples.
func readCorrections(path string) ([]learned.Example, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []learned.Example
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for n := 1; sc.Scan(); n++ {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var c casev1.Corrected
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, n, err)
		}
		if err := casev1.CheckCorrection(c.Add, c.Remove); err != nil || c.Text == "" {
			return nil, fmt.Errorf("%s:%d: not a correction with a text: %v", path, n, err)
		}
		out = append(out, feedback.Example(c))
	}
	return out, sc.Err()
}
