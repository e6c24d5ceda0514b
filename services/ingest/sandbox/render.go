package sandbox

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"unicode"
	"unicode/utf8"
)

// render fills the placeholders of a template:
//
//	{form:class}  a product of class a (appliance), w (appliance using
//	              water), c (consumable), g (coffee), s (service) or p
//	              (any), the same
//	              one throughout the text (capitalised at a sentence start):
//	              French forms nom, le, du, mon, ce, un, lo (le/la/les),
//	              e and s (its agreements), est, a, il, estil, prix;
//	              English forms name, the, my, an, this, is, was, it, works, price
//	{ae}          "e" when the author is a woman (French agreement)
//	{brand} {brandtag} {handle} {city} {agent} {friend}
//	{days} {hours} {n} {pct} {order}
//	{email} {phone} {fullname} {address} {birthdate} {iban}
//	{link} {scamlink}
//
// An unknown placeholder panics: the templates are constants, and a test
// renders every one of them.
func render(rng *rand.Rand, text, lang string, author Persona, people []Persona) string {
	var b strings.Builder
	chosen := map[byte]product{}
	rest := text
	for {
		i := strings.IndexByte(rest, '{')
		if i < 0 {
			b.WriteString(rest)
			break
		}
		j := strings.IndexByte(rest[i:], '}')
		if j < 0 {
			panic("sandbox: unclosed placeholder in " + text)
		}
		b.WriteString(rest[:i])
		v := fill(rng, rest[i+1:i+j], lang, author, people, chosen)
		if sentenceStart(b.String()) {
			v = capitalize(v)
		}
		b.WriteString(v)
		rest = rest[i+j+1:]
	}
	return b.String()
}

// sentenceStart is true when what follows starts a sentence.
func sentenceStart(before string) bool {
	t := strings.TrimRight(before, " ")
	return t == "" || t != before && strings.ContainsAny(t[len(t)-1:], ".!?")
}

func capitalize(s string) string {
	if r, n := utf8.DecodeRuneInString(s); unicode.IsLower(r) {
		return string(unicode.ToUpper(r)) + s[n:]
	}
	return s
}

func fill(rng *rand.Rand, token, lang string, author Persona, people []Persona, chosen map[byte]product) string {
	if form, class, ok := strings.Cut(token, ":"); ok && len(class) == 1 {
		p, ok := chosen[class[0]]
		if !ok {
			p = pick(rng, productsOf(class[0]))
			chosen[class[0]] = p
		}
		return productForm(p, form, token)
	}
	fr := lang == LangFR
	switch token {
	case "ae":
		if author.Female {
			return "e"
		}
		return ""
	case "brand":
		return demoBrandName
	case "brandtag":
		return demoBrandTag
	case "handle":
		return "@" + demoHandle
	case "city":
		if fr {
			return pick(rng, citiesFR)
		}
		return pick(rng, citiesEN)
	case "agent":
		if fr {
			return pick(rng, agentsFR)
		}
		return pick(rng, agentsEN)
	case "friend":
		for {
			if f := pick(rng, people); f.Username != author.Username {
				return "@" + f.Username
			}
		}
	case "days":
		return fmt.Sprint(3 + rng.IntN(19))
	case "hours":
		return fmt.Sprint(2 + rng.IntN(29))
	case "n":
		return fmt.Sprint(2 + rng.IntN(5))
	case "pct":
		return fmt.Sprint(15 + rng.IntN(26))
	case "order":
		return fmt.Sprintf("CL-%06d", rng.IntN(1_000_000))
	case "email":
		sep := pick(rng, []string{".", "_", ""})
		num := ""
		if rng.IntN(2) == 0 {
			num = fmt.Sprint(rng.IntN(100))
		}
		return ascii(author.First) + sep + ascii(author.Last) + num + "@" + pick(rng, mailDomains)
	case "phone":
		return phone(rng, fr)
	case "fullname":
		return author.First + " " + author.Last
	case "address":
		if fr {
			return fmt.Sprintf("%d %s, %s", 1+rng.IntN(120), pick(rng, streetsFR), pick(rng, []string{"69003 Lyon", "33000 Bordeaux", "59000 Lille", "44000 Nantes", "13006 Marseille", "31000 Toulouse", "67000 Strasbourg", "35000 Rennes"}))
		}
		return fmt.Sprintf("%d %s, %s", 1+rng.IntN(120), pick(rng, streetsEN), pick(rng, []string{"Manchester M1 4BT", "Bristol BS1 5TR", "Leeds LS1 3AB", "Brighton BN1 1AA", "Glasgow G2 1DU"}))
	case "birthdate":
		d, m, y := 1+rng.IntN(28), 1+rng.IntN(12), 1960+rng.IntN(45)
		if fr {
			return fmt.Sprintf("%02d/%02d/%d", d, m, y)
		}
		return fmt.Sprintf("%d %s %d", d, []string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}[m-1], y)
	case "iban":
		if fr {
			return frenchIBAN(fmt.Sprintf("3000%04d%04d%04d%04d%03d", rng.IntN(10000), rng.IntN(10000), rng.IntN(10000), rng.IntN(10000), rng.IntN(1000)))
		}
		return fmt.Sprintf("sort code %02d-%02d-%02d, account %08d", rng.IntN(100), rng.IntN(100), rng.IntN(100), rng.IntN(100_000_000))
	case "link":
		return "https://" + pick(rng, shorteners) + "/" + code(rng, 7)
	case "scamlink":
		return "https://" + pick(rng, scamSites) + "/" + pick(rng, []string{"bonus", "start", "promo", "vip", "go"}) + "?ref=" + fmt.Sprint(10000+rng.IntN(90000))
	}
	panic("sandbox: unknown placeholder {" + token + "}")
}

