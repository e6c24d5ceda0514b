package sandbox

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
)

// Category is what a generated item is about: the sandbox's ground truth,
// which a real network would not give, returned so that tests and
// evaluations can score moderation against it.
type Category string

// Categories of generated traffic.
const (
	CategoryQuestion        Category = "question"
	CategoryComplaint       Category = "complaint"
	CategoryPraise          Category = "praise"
	CategoryPurchaseIntent  Category = "purchase_intent"
	CategoryChatter         Category = "chatter"
	CategorySpamLink        Category = "spam_link"
	CategorySpamScam        Category = "spam_scam"
	CategorySpam            Category = "spam"
	CategoryToxicInsult     Category = "toxic_insult"
	CategoryToxicObfuscated Category = "toxic_obfuscated"
	CategoryToxicThreat     Category = "toxic_threat"
	CategoryPersonalData    Category = "personal_data"
)

// Categories lists every category, in a stable order.
var Categories = []Category{
	CategoryQuestion, CategoryComplaint, CategoryPraise, CategoryPurchaseIntent, CategoryChatter,
	CategorySpamLink, CategorySpamScam, CategorySpam,
	CategoryToxicInsult, CategoryToxicObfuscated, CategoryToxicThreat, CategoryPersonalData,
}

// Languages the generator writes in.
const (
	LangFR = "fr"
	LangEN = "en"
)

// shape is where a template reads naturally.
type shape uint8

const (
	public   shape = 1 << iota // a comment on a brand post, or a mention
	reply                      // an answer to someone else's comment
	dm                         // a private message to the brand
	review                     // a rated review
	followup                   // the customer answering the brand's reply
	crisis                     // only in a crisis burst
	viral                      // only under a viral post
)

type template struct {
	cat   Category
	on    shape
	text  string
	stars int    // reviews: the rating
	topic string // crisis templates: the topic, empty for any
}

// weight of each category in ordinary traffic (percent).
var mix = []struct {
	cat    Category
	weight float64
	shapes []shapeWeight
}{
	{CategoryQuestion, 16, []shapeWeight{{public, 65}, {dm, 20}, {reply, 15}}},
	{CategoryComplaint, 15, []shapeWeight{{public, 50}, {dm, 15}, {reply, 15}, {review, 20}}},
	{CategoryPraise, 15, []shapeWeight{{public, 55}, {reply, 15}, {review, 30}}},
	{CategoryPurchaseIntent, 9, []shapeWeight{{public, 80}, {dm, 20}}},
	{CategoryChatter, 9, []shapeWeight{{public, 40}, {reply, 60}}},
	{CategorySpamLink, 6, []shapeWeight{{public, 60}, {dm, 25}, {reply, 15}}},
	{CategorySpamScam, 5, []shapeWeight{{public, 50}, {dm, 30}, {reply, 20}}},
	{CategorySpam, 3, []shapeWeight{{public, 70}, {reply, 30}}},
	{CategoryToxicInsult, 4, []shapeWeight{{public, 55}, {reply, 40}, {dm, 5}}},
	{CategoryToxicObfuscated, 3, []shapeWeight{{public, 55}, {reply, 45}}},
	{CategoryToxicThreat, 1.5, []shapeWeight{{public, 70}, {dm, 20}, {reply, 10}}},
	{CategoryPersonalData, 4, []shapeWeight{{public, 40}, {dm, 60}}},
}

type shapeWeight struct {
	s      shape
	weight float64
}

// Persona is an author of the simulated network.
type Persona struct {
	ID          string
	Username    string
	DisplayName string
	First, Last string
	Female      bool
	Lang        string
	Followers   int64
	Verified    bool
	// AgeDays is how old the account is when it writes.
	AgeDays int
	Spammer bool
}

