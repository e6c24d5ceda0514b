package classify

import "strings"

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

// intentNegators negate the cue they precede: the toxicity negators and
// the first halves of English contractions ("don't" is "don t").
var intentNegators = map[string]bool{
	"don": true, "doesn": true, "didn": true, "won": true, "wouldn": true, "isn": true, "wasn": true, "aren": true, "cannot": true,
}

// negatedCue reports a negator among the words before the match, in its
// clause ("pas de retard", "je ne recommande pas", "I wouldn't
// recommend"); a cue that starts with a negator ("pas mal", "never had a
// problem") carries its own. A complaint is negated by a French
// determiner of absence ("pas de retard", "sans souci") or an English
// negation ("you won't be disappointed"), not by "ne … jamais": "je n'ai
// jamais été livré" stays one.
func negatedCue(t Text, m match, complaint bool) bool {
	if w := m.e.words[0]; negators[w] || intentNegators[w] || w == "toujours" || w == "sans" {
		return false
	}
	for i := max(0, m.start-3); i < m.start; i++ {
		if t.Tokens[i].Clause != t.Tokens[m.start].Clause {
			continue
		}
		switch k := t.Tokens[i].Key(); {
		case k == "not" || k == "never" || intentNegators[k]:
			return true // "won't be disappointed": three words back
		case i < m.start-2:
		case k == "no" || k == "aucun" || k == "aucune" || k == "sans" || k == "pas" || k == "rien", !complaint && negators[k]:
			return true
		}
	}
	return false
}

// wishReach is how many words may stand between a wish ("je voudrais",
// "planning to") and the acquisition it announces ("en offrir", "order").
const wishReach = 3

// DetectIntent says what the author of t wants, one intent per text, in
// this order: a complaint (something went wrong) wins over purchase intent,
// which wins over a plain question; praise needs an evaluative cue (or
// thanks in a positive text). The cues are the lexicon's; the sentiment
// only decides where no cue does. A polarity the learned model gave (the
// rules read the text as neutral or weakly) never overrules a cue: it reads
// everyday sentences as negative ("Ça fait 3 ans que j'ai ma cafetière et
// elle marche toujours"), so it makes a complaint only of a text with no
// cue at all. Toxic texts without a complaint cue are "other".
func DetectIntent(t Text, s Sentiment, tox Toxicity) Intent {
	cues := findIntentCues(t)
	byModel := strings.HasPrefix(s.By, "model:")
	negative := s.Label == SentimentNegative
	rulesNegative := negative && !byModel
	rulesPositive := s.Label == SentimentPositive && !byModel
	question := t.Questions > 0 || cues.question
	if len(t.Tokens) > 1 && interrogatives[t.Tokens[0].Key()] && !exclamative(t) {
		question = true
	}
	for _, e := range t.Emoji {
		if praiseEmoji[strings.TrimSuffix(e, "\ufe0f")] {
			cues.thanks = true // an emoji alone does not praise a negative or neutral text
		}
	}
	switch {
	case cues.complaint && (!rulesPositive || cues.praise || cues.contrasted):
		// praise beside a complaint is the complaint's irony ("Oh
		// wonderful, two hours on hold") or its concession ("Great
		// coffee but the queue was endless")
		return IntentComplaint
	case s.Sarcasm:
		return IntentComplaint
	case cues.purchase && !rulesNegative, cues.availability && !question && !negative:
		return IntentPurchase
	case question:
		return IntentQuestion
	case tox.Severity.rank() >= SeverityMedium.rank():
		return IntentOther
	case cues.praise && (!rulesNegative || cues.unproblematic):
		return IntentPraise
	case negative && !cues.praise && (!byModel || !cues.any):
		if len(t.Tokens) >= 4 {
			return IntentComplaint
		}
		return IntentOther
	case cues.thanks && s.Label == SentimentPositive:
		return IntentPraise
	}
	return IntentOther
}

// intentCues are the cues of the intent lexicon found in a text.
type intentCues struct {
	complaint, question, purchase, availability, praise, thanks bool
	// contrasted is praise a contrast follows ("Bon café, mais …"): it
	// does not count, and the complaint after it does even when the
	// rules read the whole as positive.
	contrasted bool
	// denial is a negated complaint ("pas de retard"): a cue against a
	// complaint the model's polarity alone would make.
	denial bool
	// unproblematic is praise that denies a problem ("never had a
	// problem", "aucun souci"): the rules may read its negated word as
	// negative.
	unproblematic bool
	// any is set by a cue of praise, thanks, purchase or a denial: the
	// model's polarity does not overrule it.
	any bool
}

// findIntentCues reads the intent lexicon's cues in t: a negated complaint
// does not count ("pas de retard"), a negated praise does not either ("je
// ne recommande pas", which the sentiment reads), nor a praise a contrast
// follows ("Bon café, mais attente interminable"); a wish followed closely
// by an acquisition ("j'aimerais en offrir", "planning to order", "shall we
// get") is purchase intent.
func findIntentCues(t Text) intentCues {
	var c intentCues
	var buf [16]match
	matches := lexicons().intent.appendFind(buf[:0], t.Tokens)
	lastContrast := -1
	for i, tok := range t.Tokens {
		if isContrast(tok.Key()) {
			lastContrast = i
		}
	}
	wishEnd := -1
	for _, m := range matches {
		if t.Tokens[m.start].isMasked() {
			// "f***" is profanity, not "fuit": masks read as words are the
			// toxicity lexicon's business
			continue
		}
		switch cue := m.e.field(0); cue {
		case "complaint":
			if negatedCue(t, m, true) {
				c.denial = true // "you won't be disappointed", "pas de retard"
			} else {
				c.complaint = true
			}
		case "praise":
			switch {
			case negatedCue(t, m, false):
			case m.start < lastContrast:
				c.contrasted = true
			default:
				c.praise = true
				c.unproblematic = c.unproblematic || negators[m.e.words[0]]
			}
		case "thanks":
			c.thanks = c.thanks || !negatedCue(t, m, false)
		case "question":
			c.question = true
		case "purchase":
			c.purchase = true
		case "availability":
			c.availability = true
		case "wish":
			wishEnd = m.end
		case "acquire":
			if wishEnd >= 0 && m.start-wishEnd <= wishReach && t.Tokens[m.start].Sentence == t.Tokens[wishEnd-1].Sentence {
				c.purchase = true
			}
		}
	}
	c.any = c.praise || c.thanks || c.purchase || c.availability || c.denial
	return c
}

var praiseEmoji = map[string]bool{"👍": true, "👏": true, "😍": true, "❤": true, "🥰": true, "💯": true, "🙏": true,
	"💚": true, "💙": true, "💜": true, "🧡": true, "💛": true, "💖": true, "🤩": true}

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
