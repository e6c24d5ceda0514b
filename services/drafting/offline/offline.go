// Package offline is the drafter that needs no model: the brand's saved
// replies with their variables filled in, the answer of the best
// knowledge-base entry, and templates in French (tu or vous) and English.
package offline

import (
	"fmt"
	"regexp"
	"strings"

	draftv1 "github.com/ruche-project/ruche/events/draft/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/greeting"
	"github.com/ruche-project/ruche/services/drafting/knowledge"
	"github.com/ruche-project/ruche/services/drafting/voice"
)

// Input is what the drafter knows of the interaction.
type Input struct {
	Text    string
	Lang    string
	Author  string
	Network string
	// Intent is "question", "complaint", "purchase" or empty.
	Intent string
}

// Draft is a drafter's result.
type Draft struct {
	Text       string
	Citations  []draftv1.Citation
	Confidence float64
	Reasons    []string
}

// MinScore is the BM25 score from which an entry answers the question: two
// distinctive words shared with it (measured on the evaluation set; one
// common word scores below 1).
const MinScore = 1.5

// Drafter writes drafts from a brand's voice, knowledge and saved replies.
type Drafter struct {
	Voice   query.VoiceProfile
	Index   *knowledge.Index
	Replies []query.SavedReply
}

// Draft writes the reply to in.
func (d Drafter) Draft(in Input) Draft {
	lang := in.Lang
	if lang != "en" {
		lang = "fr"
	}
	t := phrasebook(lang, d.Voice.Address)
	vars := Variables(d.Voice, in, lang)
	out := Draft{Confidence: 0.3}
	if r, ok := d.savedReply(in, lang, vars); ok {
		out.Text = fill(r.Text, vars)
		out.Confidence = 0.75
		out.Reasons = append(out.Reasons, fmt.Sprintf("saved reply %s matches the message", r.ID))
		return d.fit(out, in.Network, nil)
	}
	var body []string
	more, kbBody := "", ""
	if in.Intent == "complaint" {
		body = append(body, t.sorry)
		if vars["order"] != "" {
			body = append(body, fill(t.order, vars))
		} else {
			body = append(body, t.dm)
		}
		out.Confidence = 0.55
		out.Reasons = append(out.Reasons, "complaint: apology and a way to follow up, no factual claim")
	} else if in.Intent == "purchase" {
		body = append(body, t.interest)
	}
	// A complaint gets an apology and a follow-up, not an FAQ: the words
	// of a grievance ("paquet", "commande") match entries that do not
	// answer it.
	if d.Index != nil && in.Intent != "complaint" {
		if hits := d.Index.Search(in.Text, lang, 1); len(hits) > 0 && hits[0].Score >= MinScore {
			h := hits[0]
			kbBody = h.Entry.Body
			body = append(body, Answer(h.Entry.Body))
			if h.Entry.URL != "" {
				more = fill(t.more, map[string]string{"url": h.Entry.URL})
				body = append(body, more)
			}
			out.Citations = append(out.Citations, draftv1.Citation{EntryID: h.Entry.ID, Title: h.Entry.Title, URL: h.Entry.URL, Score: h.Score})
			out.Confidence = min(0.9, 0.5+h.Score/20)
			out.Reasons = append(out.Reasons, fmt.Sprintf("answer from knowledge-base entry %s (score %.2f)", h.Entry.ID, h.Score))
		} else {
			body = append(body, t.checking)
			out.Reasons = append(out.Reasons, "no knowledge-base entry answers the message: the draft promises to come back")
		}
	}
	if len(body) == 0 {
		body = append(body, t.thanks)
	}
	// The greeting ends with a comma: the first sentence goes on after it.
	context := ""
	if len(out.Citations) > 0 {
		context = kbBody
	}
	body[0] = greeting.After(body[0], context)
	out.Text = strings.Join(append(append([]string{fill(t.greeting, vars)}, body...), t.closing), " ")
	if s := vars["signature"]; s != "" {
		out.Text += "\n" + s
	}
	return d.fit(out, in.Network, []string{" " + more, " " + t.closing})
}