// Draft is one generated item before the network gives it an id, a thread
// and a time.
type Draft struct {
	Category Category
	Type     ItemType
	Lang     string
	Text     string
	Author   Persona
	// Rating is 1 to 5 for reviews.
	Rating int
	// Pick chooses, deterministically, among candidate parents (replies).
	Pick uint32
	// Scenario and Topic name the scripted scenario that produced the item.
	Scenario string
	Topic    string
	// InfluencerPost is true for an influencer's own post mentioning the brand.
	Influencer bool
}

// Generator writes realistic French and English traffic for the demo brand.
// The same seed yields the same sequence of drafts.
type Generator struct {
	seed     uint64
	rng      *rand.Rand
	french   float64
	people   map[string][]Persona
	stars    map[string][]Persona
	spammers map[string][]Persona
	byShape  map[string]map[shape][]template // lang → shape → templates
}

// NewGenerator returns a generator seeded with seed; french is the share of
// French traffic (0 to 1).
func NewGenerator(seed uint64, french float64) *Generator {
	g := &Generator{
		seed:     seed,
		rng:      rand.New(rand.NewPCG(seed, 0x5eed_c0ffee)),
		french:   math.Max(0, math.Min(1, french)),
		people:   map[string][]Persona{},
		stars:    map[string][]Persona{},
		spammers: map[string][]Persona{},
		byShape:  map[string]map[shape][]template{},
	}
	// Personas come from their own stream so that the cast does not depend
	// on how much traffic was drawn before.
	cast := rand.New(rand.NewPCG(seed, 0xca57))
	for _, lang := range []string{LangFR, LangEN} {
		g.people[lang] = makePeople(cast, lang, 160)
		g.stars[lang] = makeInfluencers(cast, lang)
		g.spammers[lang] = makeSpammers(cast, lang, 24)
		g.byShape[lang] = map[shape][]template{}
		for _, t := range templatesFor(lang) {
			for s := shape(1); s != 0 && s <= viral; s <<= 1 {
				if t.on&s != 0 {
					g.byShape[lang][s] = append(g.byShape[lang][s], t)
				}
			}
		}
	}
	return g
}

func templatesFor(lang string) []template {
	if lang == LangFR {
		return templatesFR
	}
	return templatesEN
}

// fork returns a generator sharing the cast and templates with its own
// random stream (derived from the seed and stream), so that a scenario or a
// follow-up does not disturb ordinary traffic.
func (g *Generator) fork(stream uint64) *Generator {
	f := *g
	f.rng = rand.New(rand.NewPCG(g.seed^0xf0f0_5a5a, stream))
	return &f
}

func (g *Generator) lang() string {
	if g.rng.Float64() < g.french {
		return LangFR
	}
	return LangEN
}

// Next draws one item of ordinary traffic.
func (g *Generator) Next() Draft {
	lang := g.lang()
	total := 0.0
	for _, m := range mix {
		total += m.weight
	}
	x := g.rng.Float64() * total
	i := 0
	for ; i < len(mix)-1 && x >= mix[i].weight; i++ {
		x -= mix[i].weight
	}
	m := mix[i]
	return g.Of(m.cat, lang, g.pickShape(m.shapes))
}

func (g *Generator) pickShape(ws []shapeWeight) shape {
	total := 0.0
	for _, w := range ws {
		total += w.weight
	}
	x := g.rng.Float64() * total
	for _, w := range ws {
		if x < w.weight {
			return w.s
		}
		x -= w.weight
	}
	return ws[len(ws)-1].s
}

// Of draws an item of category c in lang, shaped as s when a template of
// that shape exists (a public comment otherwise).
func (g *Generator) Of(c Category, lang string, s shape) Draft {
	ts := g.matching(lang, s, func(t template) bool { return t.cat == c })
	if len(ts) == 0 {
		s = public
		ts = g.matching(lang, s, func(t template) bool { return t.cat == c })
	}
	if len(ts) == 0 {
		panic(fmt.Sprintf("sandbox: no %s template for %s", lang, c))
	}
	return g.draft(ts[g.rng.IntN(len(ts))], lang, s, g.author(c, lang))
}

func (g *Generator) matching(lang string, s shape, keep func(template) bool) []template {
	var out []template
	for _, t := range g.byShape[lang][s] {
		if keep(t) {
			out = append(out, t)
		}
	}
	return out
}

