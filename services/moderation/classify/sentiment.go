package classify

import (
	"bytes"
	"math"
	"strings"

	"github.com/ruche-project/ruche/services/moderation/classify/internal/fold"
	"github.com/ruche-project/ruche/services/moderation/classify/internal/vader"
)

// SentimentLabel is the overall polarity of a text.
type SentimentLabel string

// Sentiment labels.
const (
	SentimentNegative SentimentLabel = "negative"
	SentimentNeutral  SentimentLabel = "neutral"
	SentimentPositive SentimentLabel = "positive"
)

// Sentiment is a polarity with a score in [-1, 1] (VADER's "compound").
type Sentiment struct {
	Label SentimentLabel `json:"label"`
	Score float64        `json:"score"`
	// Sarcasm is set when praise words were read as sarcastic ("Génial,
	// encore en retard", "Merci pour rien 🙄") and the polarity flipped.
	Sarcasm bool `json:"sarcasm,omitempty"`
}

// SentimentThreshold is the score from which a text is positive (and below
// whose opposite it is negative).
const SentimentThreshold = 0.25

// emojiValence is what an emoji adds to a French text, on the lexicon's scale.
var emojiValence = map[string]float64{
	"😍": 3, "❤": 3, "💖": 3, "💕": 2.5, "🥰": 3, "😊": 2, "😀": 2, "😃": 2, "😄": 2, "🙂": 1, "😋": 2.5, "👍": 2, "👌": 2,
	"👏": 1.5, "🙏": 1.5, "😂": 1.5, "🤣": 1.5, "🔥": 1, "✨": 1, "🎉": 2, "💯": 1.5, "🤩": 3, "😎": 1.5,
	"😡": -3, "🤬": -3.5, "👎": -2.5, "😤": -2, "😢": -2, "😭": -2, "💩": -2.5, "😠": -2.5, "🤮": -3, "😞": -2, "😒": -1.5, "🙄": -1.5, "😩": -2,
}

// ScoreSentiment says how positive or negative t is. English goes through
// VADER (govader) plus a supplement of brand-comment phrases; French
// through our own lexicon with negation ("pas terrible" is negative, "pas
// mal du tout" positive), boosters, contrast ("..., mais ...") and emoji.
// Sarcasm — praise words opening a complaint, or explicit markers — flips a
// positive score.
func ScoreSentiment(t Text, lang Lang) Sentiment {
	lx := lexicons()
	var raw float64
	var negative bool
	switch lang {
	case LangEnglish:
		c := vader.Compound(t.Raw)
		raw = inverseNormalize(c) + lexiconValence(t, lx.sentimentEN, &negative)
		if c < -0.05 {
			negative = true
		}
	default:
		raw = lexiconValence(t, lx.sentimentFR, &negative)
		for _, e := range t.Emoji {
			raw += emojiValence[strings.TrimSuffix(e, "\ufe0f")]
			if emojiValence[e] < 0 {
				negative = true
			}
		}
		if raw != 0 {
			raw += math.Copysign(math.Min(float64(t.Exclamations), 3)*0.292, raw)
		}
	}
	s := Sentiment{}
	score := normalize(raw)
	if score > -SentimentThreshold && sarcastic(t, negative) {
		s.Sarcasm = true
		score = math.Min(-math.Abs(score), -0.4)
	}
	if t.Questions > 0 && !s.Sarcasm && score > 0 && score < 0.5 {
		// "Do you accept Apple Pay?": polite or topical words in a question
		// are not an opinion.
		score /= 2
	}
	s.Score = math.Round(score*1000) / 1000
	switch {
	case score >= SentimentThreshold:
		s.Label = SentimentPositive
	case score <= -SentimentThreshold:
		s.Label = SentimentNegative
	default:
		s.Label = SentimentNeutral
	}
	return s
}

// normalize maps a sum of valences to [-1, 1] like VADER.
func normalize(x float64) float64 {
	if x == 0 {
		return 0
	}
	return x / math.Sqrt(x*x+15)
}

// inverseNormalize turns VADER's compound back into a sum of valences, so
// that our supplement adds on the same scale.
func inverseNormalize(c float64) float64 {
	c = math.Max(-0.999, math.Min(0.999, c))
	return c * math.Sqrt(15/(1-c*c))
}

// lexiconValence sums the valences of lex's phrases in t with negation,
// boosters and dampeners (intensifiers_fr.tsv) and contrast; negative is
// set when any phrase counted negative.
func lexiconValence(t Text, lex *phrases, negative *bool) float64 {
	intensifiers := lexicons().intensifiers
	var buf [8]match
	matches := lex.appendFind(buf[:0], t.Tokens)
	lastContrast := -1
	for i, tok := range t.Tokens {
		if isContrast(tok.Key()) {
			lastContrast = i
		}
	}
	var sum float64
	for idx, m := range matches {
		if !m.e.valenceOK {
			continue
		}
		v := m.e.valence
		// "super" right before another word of the lexicon is a booster.
		if m.e.String() == "super" && idx+1 < len(matches) && matches[idx+1].start == m.end {
			continue
		}
		if !negators[m.e.words[0]] && m.e.words[0] != "sans" && m.e.words[0] != "aucun" && m.e.words[0] != "toujours" {
			for i := max(0, m.start-3); i < m.start; i++ {
				if t.Tokens[i].Clause == t.Tokens[m.start].Clause && negators[t.Tokens[i].Key()] {
					v *= -0.74
					break
				}
			}
		}
		if m.start > 0 {
			prev := t.Tokens[m.start-1].Key()
			if f, ok := intensifiers[prev]; ok {
				v *= f
			}
		}
		if lastContrast >= 0 {
			if m.start < lastContrast {
				v *= 0.5
			} else {
				v *= 1.5
			}
		}
		if v < 0 {
			*negative = true
		}
		sum += v
	}
	return sum
}

// hasSarcasmMarker reports a marker of sarcasm_markers.tsv in raw
// lower-cased.
func hasSarcasmMarker(raw string) bool {
	var buf [512]byte
	low := fold.AppendLower(buf[:0], raw)
	for _, m := range lexicons().sarcasmMarkers {
		if bytes.Contains(low, m) {
			return true
		}
	}
	return false
}

// isContrast reports a word that opens a contrast: what follows weighs
// more than what precedes.
func isContrast(w string) bool {
	switch w {
	case "mais", "but", "cependant", "however", "pourtant":
		return true
	}
	return false
}

// sarcastic: an explicit marker, or a praise word opening the text while
// the rest says something went wrong (sarcasm_words.tsv).
func sarcastic(t Text, negative bool) bool {
	if hasSarcasmMarker(t.Raw) {
		return true
	}
	if len(t.Tokens) < 3 {
		return false
	}
	first := 0
	if k := t.Tokens[0].Key(); k == "oh" || k == "ah" || k == "wow" {
		first = 1
	}
	words := lexicons().sarcasmWords
	if words[t.Tokens[first].Key()]&sarcasticOpener == 0 || t.Tokens[first+1].Clause == t.Tokens[first].Clause && t.Tokens[first].Key() != "bravo" && t.Tokens[first].Key() != "trop" {
		return false
	}
	if negative {
		return true
	}
	for _, tok := range t.Tokens[first+1:] {
		if words[tok.Key()]&letdown != 0 {
			return true
		}
	}
	return false
}
