package classify

import (
	"slices"
	"strings"
)

// Correction is a moderator's correction of the labels of a text like the
// one classified (package feedback finds it): labels to add and to remove,
// among spam, toxicity, threat and sentiment:<label>. It is applied where
// the classifiers decide those labels, so what follows from them (personal
// data kept on a text that is no longer spam, its sentiment and intent
// computed) is as if the classifiers had decided so.
type Correction struct {
	Add, Remove []string
	// By names the correction in the labels' reasons: "feedback:<id>".
	By string
}

// applied records what the correction changed, for the decision's rule hits:
// "feedback:+spam:<id>", "feedback:-toxicity:<id>".
func (c *Correction) applied(r *Result, label string, add bool) {
	sign := "-"
	if add {
		sign = "+"
	}
	r.Corrections = append(r.Corrections, "feedback:"+sign+label+":"+strings.TrimPrefix(c.By, "feedback:"))
}

func (c *Correction) has(list []string, label string) bool {
	return c != nil && slices.Contains(list, label)
}

// reason is what a label the correction adds gives as its reason:
// "feedback:spam:<id>" (Reasons finds a threat's by its prefix).
func (c *Correction) reason(label string) string {
	return "feedback:" + label + ":" + strings.TrimPrefix(c.By, "feedback:")
}

// correctLabels applies c's spam, toxicity and threat labels. A threat is
// never removed: every threat goes to a human, whatever a similar text was.
func (c *Correction) correctLabels(r *Result) {
	if c == nil {
		return
	}
	switch {
	case c.has(c.Remove, "spam") && r.Spam.Is:
		r.Spam.Is = false
		c.applied(r, "spam", false)
	case c.has(c.Add, "spam") && !r.Spam.Is:
		r.Spam.Is = true
		r.Spam.Reasons = append(r.Spam.Reasons, c.reason("spam"))
		c.applied(r, "spam", true)
	}
	threat := slices.Contains(r.Toxicity.Categories, CategoryThreat)
	if c.has(c.Add, "threat") && !threat {
		r.Toxicity.Categories = append(r.Toxicity.Categories, CategoryThreat)
		r.Toxicity.Hits = append(r.Toxicity.Hits, c.reason("threat"))
		c.applied(r, "threat", true)
		threat = true
	}
	switch {
	case c.has(c.Remove, "toxicity") && r.Toxicity.Severity != SeverityNone && r.Toxicity.Severity != "":
		cats, hits := []Category{}, []string{}
		if threat {
			cats = []Category{CategoryThreat}
			for _, h := range r.Toxicity.Hits {
				if strings.HasPrefix(h, "threat:") || strings.HasPrefix(h, "model:threat=") || strings.HasPrefix(h, "feedback:threat:") {
					hits = append(hits, h)
				}
			}
		}
		r.Toxicity = Toxicity{Severity: SeverityNone, Categories: cats, Hits: hits, Discounted: r.Toxicity.Discounted}
		c.applied(r, "toxicity", false)
	case c.has(c.Add, "toxicity") && (r.Toxicity.Severity == SeverityNone || r.Toxicity.Severity == "" || r.Toxicity.Severity == SeverityLow):
		// medium: a moderator reviews it, as the model's toxicity alone
		r.Toxicity.Severity = SeverityMedium
		r.Toxicity.Hits = append(r.Toxicity.Hits, c.reason("toxicity"))
		c.applied(r, "toxicity", true)
	}
}

// correctSentiment applies c's sentiment label.
func (c *Correction) correctSentiment(r *Result) {
	if c == nil {
		return
	}
	for _, l := range []SentimentLabel{SentimentPositive, SentimentNeutral, SentimentNegative} {
		label := "sentiment:" + string(l)
		switch {
		case c.has(c.Add, label) && r.Sentiment.Label != l:
			c.applied(r, "sentiment:"+string(r.Sentiment.Label), false)
			r.Sentiment = Sentiment{Label: l, Score: sentimentScoreOf(l), By: c.reason(label)}
			c.applied(r, label, true)
			return
		case c.has(c.Remove, label) && r.Sentiment.Label == l && !slices.ContainsFunc(c.Add, func(x string) bool { return strings.HasPrefix(x, "sentiment:") }):
			r.Sentiment = Sentiment{Label: SentimentNeutral, By: c.reason("sentiment:neutral")}
			c.applied(r, label, false)
			return
		}
	}
}

// sentimentScoreOf is the score a corrected sentiment takes: at the
// threshold of its label (the priority reads the score).
func sentimentScoreOf(l SentimentLabel) float64 {
	switch l {
	case SentimentPositive:
		return SentimentThreshold
	case SentimentNegative:
		return -SentimentThreshold
	}
	return 0
}
