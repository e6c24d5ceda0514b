package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/ruche-project/ruche/services/moderation/internal/evalset"
)

func labels(items []evalset.Item) map[string][]string {
	out := map[string][]string{}
	for _, it := range items {
		out[it.ID] = it.Labels
	}
	return out
}

func TestMLMAMapsHostilityTypes(t *testing.T) {
	in := "HITId,tweet,sentiment,directness,annotator_sentiment,target,group\n" +
		"1,ok @user,normal,indirect,indifference,origin,other\n" +
		"2,a,offensive_normal,direct,anger,origin,other\n" +
		"3,b,fearful,indirect,fear,origin,other\n" +
		"4,c &amp; d,abusive_hateful,direct,anger,origin,other\n"
	items, err := mlma(strings.NewReader(in), "fr")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"mlma-fr-1": {"lang:fr"},
		"mlma-fr-2": {"lang:fr", "toxicity:insult"},
		"mlma-fr-3": {"lang:fr", "toxicity:hate"},
		"mlma-fr-4": {"lang:fr", "toxicity:insult", "toxicity:hate"},
	}
	got := labels(items)
	for id, w := range want {
		if !slices.Equal(got[id], w) {
			t.Errorf("%s: %v, want %v", id, got[id], w)
		}
	}
	if items[3].Text != "c & d" {
		t.Errorf("text %q: entities not unescaped", items[3].Text)
	}
}

func TestDavidsonRejectsUnknownClass(t *testing.T) {
	head := ",count,hate_speech,offensive_language,neither,class,tweet\n"
	items, err := davidson(strings.NewReader(head + "0,3,3,0,0,0,x\n1,3,0,3,0,1,y\n2,3,0,0,3,2,z\n"))
	if err != nil {
		t.Fatal(err)
	}
	got := labels(items)
	if !slices.Equal(got["davidson-0"], []string{"lang:en", "toxicity:hate"}) || !slices.Equal(got["davidson-1"], []string{"lang:en", "toxicity:insult"}) || !slices.Equal(got["davidson-2"], []string{"lang:en"}) {
		t.Errorf("%v", got)
	}
	if _, err := davidson(strings.NewReader(head + "0,3,0,0,3,7,x\n")); err == nil || !strings.Contains(err.Error(), "class") {
		t.Errorf("class 7: %v, want an error naming the class", err)
	}
	if _, err := davidson(strings.NewReader(",tweet\n1,x\n")); err == nil || !strings.Contains(err.Error(), "class") {
		t.Errorf("no class column: %v, want an error naming it", err)
	}
}

func TestYouTubeAndSentences(t *testing.T) {
	yt, err := youtube(strings.NewReader("COMMENT_ID,AUTHOR,DATE,CONTENT,CLASS\nz1,a,2014,\"check out  my channel\",1\nz2,b,2014,love it,0\n"), "Youtube01-Psy")
	if err != nil {
		t.Fatal(err)
	}
	if got := labels(yt); !slices.Contains(got["youtube-Youtube01-Psy-z1"], "spam") || slices.Contains(got["youtube-Youtube01-Psy-z2"], "spam") || yt[0].Text != "check out my channel" {
		t.Errorf("%+v", yt)
	}
	st, err := sentences(strings.NewReader("Great food.\t1\nCold soup.  \t0\n"), "yelp")
	if err != nil {
		t.Fatal(err)
	}
	if got := labels(st); !slices.Contains(got["sentences-yelp-1"], "sentiment:positive") || !slices.Contains(got["sentences-yelp-2"], "sentiment:negative") {
		t.Errorf("%v", got)
	}
	if _, err := sentences(strings.NewReader("no tab here\n"), "yelp"); err == nil {
		t.Error("a line without a score read without error")
	}
}
