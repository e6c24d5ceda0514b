// Command importsets converts the public labelled sets, as published in their
// repositories, into the JSON lines of services/moderation/testdata/<source>/
// (one evalset.Item a line, split already assigned). Each source's SOURCE.md
// names the repository, commit and licence and the command that made it:
//
//	importsets -source davidson -in labeled_data.csv -out testdata/davidson
//
// The conversion is deterministic: items are sampled and split by a hash of
// their id and the seed (evalset.AssignSplits), not by a random generator.
package main

import (
	"bufio"
	"encoding/csv"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/ruche-project/ruche/services/moderation/internal/evalset"
)

func main() {
	source := flag.String("source", "", "mlma, davidson, youtube, sentences or project")
	out := flag.String("out", "", "directory the items.jsonl is written to")
	flag.Parse()
	if err := run(*source, flag.Args(), *out); err != nil {
		fmt.Fprintln(os.Stderr, "importsets:", err)
		os.Exit(1)
	}
}

// Per-source caps on the number of items kept per stratum (0: all), so that
// the stored files stay a few megabytes at most.
var caps = map[string]map[string]int{
	"davidson": {"toxicity:insult": 2000},
}

func run(source string, inputs []string, out string) error {
	if out == "" || len(inputs) == 0 {
		return fmt.Errorf("-out and at least one input file are required")
	}
	if source == "project" {
		return project(inputs[0], out)
	}
	var items []evalset.Item
	for _, in := range inputs {
		got, err := convert(source, in)
		if err != nil {
			return fmt.Errorf("%s: %w", in, err)
		}
		items = append(items, got...)
	}
	items = evalset.Sample(items, caps[source], evalset.Seed)
	evalset.AssignSplits(items, evalset.Seed, evalset.Stratum)
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	return evalset.Write(filepath.Join(out, "items.jsonl"), items)
}

// project assigns a split to the items of the hand-written set that have
// none (new ones), stratified by evalset.Coarse; the others keep theirs.
func project(in, out string) error {
	items, err := evalset.Load(in)
	if err != nil {
		return err
	}
	var idx []int
	var fresh []evalset.Item
	for i, it := range items {
		if it.Split == "" {
			idx = append(idx, i)
			fresh = append(fresh, it)
		}
	}
	evalset.AssignSplits(fresh, evalset.Seed, evalset.Coarse)
	for j, i := range idx {
		items[i].Split = fresh[j].Split
	}
	return evalset.Write(out, items)
}

func convert(source, path string) ([]evalset.Item, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	switch source {
	case "mlma":
		// en_dataset_with_stop_words.csv, fr_dataset.csv
		return mlma(f, filepath.Base(path)[:2])
	case "davidson":
		return davidson(f)
	case "youtube":
		return youtube(f, strings.TrimSuffix(filepath.Base(path), ".csv"))
	case "sentences":
		return sentences(f, strings.TrimSuffix(filepath.Base(path), "_labelled.txt"))
	}
	return nil, fmt.Errorf("unknown source %q", source)
}

