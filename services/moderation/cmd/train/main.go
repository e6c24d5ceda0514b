// Command train fits the learned moderation model (package learned) on the
// training splits of every labelled set, sets its thresholds on the dev
// splits and writes the weights the package embeds:
//
//	go run ./cmd/train        # from services/moderation; `make train-moderation`
//
// The hyper-parameters are learned/params.json; the same sets and
// parameters give the same bytes.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"

	"github.com/ruche-project/ruche/services/moderation/internal/evalset"
	"github.com/ruche-project/ruche/services/moderation/learned"
)

func main() {
	root := flag.String("root", ".", "the services/moderation directory")
	params := flag.String("params", "learned/params.json", "the hyper-parameters")
	out := flag.String("out", "learned/weights.bin", "where the weights are written")
	flag.Parse()
	if err := run(*root, *params, *out); err != nil {
		fmt.Fprintln(os.Stderr, "train:", err)
		os.Exit(1)
	}
}

func run(root, paramsPath, out string) error {
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
