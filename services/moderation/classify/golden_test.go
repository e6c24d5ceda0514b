package classify

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"
)

// The golden corpus pins what Classify returns — the whole Result, the
// normalised Text and the personal-data spans included — on the evaluation
// set and on a few thousand texts mutated from it, so that a change meant to
// make the classifiers cheaper is seen to change no output. A change meant
// to change outputs regenerates it: go test -run TestClassifyGolden -update-golden.
var updateGolden = flag.Bool("update-golden", false, "rewrite testdata/classify_golden.jsonl from the current code")

const goldenPath = "testdata/classify_golden.jsonl"

// goldenCase is one input of the corpus and the digest of its output.
type goldenCase struct {
	Text string `json:"text,omitempty"`
	// Quoted holds the text as a Go string literal when it is not valid
	// UTF-8, which JSON cannot carry.
	Quoted string `json:"quoted,omitempty"`
	Lang   string `json:"lang,omitempty"`
	Author int    `json:"author,omitempty"` // index in goldenAuthors
	Sum    string `json:"sum"`
}

var goldenAt = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

// goldenAuthors cover the author rules of spam: none, an empty profile with
// a generated handle, a new account, a verified one.
var goldenAuthors = []Author{
	{},
	{Handle: "user84736251"},
	{Handle: "lea_b", DisplayName: "Léa", Followers: 12, CreatedAt: goldenAt.Add(-time.Hour)},
	{Handle: "cafe", DisplayName: "Café", Followers: 5000, Verified: true},
}

func (c goldenCase) input() Input {
	return Input{Text: c.Text, Lang: c.Lang, Author: goldenAuthors[c.Author], At: goldenAt}
}

// observed renders everything a caller of Classify can see of r: the wire
// form of the Result, the spans of its personal data and its normalised
// Text. Strings are quoted so that invalid UTF-8 shows byte for byte; nil
// and empty slices differ.
func observed(r Result) string {
	var b strings.Builder
	wire, err := json.Marshal(r)
	if err != nil {
		panic(err)
	}
	b.Write(wire)
	b.WriteString("\npii")
	for _, p := range r.PII {
		fmt.Fprintf(&b, " %s:%d-%d", p.Kind, p.Start, p.End)
	}
	b.WriteString(dumpText(r.Text))
	return b.String()
}

// dumpText renders every exported field of t.
func dumpText(t Text) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\nraw %s\nfolded %s\ncanon %s\n!%d ?%d upper %d letters %d emoji %s\ntokens %d %v\n",
		strconv.Quote(t.Raw), strconv.Quote(t.Folded), strconv.Quote(t.Canon), t.Exclamations, t.Questions,
		t.UpperLetters, t.Letters, quoteAll(t.Emoji), len(t.Tokens), t.Tokens == nil)
	for _, tok := range t.Tokens {
		fmt.Fprintf(&b, "%d-%d %s %s s%d c%d q%v m%v h%v\n", tok.Start, tok.End, strconv.Quote(tok.Fold), quoteAll(tok.Keys),
			tok.Sentence, tok.Clause, tok.Quoted, tok.Mention, tok.Hashtag)
	}
	return b.String()
}

func quoteAll(ss []string) string {
	if ss == nil {
		return "nil"
	}
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = strconv.Quote(s)
	}
	return "[" + strings.Join(q, " ") + "]"
}

func digest(r Result) string {
	sum := sha256.Sum256([]byte(observed(r)))
	return hex.EncodeToString(sum[:16])
}

func TestClassifyGolden(t *testing.T) {
	if *updateGolden {
		writeGolden(t)
	}
	cases := readGolden(t)
	if len(cases) < 3000 {
		t.Fatalf("golden corpus: %d cases", len(cases))
	}
	failed := 0
	for i, c := range cases {
		r := Classify(c.input())
		if got := digest(r); got != c.Sum {
			t.Errorf("case %d %q (lang %q, author %d): output changed, now:\n%s", i, c.Text, c.Lang, c.Author, observed(r))
			if failed++; failed >= 5 {
				t.Fatal("more changes left out")
			}
		}
	}
}

// TestClassifyGoldenConcurrent runs the corpus from several goroutines in
// different orders, in batches released as the moderation service releases
// them, one of them shared by every goroutine: what Classify reuses between
// calls (released token storage included) must not leak from one text into
// another (and -race sees shared state).
func TestClassifyGoldenConcurrent(t *testing.T) {
	cases := readGolden(t)
	if testing.Short() {
		cases = cases[:500]
	}
	var shared Batch
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			var own Batch
			defer own.Release()
			for n, i := range rng.Perm(len(cases)) {
				c := cases[i]
				b := &own
				if n%3 == 0 {
					b = &shared
				}
				if got := digest(b.Classify(c.input())); got != c.Sum {
					t.Errorf("case %d %q: output changed when run concurrently", i, c.Text)
					return
				}
				if n%16 == 15 {
					own.Release()
				}
			}
		})
	}
	wg.Wait()
	shared.Release()
}