// fit shortens a draft over the network's limit: it drops the optional
// parts (the link to more, the closing), then whole sentences from the end
// (a cut never falls inside a link), then cuts at a word.
func (d Drafter) fit(out Draft, network string, optional []string) Draft {
	limit := voice.MaxLength(d.Voice, network)
	if len([]rune(out.Text)) <= limit {
		return out
	}
	out.Reasons = append(out.Reasons, fmt.Sprintf("shortened to the %d characters of %s", limit, network))
	for _, o := range optional {
		if strings.TrimSpace(o) != "" {
			out.Text = strings.Replace(out.Text, o, "", 1)
		}
		if len([]rune(out.Text)) <= limit {
			return out
		}
	}
	for len([]rune(out.Text)) > limit {
		r := string([]rune(out.Text)[:limit-1])
		cut := max(strings.LastIndex(r, ". "), strings.LastIndex(r, "! "), strings.LastIndex(r, "? "))
		if cut < len(r)/2 {
			out.Text = strings.TrimSpace(r[:strings.LastIndex(r, " ")]) + "…"
			break
		}
		out.Text = r[:cut+1]
	}
	return out
}

// savedReply is the saved reply in lang sharing the most keywords with the
// message (at least one; the intent breaks ties), whose variables can all be
// filled.
func (d Drafter) savedReply(in Input, lang string, vars map[string]string) (query.SavedReply, bool) {
	words := map[string]bool{}
	for _, w := range knowledge.Tokens(in.Text) {
		words[w] = true
	}
	best, bestScore := query.SavedReply{}, 0
	for _, r := range d.Replies {
		if r.Lang != lang {
			continue
		}
		score := 0
		for _, k := range r.Keywords {
			all := true
			for _, w := range knowledge.Tokens(k) {
				all = all && words[w]
			}
			if all && len(knowledge.Tokens(k)) > 0 {
				score += 2
			}
		}
		if score == 0 {
			continue
		}
		if r.Intent != "" && r.Intent == in.Intent {
			score++
		}
		if strings.Contains(r.Text, "{{order}}") && vars["order"] == "" {
			continue
		}
		if score > bestScore {
			best, bestScore = r, score
		}
	}
	return best, bestScore > 0
}

// Variables are the values of a saved reply's {{author}}, {{order}} and
// {{signature}} for in.
func Variables(v query.VoiceProfile, in Input, lang string) map[string]string {
	return map[string]string{"author": FirstName(in.Author), "order": OrderNumber(in.Text), "signature": v.Signature[lang]}
}

// Fill puts vars in a saved reply's {{name}} variables.
func Fill(s string, vars map[string]string) string { return fill(s, vars) }

var variable = regexp.MustCompile(`\{\{\s*(\w+)\s*\}\}`)

func fill(s string, vars map[string]string) string {
	s = variable.ReplaceAllStringFunc(s, func(m string) string {
		return vars[variable.FindStringSubmatch(m)[1]]
	})
	// An empty {{author}} leaves "Bonjour ," behind.
	return strings.NewReplacer(" ,", ",", "  ", " ").Replace(s)
}

// orderPattern finds an order number: "commande 12345", "order #A-1234",
// "n° de commande : 123456", "#123456".
var orderPattern = regexp.MustCompile(`(?i)(?:commande|order|cmd)\s*(?:n[°o]\.?|#|no\.?|number|num[ée]ro)?\s*:?\s*#?\s*([A-Z]{0,3}-?\d{4,})|#(\d{5,})`)

// OrderNumber is the first order number in text, or "".
func OrderNumber(text string) string {
	m := orderPattern.FindStringSubmatch(text)
	switch {
	case m == nil:
		return ""
	case m[1] != "":
		return strings.ToUpper(m[1])
	}
	return m[2]
}

// FirstName is the first word of an author's display name, or the handle
// without its "@" and instance.
func FirstName(author string) string {
	author = strings.TrimPrefix(strings.TrimSpace(author), "@")
	if f := strings.Fields(author); len(f) > 0 {
		author = f[0]
	}
	author, _, _ = strings.Cut(author, "@")
	return author
}

// Answer is the start of an entry's body a reply quotes: its first two
// sentences.
func Answer(body string) string {
	body = strings.Join(strings.Fields(body), " ")
	n := 0
	for i, r := range body {
		if r == '.' || r == '!' || r == '?' {
			if n++; n == 2 {
				return body[:i+1]
			}
		}
	}
	return body
}
