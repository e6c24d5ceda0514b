package safety

import (
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"unicode"

	draftv1 "github.com/ruche-project/ruche/events/draft/v1"
	"github.com/ruche-project/ruche/services/drafting/knowledge"
)

// Check names.
const (
	CheckPromptEcho   = "prompt_echo"
	CheckLinks        = "links"
	CheckPersonalData = "personal_data"
	CheckEncoded      = "encoded_payload"
	CheckLanguage     = "language"
	CheckLength       = "length"
	CheckAvoidWords   = "avoid_words"
	CheckEmpty        = "not_empty"
	// CheckQuotesMessage fails a draft repeating a run of the message it
	// answers: what a model obeying "say: …" in the message produces.
	CheckQuotesMessage = "quotes_message"
)

// quoteWords is the run of the message's words that, repeated in a draft,
// marks it: replies paraphrase, an obeyed "say: …" copies.
const quoteWords = 6

// Context is what a draft is checked against.
type Context struct {
	// SystemPrompt is the model's hidden instructions (empty for the
	// offline drafter).
	SystemPrompt string
	// Interaction is the text answered: personal data found in it may be
	// repeated.
	Interaction string
	// Sources are texts the draft may quote (knowledge-base entries, saved
	// replies, the signature).
	Sources []string
	// Domains are the allowed link domains (the brand's and its
	// knowledge base's); subdomains are allowed too.
	Domains []string
	Lang    string
	MaxLen  int
	Avoid   []string
}

// Passed reports whether every check passed.
func Passed(checks []draftv1.Check) bool {
	return !slices.ContainsFunc(checks, func(c draftv1.Check) bool { return !c.Passed })
}

// Check runs every check on a draft.
func Check(text string, c Context) []draftv1.Check {
	return []draftv1.Check{
		result(CheckEmpty, strings.TrimSpace(text) != "", "the draft is empty"),
		checkEcho(text, c.SystemPrompt, c.Sources),
		checkQuotes(text, c.Interaction, c.Sources),
		checkLinks(text, c.Domains),
		checkPersonal(text, c),
		checkEncoded(text),
		checkLanguage(text, c.Lang),
		result(CheckLength, len([]rune(text)) <= c.MaxLen || c.MaxLen == 0, fmt.Sprintf("%d characters, the limit is %d", len([]rune(text)), c.MaxLen)),
		checkAvoid(text, c.Avoid),
	}
}

func result(name string, ok bool, detail string) draftv1.Check {
	if ok {
		return draftv1.Check{Name: name, Passed: true}
	}
	return draftv1.Check{Name: name, Detail: detail}
}

// echoWords is the length of a run of the system prompt's words that, found
// in a draft, counts as an echo: long enough that ordinary phrases ("if you
// have any questions") do not trip it.
const echoWords = 7

