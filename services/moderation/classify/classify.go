package classify

import (
	"slices"
	"time"

	"github.com/ruche-project/ruche/services/moderation/classify/internal/gate"
	"github.com/ruche-project/ruche/services/moderation/classify/internal/tokens"
)

// Input is one interaction to classify.
type Input struct {
	Text string
	// Lang is the network's language tag, if any ("fr", "en-GB").
	Lang   string
	Author Author
	// At is when the interaction was written (for the author's account age).
	At time.Time
}

// Result is every label of one interaction.
type Result struct {
	Lang      Lang         `json:"lang"`
	Spam      Spam         `json:"spam"`
	Toxicity  Toxicity     `json:"toxicity"`
	PII       []PIIFinding `json:"-"`
	Sentiment Sentiment    `json:"sentiment"`
	Intent    Intent       `json:"intent"`
	// Urgent names urgent matters: "health", "safety", "legal", "press"...
	Urgent []string `json:"urgent"`
	// Text is the normalised text the labels were computed on, for callers
	// that look further into it (crisis terms) without normalising again.
	Text Text `json:"-"`
}

// Classify runs every classifier on in. Its Result is the caller's to keep;
// a caller classifying many texts at once uses a Batch.
func Classify(in Input) Result { return classify(in, new(tokens.Storage[Token])) }

// classify is Classify with the tokens built in st.
func classify(in Input, st *tokens.Storage[Token]) Result {
	t := normalizeInto(in.Text, st)
	r := Result{Lang: DetectLanguage(t, in.Lang), Text: t}
	raw := gate.NewText(in.Text)
	r.Spam = detectSpam(t, &raw, in.Author, in.At)
	r.Toxicity = DetectToxicity(t, r.Lang)
	r.PII = findPII(&raw, r.Lang)
	if r.Spam.Is {
		// Spam says nothing about the brand: its sentiment and intent are
		// not the author's opinion (and are not computed).
		r.Sentiment = Sentiment{Label: SentimentNeutral}
		r.Intent = IntentOther
	} else {
		r.Sentiment = ScoreSentiment(t, r.Lang)
		if r.Toxicity.Severity.rank() >= SeverityMedium.rank() && r.Sentiment.Label != SentimentNegative {
			r.Sentiment.Label = SentimentNegative
			r.Sentiment.Score = min(r.Sentiment.Score, -SentimentThreshold)
		}
		r.Intent = DetectIntent(t, r.Sentiment, r.Toxicity)
	}
	r.Urgent = DetectUrgent(t)
	return r
}

// DetectUrgent names the urgent matters t raises, sorted.
func DetectUrgent(t Text) []string {
	out := []string{}
	var buf [8]match
	for _, m := range lexicons().urgent.appendFind(buf[:0], t.Tokens) {
		if r := m.e.field(0); !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	slices.Sort(out)
	return out
}

// PIIKinds are the distinct kinds of personal data found, sorted.
func (r Result) PIIKinds() []PIIKind {
	out := []PIIKind{}
	for _, f := range r.PII {
		if !slices.Contains(out, f.Kind) {
			out = append(out, f.Kind)
		}
	}
	slices.Sort(out)
	return out
}

// Labels renders r as the labels of interaction.moderated.v1: "lang:fr",
// "spam", "toxicity:high", "toxicity:insult", "pii:email",
// "sentiment:negative", "sentiment:sarcasm", "intent:question", "urgent:health".
func (r Result) Labels() []string {
	out := []string{"lang:" + string(r.Lang)}
	if r.Spam.Is {
		out = append(out, "spam")
	}
	if r.Toxicity.Severity != SeverityNone && r.Toxicity.Severity != "" {
		out = append(out, "toxicity:"+string(r.Toxicity.Severity))
		for _, c := range r.Toxicity.Categories {
			out = append(out, "toxicity:"+string(c))
		}
	}
	for _, k := range r.PIIKinds() {
		out = append(out, "pii:"+string(k))
	}
	out = append(out, "sentiment:"+string(r.Sentiment.Label))
	if r.Sentiment.Sarcasm {
		out = append(out, "sentiment:sarcasm")
	}
	out = append(out, "intent:"+string(r.Intent))
	for _, u := range r.Urgent {
		out = append(out, "urgent:"+u)
	}
	return out
}
