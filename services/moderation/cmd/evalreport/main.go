// Command evalreport scores `ruche classify` output against the
// hand-labelled evaluation set and prints precision and recall per label,
// for the dev and held-out splits:
//
//	ruche classify < testdata/eval.jsonl | evalreport -set testdata/eval.jsonl
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/ruche-project/ruche/services/moderation/internal/evalset"
)

func main() {
	set := flag.String("set", "services/moderation/testdata/eval.jsonl", "the labelled evaluation set")
	mistakes := flag.Bool("mistakes", false, "list the dev items that were wrong")
	flag.Parse()
	if err := run(os.Stdin, os.Stdout, *set, *mistakes); err != nil {
		fmt.Fprintln(os.Stderr, "evalreport:", err)
		os.Exit(1)
	}
}

func run(in io.Reader, out io.Writer, setPath string, mistakes bool) error {
	items, err := evalset.Load(setPath)
	if err != nil {
		return err
	}
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
			return fmt.Errorf("classify output: %w", err)
		}
		if line.Error != "" {
			return fmt.Errorf("classify failed: %s", line.Error)
		}
		predicted[line.ID] = line.Labels
	}
	if err := sc.Err(); err != nil {
		return err
	}
	for _, it := range items {
		if _, ok := predicted[it.ID]; !ok {
			return fmt.Errorf("no classify output for item %s", it.ID)
		}
	}
	for _, split := range []string{"dev", "holdout"} {
		r := evalset.Score(evalset.Split(items, split), predicted)
		r.Print(out, split)
		if mistakes && split == "dev" {
			r.PrintMistakes(out)
		}
		fmt.Fprintln(out)
	}
	return nil
}