func words(s string) []string {
	return strings.FieldsFunc(knowledge.Fold(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// checkEcho finds runs of the prompt's words in the draft, leaving out
// those of the sources it may quote (the knowledge the prompt carries).
func checkEcho(text, prompt string, sources []string) draftv1.Check {
	if prompt == "" {
		return result(CheckPromptEcho, true, "")
	}
	prompt7 := shingles(prompt, echoWords)
	var quotable map[string]bool
	tw := words(text)
	for i := 0; i+echoWords <= len(tw); i++ {
		s := strings.Join(tw[i:i+echoWords], " ")
		if !prompt7[s] {
			continue
		}
		if quotable == nil {
			quotable = sourceShingles(sources, echoWords)
		}
		if !quotable[s] {
			return result(CheckPromptEcho, false, fmt.Sprintf("repeats the instructions: %q", s))
		}
	}
	folded := knowledge.Fold(text)
	for _, marker := range []string{"interaction>>>", "<<<interaction", "system prompt", "prompt systeme"} {
		if strings.Contains(folded, marker) {
			return result(CheckPromptEcho, false, fmt.Sprintf("mentions %q", marker))
		}
	}
	return result(CheckPromptEcho, true, "")
}

func shingles(text string, n int) map[string]bool {
	out := map[string]bool{}
	w := words(text)
	for i := 0; i+n <= len(w); i++ {
		out[strings.Join(w[i:i+n], " ")] = true
	}
	return out
}

// sourceShingles are the runs of n words of the sources: what a draft may
// repeat. Checks read them only for a run the draft repeats (rare), since
// the sources are the whole knowledge base.
func sourceShingles(sources []string, n int) map[string]bool {
	out := map[string]bool{}
	for _, s := range sources {
		maps.Copy(out, shingles(s, n))
	}
	return out
}

func checkQuotes(text, message string, sources []string) draftv1.Check {
	quoted := shingles(message, quoteWords)
	var quotable map[string]bool
	for k := range shingles(text, quoteWords) {
		if !quoted[k] {
			continue
		}
		if quotable == nil {
			quotable = sourceShingles(sources, quoteWords)
		}
		if !quotable[k] {
			return result(CheckQuotesMessage, false, fmt.Sprintf("repeats the message: %q", k))
		}
	}
	return result(CheckQuotesMessage, true, "")
}

var (
	urlPattern = regexp.MustCompile(`(?i)\b(?:https?|hxxps?|ftp)://[^\s<>"')\]]+|\bwww\.[^\s<>"')\]]+`)
	// barePattern finds a domain written without a scheme ("evil.co/x").
	barePattern = regexp.MustCompile(`(?i)\b(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:com|fr|net|org|io|co|ly|me|info|biz|xyz|app|link|shop|ru|cn|tk|gl|gg|be|ch|ca|de|uk|eu)\b(?:/[^\s]*)?`)
	// obfuscated finds a link written to dodge filters: "evil[.]com",
	// "evil (dot) com", "hxxp".
	obfuscated = regexp.MustCompile(`(?i)\[\.\]|\(\s*(?:dot|point)\s*\)|\[\s*(?:dot|point)\s*\]|\bhxxps?\b`)
)

func checkLinks(text string, domains []string) draftv1.Check {
	if m := obfuscated.FindString(text); m != "" {
		return result(CheckLinks, false, fmt.Sprintf("disguised link %q", m))
	}
	var hosts []string
	for _, m := range urlPattern.FindAllString(text, -1) {
		if strings.HasPrefix(strings.ToLower(m), "www.") {
			m = "https://" + m
		}
		u, err := url.Parse(strings.TrimRight(m, ".,;:!?"))
		if err != nil || u.Hostname() == "" {
			return result(CheckLinks, false, fmt.Sprintf("unreadable link %q", m))
		}
		if u.Scheme != "https" && u.Scheme != "http" {
			return result(CheckLinks, false, fmt.Sprintf("link scheme %q", u.Scheme))
		}
		hosts = append(hosts, u.Hostname())
	}
	// An e-mail address is personal data, not a link (its own check).
	rest := personalPatterns[0].re.ReplaceAllString(urlPattern.ReplaceAllString(text, " "), " ")
	for _, m := range barePattern.FindAllString(rest, -1) {
		host, _, _ := strings.Cut(m, "/")
		hosts = append(hosts, host)
	}
	for _, h := range hosts {
		if !allowedHost(h, domains) {
			return result(CheckLinks, false, fmt.Sprintf("link to %s, which is not an allowed domain", h))
		}
	}
	return result(CheckLinks, true, "")
}

func allowedHost(host string, domains []string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	for _, d := range domains {
		d = strings.ToLower(d)
		if host == d || strings.HasSuffix(host, "."+d) {
			return true
		}
	}
	return false
}

// Domains are the hosts of urls, for an allow-list.
func Domains(urls ...string) []string {
	var out []string
	for _, s := range urls {
		if u, err := url.Parse(s); err == nil && u.Hostname() != "" {
			out = append(out, u.Hostname())
		}
	}
	return out
}

var personalPatterns = []struct {
	what string
	re   *regexp.Regexp
}{
	{"e-mail address", regexp.MustCompile(`(?i)[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}`)},
	{"phone number", regexp.MustCompile(`(?:\+|00)\d{2,3}[\s.-]?\d(?:[\s.-]?\d{2}){4}|\b0\d(?:[\s.-]?\d{2}){4}\b|\+?1?[\s.-]?\(?\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}\b`)},
	{"IBAN", regexp.MustCompile(`(?i)\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){3,7}\b`)},
	{"card number", regexp.MustCompile(`\b(?:\d[ -]?){13,19}\b`)},
}

func digitsOf(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsDigit(r) || unicode.IsLetter(r) {
			return unicode.ToLower(r)
		}
		return -1
	}, s)
}

func checkPersonal(text string, c Context) draftv1.Check {
	var known *string // read only for a match (the sources are the whole knowledge base)
	for _, p := range personalPatterns {
		for _, m := range p.re.FindAllString(text, -1) {
			if known == nil {
				k := digitsOf(c.Interaction + " " + strings.Join(c.Sources, " "))
				known = &k
			}
			if !strings.Contains(*known, digitsOf(m)) {
				return result(CheckPersonalData, false, fmt.Sprintf("%s %q is not in the interaction", p.what, m))
			}
		}
	}
	return result(CheckPersonalData, true, "")
}

// encodedPattern finds a long run that reads as base64 or hex: a channel
// for smuggling what the other checks would catch.
var encodedPattern = regexp.MustCompile(`[A-Za-z0-9+/]{32,}={0,2}|(?:%[0-9A-Fa-f]{2}){6,}|(?:\\x[0-9A-Fa-f]{2}){6,}`)

func checkEncoded(text string) draftv1.Check {
	if m := encodedPattern.FindString(text); m != "" {
		return result(CheckEncoded, false, fmt.Sprintf("encoded run %q", m[:min(len(m), 40)]))
	}
	return result(CheckEncoded, true, "")
}

func checkLanguage(text, lang string) draftv1.Check {
	got := DetectLang(text)
	return result(CheckLanguage, lang == "" || got == "" || got == lang, fmt.Sprintf("written in %s, the interaction is in %s", got, lang))
}

func checkAvoid(text string, avoid []string) draftv1.Check {
	folded := " " + strings.Join(words(text), " ") + " "
	for _, w := range avoid {
		if fw := strings.Join(words(w), " "); fw != "" && strings.Contains(folded, " "+fw+" ") {
			return result(CheckAvoidWords, false, fmt.Sprintf("contains %q, a word the brand avoids", w))
		}
	}
	return result(CheckAvoidWords, true, "")
}

var langWords = map[string]map[string]bool{
	"fr": set("le la les un une des du de et est sont nous vous votre vos notre nos pour avec sur dans pas ne que qui merci bonjour tu ton ta tes je il elle ce cette tres bien"),
	"en": set("the a an and is are we you your our for with on in not that which who thank thanks hello hi i it this very please have has will can"),
}

func set(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

// DetectLang says whether text reads as French or English by their common
// words; "" when it cannot tell (too few of either, or as many of each).
func DetectLang(text string) string {
	fr, en := 0, 0
	for _, w := range words(text) {
		if langWords["fr"][w] {
			fr++
		}
		if langWords["en"][w] {
			en++
		}
	}
	switch {
	case fr+en < 3 || fr == en:
		return ""
	case fr > 2*en:
		return "fr"
	case en > 2*fr:
		return "en"
	}
	return ""
}
