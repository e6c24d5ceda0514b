package classify

import (
	"slices"
	"strings"
	"time"

	"github.com/ruche-project/ruche/pkg/gate"
	"github.com/ruche-project/ruche/pkg/pii"
	"github.com/ruche-project/ruche/services/moderation/classify/internal/tokens"
	"github.com/ruche-project/ruche/services/moderation/learned"
)

// Input is one interaction to classify.
type Input struct {
	Text string
	// Lang is the network's language tag, if any ("fr", "en-GB").
	Lang   string
	Author Author
	// At is when the interaction was written (for the author's account age).
	At time.Time
	// BrandDomains are the brand's own domains (its policy's): a link to a
	// lookalike of one is phishing.
	BrandDomains []string
	// Correction is a moderator's correction of a similar text, applied to
	// the labels (nil: none).
	Correction *Correction
}

// Result is every label of one interaction.
type Result struct {
	Lang      Lang          `json:"lang"`
	Spam      Spam          `json:"spam"`
	Toxicity  Toxicity      `json:"toxicity"`
	PII       []pii.Finding `json:"-"`
	Sentiment Sentiment     `json:"sentiment"`
	Intent    Intent        `json:"intent"`
	// Urgent names urgent matters: "health", "safety", "legal", "press"...
	Urgent []string `json:"urgent"`
	// Scores are the learned model's, for callers that weigh how sure the
	// verdict is (the second opinion's uncertainty band).
	Scores learned.Scores `json:"-"`
	// Corrections are what a moderator's correction changed
	// ("feedback:-spam:<id>"), for the decision's rule hits.
	Corrections []string `json:"-"`
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
	m := learned.Default()
	scores := m.Score(in.Text)
	r.Scores = scores
	r.Spam = detectSpam(t, &raw, in.Author, in.At, in.BrandDomains)
	combineSpam(&r.Spam, m, scores, t)
	r.Toxicity = DetectToxicity(t, r.Lang)
	combineToxicity(&r.Toxicity, m, scores)
	in.Correction.correctLabels(&r)
	r.PII = pii.FindText(&raw, string(r.Lang))
	if r.Spam.Is {
		// The number a spam asks to call or message is the spammer's
		// business contact, not its author's personal data to protect.
		r.PII = slices.DeleteFunc(r.PII, func(f pii.Finding) bool { return f.Kind == pii.Phone })
	}
	if r.Spam.Is {
		// Spam says nothing about the brand: its sentiment and intent are
		// not the author's opinion (and are not computed).
		r.Sentiment = Sentiment{Label: SentimentNeutral}
		r.Intent = IntentOther
	} else {
		r.Sentiment = ScoreSentiment(t, r.Lang)
		combineSentiment(&r.Sentiment, scores)
		if r.Toxicity.Severity.rank() >= SeverityMedium.rank() && r.Sentiment.Label != SentimentNegative {
			r.Sentiment.Label = SentimentNegative
			r.Sentiment.Score = min(r.Sentiment.Score, -SentimentThreshold)
		}
		in.Correction.correctSentiment(&r)
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
func (r Result) PIIKinds() []pii.Kind {
	out := []pii.Kind{}
	for _, f := range r.PII {
		if !slices.Contains(out, f.Kind) {
			out = append(out, f.Kind)
		}
	}
	slices.Sort(out)
	return out
}

// LabelThreat is the label of a threat: its own, not a toxicity category,
// because a threat goes to a human whatever else is found.
const LabelThreat = "threat"

// Threat reports whether r holds a threat (rules or model).
func (r Result) Threat() bool { return slices.Contains(r.Toxicity.Categories, CategoryThreat) }

// Labels renders r as the labels of interaction.moderated.v1: "lang:fr",
// "spam", "toxicity:high", "toxicity:insult", "threat", "pii:email",
// "sentiment:negative", "sentiment:sarcasm", "intent:question", "urgent:health".
func (r Result) Labels() []string {
	out := []string{"lang:" + string(r.Lang)}
	if r.Spam.Is {
		out = append(out, "spam")
	}
	if r.Toxicity.Severity != SeverityNone && r.Toxicity.Severity != "" {
		out = append(out, "toxicity:"+string(r.Toxicity.Severity))
		for _, c := range r.Toxicity.Categories {
			if c != CategoryThreat {
				out = append(out, "toxicity:"+string(c))
			}
		}
	}
	if r.Threat() {
		out = append(out, LabelThreat)
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

// Reasons says what decided each label of Labels but the language: the
// rules' ids ("shortener", "insult:connard", "threat:je_vais_te") or the
// model's score ("model:spam=0.731"). A label the rules decide without a
// named rule (sentiment, intent, urgency) has "rules:<family>".
func (r Result) Reasons() map[string][]string {
	out := map[string][]string{}
	hits := func(prefix string) []string {
		var h []string
		for _, x := range r.Toxicity.Hits {
			if strings.HasPrefix(x, prefix+":") || strings.HasPrefix(x, "model:"+prefix+"=") || strings.HasPrefix(x, "feedback:"+prefix+":") {
				h = append(h, x)
			}
		}
		return h
	}
	for _, l := range r.Labels() {
		family, kind, _ := strings.Cut(l, ":")
		var why []string
		switch {
		case family == "lang":
			continue
		case l == "spam":
			why = r.Spam.Reasons
		case l == LabelThreat:
			why = hits(string(CategoryThreat))
		case family == "toxicity" && (kind == string(CategoryInsult) || kind == string(CategoryHate)):
			why = hits(kind)
		case family == "toxicity":
			why = r.Toxicity.Hits
		case family == "sentiment" && kind != "sarcasm" && r.Sentiment.By != "":
			why = []string{r.Sentiment.By}
		}
		if len(why) == 0 {
			why = []string{"rules:" + family}
		}
		out[l] = slices.Clone(why)
	}
	return out
}
