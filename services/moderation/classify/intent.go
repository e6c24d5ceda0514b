package classify

// Intent is what the author wants.
type Intent string

// Intents.
const (
	IntentQuestion  Intent = "question"
	IntentComplaint Intent = "complaint"
	IntentPraise    Intent = "praise"
	IntentPurchase  Intent = "purchase_intent"
	IntentOther     Intent = "other"
)

var interrogatives = map[string]bool{
	"comment": true, "pourquoi": true, "quand": true, "combien": true, "quel": true, "quelle": true, "quels": true, "quelles": true, "ou": true,
	"what": true, "how": true, "why": true, "when": true, "where": true, "who": true, "which": true,
}

// DetectIntent says what the author of t wants, one intent per text, in
// this order: a complaint (something went wrong) wins over purchase intent,
// which wins over a plain question; praise needs praise words and a
// positive sentiment. Toxic texts without a complaint cue are "other".
func DetectIntent(t Text, s Sentiment, tox Toxicity) Intent {
	var cues intentCues
	var buf [8]match
	for _, m := range lexicons().intent.appendFind(buf[:0], t.Tokens) {
		cue := m.e.field(0)
		// A cue negated ("pas de retard", "no complaints") does not count,
		// except cues that carry their own negation.
		if cue == "complaint" && !negators[m.e.words[0]] && m.e.words[0] != "toujours" && m.e.words[0] != "jamais" {
			negated := false
			for i := max(0, m.start-2); i < m.start; i++ {
				if k := t.Tokens[i].Key(); k == "no" || k == "aucun" || k == "aucune" || k == "sans" || k == "pas" || k == "rien" {
					negated = true
				}
			}
			if negated {
				continue
			}
		}
		cues.add(cue)
	}
	question := t.Questions > 0 || cues.question
	if len(t.Tokens) > 1 && interrogatives[t.Tokens[0].Key()] && !exclamative(t) {
		question = true
	}
	for _, e := range t.Emoji {
		if praiseEmoji[e] {
			cues.praise = true
		}
	}
	switch {
	case cues.complaint && s.Label != SentimentPositive:
		return IntentComplaint
	case s.Sarcasm:
		return IntentComplaint
	case cues.purchase && s.Label != SentimentNegative:
		return IntentPurchase
	case question:
		return IntentQuestion
	case tox.Severity.rank() >= SeverityMedium.rank():
		return IntentOther
	case s.Label == SentimentNegative && !cues.praise:
		if len(t.Tokens) >= 4 {
			return IntentComplaint
		}
		return IntentOther
	case cues.praise && s.Label == SentimentPositive:
		return IntentPraise
	}
	return IntentOther
}

// intentCues are the cues of the intent lexicon found in a text; the
// lexicon's other cues say nothing.
type intentCues struct{ complaint, question, purchase, praise bool }

func (c *intentCues) add(cue string) {
	switch cue {
	case "complaint":
		c.complaint = true
	case "question":
		c.question = true
	case "purchase":
		c.purchase = true
	case "praise":
		c.praise = true
	}
}

var praiseEmoji = map[string]bool{"👍": true, "👏": true, "😍": true, "❤": true, "🥰": true, "💯": true, "🙏": true}

// exclamative: "What a mess", "Quel bande de...", not questions.
func exclamative(t Text) bool {
	if t.Questions > 0 {
		return false
	}
	switch t.Tokens[0].Key() {
	case "quel", "quelle", "quels", "quelles":
		return true
	case "what", "how":
		k := t.Tokens[1].Key()
		return k == "a" || k == "an" || t.Exclamations > 0
	}
	return false
}