// author picks who writes an item of category c: spammers write spam,
// influencers now and then write the rest.
func (g *Generator) author(c Category, lang string) Persona {
	switch c {
	case CategorySpamLink, CategorySpamScam, CategorySpam:
		return pick(g.rng, g.spammers[lang])
	case CategoryQuestion, CategoryComplaint, CategoryPraise, CategoryPurchaseIntent, CategoryChatter:
		if g.rng.Float64() < 0.04 {
			return pick(g.rng, g.stars[lang])
		}
	}
	return pick(g.rng, g.people[lang])
}

func (g *Generator) draft(t template, lang string, s shape, author Persona) Draft {
	d := Draft{Category: t.cat, Lang: lang, Author: author, Pick: g.rng.Uint32(), Topic: t.topic}
	d.Text = render(g.rng, t.text, lang, author, g.people[lang])
	switch s {
	case reply, followup:
		d.Type = TypeReply
	case dm:
		d.Type = TypeDM
	case review:
		d.Type, d.Rating = TypeReview, t.stars
	default:
		d.Type = TypeComment
		// Some public messages are posts of their own that mention the
		// brand rather than comments under its posts.
		if g.rng.Float64() < 0.2 || author.Verified && g.rng.Float64() < 0.5 {
			d.Type = TypeMention
			d.Text = mention(g.rng, d.Text)
			d.Influencer = author.Verified
		}
	}
	return d
}

// mention puts the brand's handle where people put it.
func mention(rng *rand.Rand, text string) string {
	if rng.IntN(2) == 0 {
		return "@" + demoHandle + " " + text
	}
	return text + " @" + demoHandle
}

// demoHandle is how people tag the demo brand.
const demoHandle = "cafelumiere"

// followupOf draws the customer's answer to the brand's reply to what they
// had written (a question or a complaint).
func (g *Generator) followupOf(author Persona, after Category, happy bool) Draft {
	want := CategoryComplaint
	if happy {
		want = CategoryPraise
	}
	ts := g.matching(author.Lang, followup, func(t template) bool { return t.cat == want && t.topic == string(after) })
	d := g.draft(ts[g.rng.IntN(len(ts))], author.Lang, followup, author)
	d.Topic = ""
	return d
}

// crisisOf draws one complaint of a crisis about topic.
func (g *Generator) crisisOf(topic, lang string) Draft {
	ts := g.matching(lang, crisis, func(t template) bool { return t.topic == topic || t.topic == "" })
	t := ts[g.rng.IntN(len(ts))]
	s := public
	if g.rng.Float64() < 0.3 {
		s = reply
	}
	d := g.draft(t, lang, s, g.author(t.cat, lang))
	d.Topic = topic
	return d
}

// viralOf draws one comment under a viral post: mostly its own lines
// (enthusiasm, tags of friends, questions), some spam (spammers follow
// reach) and a little ordinary traffic.
func (g *Generator) viralOf(lang string) Draft {
	x := g.rng.Float64()
	switch {
	case x < 0.7:
		ts := g.byShape[lang][viral]
		t := ts[g.rng.IntN(len(ts))]
		return g.draft(t, lang, public, g.author(t.cat, lang))
	case x < 0.8:
		return g.Of([]Category{CategorySpamLink, CategorySpamScam, CategorySpam}[g.rng.IntN(3)], lang, reply)
	default:
		d := g.Next()
		for d.Type == TypeDM || d.Type == TypeReview || d.Lang != lang {
			d = g.Of(d.Category, lang, public)
		}
		return d
	}
}

func pick[T any](rng *rand.Rand, xs []T) T { return xs[rng.IntN(len(xs))] }