func productForm(p product, form, token string) string {
	switch form {
	// French.
	case "nom":
		return p.nom
	case "le":
		return p.le
	case "du":
		return p.du
	case "mon":
		return p.mon
	case "ce":
		return p.ce
	case "un":
		return p.un
	case "prix":
		return p.eur
	case "e":
		if p.fem {
			return "e"
		}
		return ""
	case "s":
		if p.plural {
			return "s"
		}
		return ""
	case "est":
		return choose(p.plural, "sont", "est")
	case "a":
		return choose(p.plural, "ont", "a")
	case "lo":
		return choose(p.plural, "les", choose(p.fem, "la", "le"))
	case "il":
		return choose(p.fem, "elle", "il") + choose(p.plural, "s", "")
	case "estil":
		return choose(p.plural, "sont-", "est-") + choose(p.fem, "elle", "il") + choose(p.plural, "s", "")
	// English.
	case "name":
		return p.name
	case "the":
		return p.the
	case "my":
		return p.my
	case "an":
		return p.a
	case "this":
		return p.this
	case "price":
		return p.gbp
	case "is":
		return choose(p.enPlural, "are", "is")
	case "was":
		return choose(p.enPlural, "were", "was")
	case "it":
		return choose(p.enPlural, "they", "it")
	case "works":
		return choose(p.enPlural, "work", "works")
	}
	panic("sandbox: unknown product form {" + token + "}")
}

func choose(cond bool, yes, no string) string {
	if cond {
		return yes
	}
	return no
}

// phone returns a number from the ranges reserved for fiction: ARCEP's
// 06 39 98 and 01 99 00 in France, Ofcom's 07700 900 in the UK, 555-01xx
// in North America.
func phone(rng *rand.Rand, fr bool) string {
	if fr {
		switch rng.IntN(3) {
		case 0:
			return fmt.Sprintf("06 39 98 %02d %02d", rng.IntN(100), rng.IntN(100))
		case 1:
			return fmt.Sprintf("+33 6 39 98 %02d %02d", rng.IntN(100), rng.IntN(100))
		default:
			return fmt.Sprintf("01 99 00 %02d %02d", rng.IntN(100), rng.IntN(100))
		}
	}
	if rng.IntN(2) == 0 {
		return fmt.Sprintf("07700 900%03d", rng.IntN(1000))
	}
	return fmt.Sprintf("(%03d) 555-01%02d", 200+rng.IntN(700), rng.IntN(100))
}

const alnum = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"

func code(rng *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alnum[rng.IntN(len(alnum))]
	}
	return string(b)
}

// frenchIBAN is the French IBAN of a 23-digit BBAN, its check digits
// computed (ISO 13616: the BBAN, then "FR00" as digits, mod 97), written in
// groups of four: a customer's real IBAN passes the check that moderation
// and the exports' masking apply.
func frenchIBAN(bban string) string {
	mod := 0
	for _, c := range bban + "152700" { // F = 15, R = 27
		mod = (mod*10 + int(c-'0')) % 97
	}
	s := fmt.Sprintf("FR%02d%s", 98-mod, bban)
	var b strings.Builder
	for i := 0; i < len(s); i += 4 {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(s[i:min(i+4, len(s))])
	}
	return b.String()
}