func readGolden(t testing.TB) []goldenCase {
	t.Helper()
	f, err := os.Open(goldenPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []goldenCase
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var c goldenCase
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatalf("%s: %v", goldenPath, err)
		}
		if c.Quoted != "" {
			if c.Text, err = strconv.Unquote(c.Quoted); err != nil {
				t.Fatalf("%s: %v", goldenPath, err)
			}
		}
		out = append(out, c)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func writeGolden(t *testing.T) {
	t.Helper()
	inputs := goldenInputs(t)
	var b strings.Builder
	for _, c := range inputs {
		c.Sum = digest(Classify(c.input()))
		if !utf8.ValidString(c.Text) {
			c.Quoted, c.Text = strconv.Quote(c.Text), ""
		}
		line, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(line)
		b.WriteByte('\n')
	}
	if err := os.WriteFile(goldenPath, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %d cases to %s", len(inputs), goldenPath)
}

// goldenInputs are the texts of the evaluation set with their language tag
// and author, the pipeline benchmark's texts, and mutations of all of them.
func goldenInputs(t *testing.T) []goldenCase {
	t.Helper()
	raw, err := os.ReadFile("../testdata/eval.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	var out []goldenCase
	var bases []string
	for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		var item struct {
			Text   string
			Lang   string
			Author *Author
		}
		if err := json.Unmarshal([]byte(line), &item); err != nil {
			t.Fatal(err)
		}
		c := goldenCase{Text: item.Text, Lang: item.Lang}
		if item.Author != nil {
			c.Author = 1
		}
		out = append(out, c)
		bases = append(bases, item.Text)
	}
	for i, s := range benchTexts {
		out = append(out, goldenCase{Text: s, Lang: []string{"fr", "en"}[i%2]}, goldenCase{Text: s})
		bases = append(bases, s)
	}
	bases = append(bases, goldenExtras...)
	for _, s := range goldenExtras {
		out = append(out, goldenCase{Text: s})
	}
	rng := rand.New(rand.NewPCG(2026, 12))
	langs := []string{"", "", "", "fr", "en", "en-GB", "de"}
	for range 3200 {
		s := bases[rng.IntN(len(bases))]
		for range 1 + rng.IntN(4) {
			s = mutate(rng, s, bases)
		}
		out = append(out, goldenCase{Text: s, Lang: langs[rng.IntN(len(langs))], Author: rng.IntN(len(goldenAuthors))})
	}
	// Short random strings of the runes that matter to the normaliser.
	for range 300 {
		var b strings.Builder
		for range rng.IntN(24) {
			b.WriteString(pick(rng, goldenRunes))
		}
		out = append(out, goldenCase{Text: b.String(), Lang: langs[rng.IntN(len(langs))]})
	}
	return out
}

// benchTexts are the texts the pipeline benchmark sends
// (services/ruche/internal/bench/payload.go), French ones tagged "fr" and
// English ones "en".
var benchTexts = []string{
	"Bonjour ! Ma commande n'est toujours pas arrivée après deux semaines d'attente, le suivi indique « en cours d'acheminement » depuis le 12. Vous pouvez vérifier ce qui se passe ? Numéro de commande en message privé. Merci d'avance !",
	"Hi team, I was charged twice for the same order last night and the support chat keeps closing on me. Could someone look into it and refund the duplicate payment? I have the bank statement if you need it. Thanks a lot.",
	"Franchement la nouvelle collection est superbe, j'ai craqué pour la veste en lin et elle taille parfaitement. Livraison rapide, emballage soigné, rien à redire. Est-ce qu'elle existera aussi en bleu marine cet automne ?",
	"Your app keeps crashing on login since the last update (iPhone 13, iOS 18). I reinstalled it twice and cleared the cache, still the same. Is there a known issue or a workaround? I need my loyalty card at the store today.",
}

var goldenExtras = []string{
	"c0nnard b1tch", "i.d.i.o.t", "c o n n a r d va", "nuuuuul", "t'es", "don't", "f*ck you", "@ssh0le", "«idiot»", "'x", "..", "é", "\u0301", "a.b", "$",
	"сonnard", "N1qu3 t4 m3r3", "enculéééé", "Il m'a traité de « connard » devant tout le monde", "Your employee called me an \"idiot\"",
	"You're not an idiot, the manual is confusing", "Quel idiot je suis, j'ai oublié mon parapluie", "pros and con", "Merci pour rien 🙄",
	"Not bad at all", "👍👍", "Oh great, another delay.", "Where can I buy your coffee beans?", "What a mess", "T'es un connard",
	"Earn $$$ with crypto trading, 10x guaranteed!! DM me now", "promo promo promo promo promo promo", "Free followers!!! Get 10k followers in 24h",
	"Regarde ça bit.ly/3xYz et tinyurl.com/abc", "https://a.example.com https://b.example.com https://c.example.com",
	"écrivez à marie.dupont@gmail.com", "jean.martin [at] free [dot] fr", "john.smith at outlook dot com", "+33 6 98 76 54 32", "call 202-456-1111",
	"card 4111 1111 1111 1111", "FR76 3000 6000 0112 3456 7890 189", "GB29NWBK60161331926819", "commande n° 4111 1111 1111 1111",
	"I'm going to burn your shop down", "I know where your CEO works. He'd better watch his back.", "All muslims are terrorists",
	"It was kind of good but the service was never so bad, without doubt the least helpful :) :-( <3", "NOT GOOD AT ALL!!! I hate it",
	"The food is GREAT but the staff is rude", "no problem at all, no worries", "I don't like it, it isn't nice", "at least it's not terrible",
	"I love it 😍😍😍", "😀good ☺ 💔 🇫🇷 👍🏽 ❤️ ✨", "ſ@kelvin.com", "K€/mois", "gagnez 500€ par jour", "10K FOLLOWERS", "$$$ WWW.SCAM.COM/x",
}

// goldenRunes are runes and strings the normaliser treats specially.
var goldenRunes = []string{"a", "b", "e", "i", "o", "s", "t", "x", "A", "E", "Z", "0", "1", "3", "4", "5", "7", "9", " ", " ", " ", ".", ",", "-", "_", "*",
	"/", "|", "+", "~", "@", "$", "#", "!", "?", ";", ":", "…", "\n", "\t", "'", "’", "‘", "`", "\"", "«", "»", "“", "”", "(", ")", "é", "É", "è", "ç",
	"œ", "Œ", "æ", "ß", "ﬁ", "ü", "\u0301", "а", "е", "о", "р", "с", "х", "у", "і", "😍", "🙄", "👍", "❤", "\ufe0f", "☺", "\u00a0", "\u200b",
	"\xff", "\xe9", "ǅ", "İ", "ſ", "K", ":)", "<3", "n't", "but", "no", "kind", "of", "least", "never", "so", "good", "bad", "GOOD", "not"}

// mutate applies one random change to s, of the kinds that reach every
// branch of the normaliser and the classifiers.
func mutate(rng *rand.Rand, s string, bases []string) string {
	words := strings.Split(s, " ")
	at := rng.IntN(len(words) + 1)
	insert := func(w string) string {
		out := append([]string{}, words[:at]...)
		out = append(out, w)
		return strings.Join(append(out, words[at:]...), " ")
	}
	switch rng.IntN(22) {
	case 0:
		return strings.ToUpper(s)
	case 1:
		if at < len(words) {
			words[at] = strings.ToUpper(words[at])
		}
		return strings.Join(words, " ")
	case 2:
		return insert(pick(rng, []string{"😍", "🙄", "😒", "👍", "👎", "❤️", "❤", "🤬", "💩", "😂", "🎉", "🔥", "😀", "☺", "💔", "👍🏽", "🇫🇷", "✨", "💰💰", "💸", "🙏🙏🙏🙏"}))
	case 3:
		if at < len(words) {
			words[at] += pick(rng, []string{"😍", "🙄", "👍", "❤️", "😀"})
		}
		return strings.Join(words, " ")
	case 4:
		return insert(pick(rng, []string{"https://bit.ly/3xYz", "www.example.com/promo", "shop.xyz/deal", "http://t.co/abc", "https://www.marmiton.org/recettes/brownie", "promo.click/x?y=1"}))
	case 5:
		return insert(pick(rng, []string{"06 12 34 56 78", "4111 1111 1111 1111", "FR76 3000 6000 0112 3456 7890 189", "10k followers", "500€ par jour",
			"2024", "iPhone 13", "+44 20 7946 0958", "12/03/2024", "n° 123456789", "$$$", "1000 $ per day", "marie@x.fr", "jean [at] free [dot] fr"}))
	case 6:
		return strings.NewReplacer("é", "e", "è", "e", "à", "a", "ç", "c", "ê", "e").Replace(s)
	case 7:
		return strings.NewReplacer("e", pick(rng, []string{"é", "è", "e\u0301", "ê"}), "a", pick(rng, []string{"à", "â", "a"})).Replace(s)
	case 8:
		return insert(pick(rng, []string{"!!!", "?", "...", "…", "«", "»", "\"", "'", ";", ",", " - ", "(not)", "/s", "?!", "!!", ":", "(", ")", "\n"}))
	case 9:
		r := strings.NewReplacer(pick(rng, []string{"o", "e", "a", "i", "s", "t"}), pick(rng, []string{"0", "3", "4", "1", "$", "7", "@", "*"}))
		if at < len(words) {
			words[at] = r.Replace(words[at])
		}
		return strings.Join(words, " ")
	case 10:
		if at < len(words) && len(words[at]) > 1 {
			sep := pick(rng, []string{".", " ", "-", "_", "*", "/", "|", "+", "~"})
			words[at] = strings.Join(strings.Split(words[at], ""), sep)
		}
		return strings.Join(words, " ")
	case 11:
		if at < len(words) && len(words[at]) > 0 {
			i := rng.IntN(len(words[at]))
			words[at] = words[at][:i+1] + strings.Repeat(words[at][i:i+1], 2+rng.IntN(4)) + words[at][i+1:]
		}
		return strings.Join(words, " ")
	case 12:
		return insert(pick(rng, []string{"don't", "can't", "isn’t", "won't", "ain't", "didn't", "t'es", "qu'il", "j'adore", "c'est", "n'est"}))
	case 13:
		return s + pick(rng, []string{" ", ". ", ", mais ", " but ", "\n", " ; "}) + bases[rng.IntN(len(bases))]
	case 14:
		other := strings.Split(bases[rng.IntN(len(bases))], " ")
		i := rng.IntN(len(other))
		return insert(strings.Join(other[i:min(len(other), i+1+rng.IntN(6))], " "))
	case 15:
		if len(s) > 0 {
			return s[:rng.IntN(len(s))]
		}
		return s
	case 16:
		return insert(pick(rng, goldenRunes))
	case 17:
		return insert(pick(rng, []string{"but", "kind of", "never so", "without doubt", "at least", "no", "not", "very", "extremely", "BAD", "GREAT", ":)", ":-(", "<3",
			"sort of", "least", "nor", "or", "the shit", "the bomb", "yeah right", "so much for", "Oh great,", "Wow,"}))
	case 18:
		return insert(pick(rng, []string{"connard", "idiot", "f*ck", "f***", "@ssh0le", "#boycott", "@cafelumiere", "c0nnard", "abrutis", "n00bs", "espèce de",
			"t'es nul", "you are such an", "je vais te retrouver", "watch your back", "sale", "putain", "ta gueule", "ferme la"}))
	case 19:
		return insert(pick(rng, []string{"génial", "pas terrible", "super", "love", "hate", "not bad", "pas mal du tout", "très", "trop", "vraiment", "peu",
			"mais", "however", "encore", "again", "merci", "thanks", "bravo", "parfait", "nul", "horrible", "amazing", "disappointed", "remboursement", "refund"}))
	case 20:
		for i, w := range words {
			if r, n := utf8.DecodeRuneInString(w); n > 0 {
				words[i] = string(unicode.ToTitle(r)) + w[n:]
			}
		}
		return strings.Join(words, " ")
	default:
		return insert(pick(rng, []string{"#Promo", "@brand", "#génial", "@user123", "#", "@", "*", "**", "f*", "*ck"}))
	}
}

func pick(rng *rand.Rand, from []string) string { return from[rng.IntN(len(from))] }

// A released batch's token storage is what the next batch builds its
// tokens in; a nil batch classifies as Classify.
func TestBatchReusesTokens(t *testing.T) {
	in := Input{Text: "Bonjour, ma commande n'est jamais arrivée et personne ne répond !! Vraiment déçue 😡", At: goldenAt}
	const texts = 16
	alone := testing.AllocsPerRun(20, func() {
		for range texts {
			Classify(in)
		}
	})
	batched := testing.AllocsPerRun(20, func() {
		var b Batch
		for range texts {
			b.Classify(in)
		}
		b.Release()
	})
	if batched >= alone {
		t.Fatalf("%v allocations per %d texts in a batch, %v alone: the storage is not reused", batched, texts, alone)
	}
	var b *Batch
	if got, want := digest(b.Classify(in)), digest(Classify(in)); got != want {
		t.Fatal("a nil batch classifies otherwise")
	}
	b.Release()
}
