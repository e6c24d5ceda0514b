package feedback

import (
	"strings"

	casev1 "github.com/ruche-project/ruche/events/case/v1"
	"github.com/ruche-project/ruche/services/moderation/learned"
)

// ExampleSource is the source name of the training examples corrections
// give (learned.Params.SourceWeight may weigh them).
const ExampleSource = "feedback"

// Example turns a correction into a training example for the learned
// model: what it adds is positive, what it removes negative, and the heads
// it says nothing about are unknown (-1), so a correction of the spam label
// teaches nothing about toxicity.
func Example(c casev1.Corrected) learned.Example {
	e := learned.Example{Text: c.Text, Source: ExampleSource}
	for h := range e.Label {
		e.Label[h] = -1
	}
	set := func(label string, v int8) {
		switch label {
		case "spam":
			e.Label[learned.Spam] = v
		case "threat":
			e.Label[learned.Threat] = v
		case "toxicity":
			e.Label[learned.Toxic] = v
			if v == 0 { // not toxic: no insult nor hate either
				e.Label[learned.Insult], e.Label[learned.Hate] = 0, 0
			}
		default:
			if s, ok := strings.CutPrefix(label, "sentiment:"); ok {
				e.Label[sentimentHead(s)] = v
				if v == 1 { // one sentiment: the others are not
					for _, o := range []learned.Head{learned.Positive, learned.Neutral, learned.Negative} {
						if o != sentimentHead(s) {
							e.Label[o] = 0
						}
					}
				}
			}
		}
	}
	for _, l := range c.Remove {
		set(l, 0)
	}
	for _, l := range c.Add {
		set(l, 1)
	}
	return e
}

func sentimentHead(s string) learned.Head {
	switch s {
	case "positive":
		return learned.Positive
	case "negative":
		return learned.Negative
	}
	return learned.Neutral
}