// records reads a CSV file with a header and returns its rows as maps.
func records(r io.Reader, want ...string) ([]map[string]string, error) {
	cr := csv.NewReader(r)
	cr.LazyQuotes = true
	head, err := cr.Read()
	if err != nil {
		return nil, err
	}
	var rows []map[string]string
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		row := map[string]string{}
		for i, h := range head {
			if i < len(rec) {
				row[strings.TrimSpace(h)] = rec[i]
			}
		}
		for _, w := range want {
			if _, ok := row[w]; !ok {
				return nil, fmt.Errorf("line %d: no column %q", len(rows)+2, w)
			}
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// mlma maps the hostility types of MLMA (Ousidhoum et al. 2019) the way its
// authors do for binary tasks: a tweet labelled "normal" alone is clean,
// any other is toxic. "hateful" and "fearful" (fear of a group) are hate;
// "offensive", "abusive" and "disrespectful" are insults.
func mlma(r io.Reader, lang string) ([]evalset.Item, error) {
	rows, err := records(r, "HITId", "tweet", "sentiment")
	if err != nil {
		return nil, err
	}
	var items []evalset.Item
	for _, row := range rows {
		types := strings.Split(row["sentiment"], "_")
		labels := []string{"lang:" + lang}
		if !(len(types) == 1 && types[0] == "normal") {
			hate, insult := false, false
			for _, t := range types {
				switch t {
				case "hateful", "fearful":
					hate = true
				case "offensive", "abusive", "disrespectful":
					insult = true
				}
			}
			if insult {
				labels = append(labels, "toxicity:insult")
			}
			if hate {
				labels = append(labels, "toxicity:hate")
			}
		}
		items = append(items, evalset.Item{ID: "mlma-" + lang + "-" + row["HITId"], Text: clean(row["tweet"]), Lang: lang, Labels: labels})
	}
	return items, nil
}

// davidson maps the majority class of Davidson et al. 2017: 0 hate speech,
// 1 offensive language (an insult), 2 neither.
func davidson(r io.Reader) ([]evalset.Item, error) {
	rows, err := records(r, "", "class", "tweet")
	if err != nil {
		return nil, err
	}
	var items []evalset.Item
	for _, row := range rows {
		labels := []string{"lang:en"}
		switch row["class"] {
		case "0":
			labels = append(labels, "toxicity:hate")
		case "1":
			labels = append(labels, "toxicity:insult")
		case "2":
		default:
			return nil, fmt.Errorf("row %s: class %q", row[""], row["class"])
		}
		items = append(items, evalset.Item{ID: "davidson-" + row[""], Text: clean(row["tweet"]), Lang: "en", Labels: labels})
	}
	return items, nil
}

// youtube maps the YouTube Spam Collection's CLASS (1 spam, 0 ham).
func youtube(r io.Reader, file string) ([]evalset.Item, error) {
	rows, err := records(r, "COMMENT_ID", "CONTENT", "CLASS")
	if err != nil {
		return nil, err
	}
	var items []evalset.Item
	for _, row := range rows {
		labels := []string{"lang:en"}
		switch row["CLASS"] {
		case "1":
			labels = append(labels, "spam")
		case "0":
		default:
			return nil, fmt.Errorf("comment %s: CLASS %q", row["COMMENT_ID"], row["CLASS"])
		}
		items = append(items, evalset.Item{ID: "youtube-" + file + "-" + row["COMMENT_ID"], Text: clean(row["CONTENT"]), Lang: "en", Labels: labels})
	}
	return items, nil
}

// sentences maps Kotzias et al. 2015's sentence<TAB>score (1 positive,
// 0 negative).
func sentences(r io.Reader, site string) ([]evalset.Item, error) {
	var items []evalset.Item
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), "\r\n")
		if strings.TrimSpace(line) == "" {
			continue
		}
		i := strings.LastIndexByte(line, '\t')
		if i < 0 {
			return nil, fmt.Errorf("line %d: no tab", n)
		}
		score, err := strconv.Atoi(strings.TrimSpace(line[i+1:]))
		if err != nil || score < 0 || score > 1 {
			return nil, fmt.Errorf("line %d: score %q", n, line[i+1:])
		}
		label := "sentiment:negative"
		if score == 1 {
			label = "sentiment:positive"
		}
		items = append(items, evalset.Item{ID: fmt.Sprintf("sentences-%s-%d", site, n), Text: clean(line[:i]), Lang: "en", Labels: []string{"lang:en", label}})
	}
	return items, sc.Err()
}

// clean undoes the HTML escaping some exports carry and folds whitespace.
func clean(s string) string {
	s = strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">", "&quot;", `"`, "&#39;", "'", "\ufeff", "").Replace(s)
	return strings.Join(strings.Fields(s), " ")
}