// makePeople builds n ordinary people writing in lang.
func makePeople(rng *rand.Rand, lang string, n int) []Persona {
	female, male, last := femaleFR, maleFR, lastFR
	if lang == LangEN {
		female, male, last = femaleEN, maleEN, lastEN
	}
	out := make([]Persona, 0, n)
	seen := map[string]bool{}
	for len(out) < n {
		p := Persona{Lang: lang, Female: rng.IntN(2) == 0, Last: pick(rng, last)}
		if p.Female {
			p.First = pick(rng, female)
		} else {
			p.First = pick(rng, male)
		}
		p.Username = username(rng, p.First, p.Last)
		if seen[p.Username] {
			continue
		}
		seen[p.Username] = true
		p.DisplayName = displayName(rng, p.First, p.Last)
		// Log-normal followers: most people have a few hundred.
		p.Followers = int64(math.Min(40000, math.Exp(5+1.3*rng.NormFloat64())))
		p.AgeDays = 60 + rng.IntN(4000)
		p.ID = fmt.Sprintf("u%d", 100000+rng.IntN(900000))
		out = append(out, p)
	}
	return out
}

func makeInfluencers(rng *rand.Rand, lang string) []Persona {
	src := influencersFR
	if lang == LangEN {
		src = influencersEN
	}
	out := make([]Persona, len(src))
	for i, inf := range src {
		// Log-uniform between 40k and 2.5M followers.
		f := math.Exp(math.Log(40_000) + rng.Float64()*(math.Log(2_500_000)-math.Log(40_000)))
		out[i] = Persona{
			ID: fmt.Sprintf("u%d", 10000+rng.IntN(90000)), Username: inf.handle, DisplayName: inf.name,
			First: strings.Fields(inf.name)[0], Female: inf.female, Lang: lang,
			Followers: int64(f), Verified: rng.Float64() < 0.85, AgeDays: 1500 + rng.IntN(2500),
		}
	}
	return out
}

func makeSpammers(rng *rand.Rand, lang string, n int) []Persona {
	names := spamNamesFR
	if lang == LangEN {
		names = spamNamesEN
	}
	out := make([]Persona, n)
	for i := range out {
		followers := int64(rng.IntN(60))
		if rng.IntN(5) == 0 { // bought followers
			followers = int64(8000 + rng.IntN(20000))
		}
		name := pick(rng, names)
		out[i] = Persona{
			ID:       fmt.Sprintf("u%d", 9000000+rng.IntN(1000000)),
			Username: pick(rng, spamHandles) + fmt.Sprint(1000+rng.IntN(9000)), DisplayName: name,
			First: name, Lang: lang, Followers: followers, AgeDays: 1 + rng.IntN(30), Spammer: true,
		}
	}
	return out
}

func username(rng *rand.Rand, first, last string) string {
	f, l := ascii(first), ascii(last)
	switch rng.IntN(6) {
	case 0:
		return f + "." + l
	case 1:
		return f + "_" + l[:1] + fmt.Sprint(rng.IntN(100))
	case 2:
		return f + l + fmt.Sprint(70+rng.IntN(36))
	case 3:
		return f[:min(3, len(f))] + "_" + l
	case 4:
		return f + fmt.Sprint(rng.IntN(1000))
	default:
		return f + "." + l[:1] + fmt.Sprint(1+rng.IntN(99))
	}
}

func displayName(rng *rand.Rand, first, last string) string {
	switch rng.IntN(5) {
	case 0, 1:
		return first + " " + last
	case 2:
		return first + " " + string([]rune(last)[0]) + "."
	case 3:
		return first + " " + pick(rng, []string{"🌸", "☕", "🌿", "✨", "🎧", "⚽", "📚"})
	default:
		return strings.ToLower(first)
	}
}

var foldAccents = strings.NewReplacer(
	"é", "e", "è", "e", "ê", "e", "ë", "e", "à", "a", "â", "a", "ä", "a", "î", "i", "ï", "i",
	"ô", "o", "ö", "o", "û", "u", "ü", "u", "ù", "u", "ç", "c", "É", "e", "'", "", " ", "", "-", "",
)

// ascii folds a name into what people type in a username.
func ascii(s string) string { return strings.ToLower(foldAccents.Replace(s)) }
