package evalset

import (
	"fmt"
	"slices"
	"testing"
)

func items(n int, lang string, labels ...string) []Item {
	var out []Item
	for i := range n {
		out = append(out, Item{ID: fmt.Sprintf("%s-%s-%d", lang, labels, i), Lang: lang, Labels: append([]string{"lang:" + lang}, labels...)})
	}
	return out
}

// TestAssignSplitsStratifiedAndFixed: 70/15/15 in every language × label
// stratum, the same assignment whatever the items' order.
func TestAssignSplitsStratifiedAndFixed(t *testing.T) {
	all := slices.Concat(items(100, "en", "spam"), items(40, "en"), items(20, "fr", "toxicity:insult"))
	AssignSplits(all, Seed, Stratum)
	count := map[string]int{}
	bySplit := map[string]string{}
	for _, it := range all {
		count[Stratum(it)+" "+it.Split]++
		bySplit[it.ID] = it.Split
	}
	for key, want := range map[string]int{
		"en|spam train": 70, "en|spam dev": 15, "en|spam holdout": 15,
		"en| train": 28, "en| dev": 6, "en| holdout": 6,
		"fr|toxicity:insult train": 14, "fr|toxicity:insult dev": 3, "fr|toxicity:insult holdout": 3,
	} {
		if count[key] != want {
			t.Errorf("%s: %d items, want %d", key, count[key], want)
		}
	}
	reversed := slices.Clone(all)
	slices.Reverse(reversed)
	for i := range reversed {
		reversed[i].Split = ""
	}
	AssignSplits(reversed, Seed, Stratum)
	for _, it := range reversed {
		if bySplit[it.ID] != it.Split {
			t.Fatalf("%s: %s in one order, %s in the other", it.ID, bySplit[it.ID], it.Split)
		}
	}
}

func TestSampleCapsOnlyTheNamedLabel(t *testing.T) {
	all := slices.Concat(items(50, "en", "toxicity:insult"), items(30, "en"))
	got := Sample(all, map[string]int{"toxicity:insult": 10}, Seed)
	if n := len(Lang(got, "en")); n != 40 {
		t.Fatalf("%d items kept, want 10 insults and the 30 others", n)
	}
	if again := Sample(all, map[string]int{"toxicity:insult": 10}, Seed); !slices.EqualFunc(got, again, func(a, b Item) bool { return a.ID == b.ID }) {
		t.Error("two samplings differ")
	}
}

// TestScoreSourceCountsOnlyAnnotatedLabels: a public set annotating
// toxicity categories is not scored on the rules' severities, threats,
// languages or sentiment, but a category or a severity counts for
// toxicity:any.
func TestScoreSourceCountsOnlyAnnotatedLabels(t *testing.T) {
	src := Source{Name: "public", Labels: []string{"toxicity:any", "toxicity:insult", "toxicity:hate"}}
	set := []Item{
		{ID: "a", Lang: "en", Labels: []string{"lang:en", "toxicity:hate"}},
		{ID: "b", Lang: "en", Labels: []string{"lang:en"}},
		{ID: "c", Lang: "en", Labels: []string{"lang:en", "toxicity:insult"}},
	}
	r := ScoreSource(src, set, map[string][]string{
		"a": {"lang:fr", "toxicity:high", "toxicity:hate", "sentiment:negative"},
		"b": {"lang:en", "toxicity:low", "spam"},
		"c": {"lang:en", "sentiment:neutral", "toxicity:threat"},
	})
	for _, c := range r.Counts {
		if !src.Annotates(c.Label) {
			t.Errorf("label %s scored", c.Label)
		}
	}
	if c := r.Count("toxicity:any"); c.TP != 1 || c.FP != 1 || c.FN != 1 || c.TN != 0 {
		t.Errorf("toxicity:any %+v, want 1 tp, 1 fp, 1 fn (a threat alone is not toxicity:any)", c)
	}
	if c := r.Count("toxicity:hate"); c.TP != 1 || c.FP != 0 || c.FN != 0 || c.TN != 2 {
		t.Errorf("toxicity:hate %+v, want 1 tp, 2 tn", c)
	}
}

func TestScoreSentimentConfusion(t *testing.T) {
	set := []Item{
		{ID: "a", Labels: []string{"sentiment:positive"}},
		{ID: "b", Labels: []string{"sentiment:negative"}},
		{ID: "c", Labels: []string{"sentiment:negative"}},
		{ID: "d", Labels: []string{"lang:en"}},
	}
	s := ScoreSentiment(set, map[string][]string{
		"a": {"sentiment:positive"}, "b": {"sentiment:neutral"}, "c": {"sentiment:negative"}, "d": {"sentiment:positive"},
	})
	if s.Items != 3 || s.Correct != 2 || s.Matrix["negative"]["neutral"] != 1 {
		t.Errorf("%+v", s)
	}
}
