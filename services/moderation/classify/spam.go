package classify

import (
	"hash/maphash"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ruche-project/ruche/pkg/gate"
)

// Author is what a network says about who wrote an interaction.
type Author struct {
	Handle      string `json:"handle,omitempty"`
	DisplayName string `json:"display_name,omitempty"`
	Followers   int64  `json:"followers,omitempty"`
	Verified    bool   `json:"verified,omitempty"`
	// CreatedAt is when the account was created; zero when the network does
	// not say.
	CreatedAt time.Time `json:"created_at,omitzero"`
}

// Spam is whether a text is spam, and why.
type Spam struct {
	Is      bool     `json:"is"`
	Score   float64  `json:"score"`
	Reasons []string `json:"reasons"`
}

// SpamThreshold is the score from which a text is spam.
const SpamThreshold = 3.0

var (
	urlRe       = gate.Must(`(?i)\b(?:https?://[^\s]+|www\.[^\s]+|[a-z0-9][a-z0-9\-]*(?:\.[a-z0-9\-]+)*\.(?:com|fr|net|org|io|co|ly|gl|gd|at|cc|me|xyz|top|click|win|loan|icu|link|site|online|shop|info|biz|to|id|be|ch|uk|us)/[^\s]*)`)
	moneyRateRe = gate.Must(`(?i)\d[\d\s.,]*\s*(?:€|\$|euros?|k€|k\$|k|dollars?)\s*(?:/|par|per|a|an|by|every|chaque)\s*(?:jour|jours|mois|semaine|heure|day|week|month|hour|j)\b`).With(gate.Amount)
	dollarsRe   = gate.Must(`\$\$+|€€+|💰💰|💸`)
	countRe     = gate.Must(`(?i)\b\d+\s*k?\s*(?:followers|abonnes|abonnés|likes|vues|views)\b`)
	digitsTail  = gate.Must(`\d{4,}$`)
	// quickMoneyRe is the easy-money testimony: a sum made in a few hours,
	// days or weeks ("My aunt made $4,000 in 48 hours", "j'ai transformé
	// 500 € en 12 000 € en trois semaines" is moneyRate's and the lexicon's).
	quickMoneyRe = gate.Must(`(?i)\b(?:made|earned|won|gagn[ée]e?|empoch[ée]e?)\s+(?:[$€£]\s?\d[\d,. ]*|\d[\d,. ]*\s?(?:[$€£]|k€|k\$|euros?|dollars?))\s+(?:in|en)\s+(?:\d+|one|two|three|un|une|deux|trois)\s*(?:h|hours?|heures?|days?|jours?|weeks?|semaines?)\b`)
	// referralRe is a link that pays whoever posts it ("?ref=94053").
	referralRe = gate.Must(`(?i)[?&](?:ref|aff|affiliate|referral|invite)=`)
)

// shorteners hide where a link goes. t.co is not one: X wraps every link.
var shorteners = []string{"bit.ly", "tinyurl.com", "goo.gl", "ow.ly", "is.gd", "buff.ly", "rebrand.ly", "cutt.ly", "shorturl.at",
	"tiny.cc", "rb.gy", "t.ly", "s.id", "bl.ink", "lnkd.in", "shorte.st", "adf.ly", "v.gd", "qr.ae", "bitly.com", "tiny.one"}

// suspiciousTLDs are cheap top-level domains that spam favours.
var suspiciousTLDs = []string{".xyz", ".top", ".click", ".win", ".loan", ".icu", ".online", ".site", ".buzz", ".rest",
	".cyou", ".cfd", ".sbs", ".bond", ".quest", ".monster", ".lol"}

// bareShopHostRe is a host name written without a scheme or a path under
// a top-level domain that sells or that spam favours
// ("cheap-luxury-bags.store"): urlRe needs a scheme or a path, and a bare
// host under .fr or .com is too often a customer naming a site.
var bareShopHostRe = gate.Must(`(?i)\b[a-z0-9][a-z0-9\-]*(?:\.[a-z0-9\-]+)*\.(?:store|shop|sale|deals|discount|boutique|bargains|cheap|xyz|top|click|win|loan|icu|online|site|buzz|rest|cyou|cfd|sbs|bond|quest|monster|lol)\b`)

// shopTLDs are top-level domains that sell: a host under one is a shop.
var shopTLDs = []string{".store", ".shop", ".sale", ".deals", ".discount", ".boutique", ".bargains", ".cheap"}

// shopWords in a link's host make it a shop: with a discount in the text,
// the counterfeit-shop comment ("-70% sur www.nike-outlet-shop.top").
var shopWords = []string{"outlet", "shop", "store", "boutique", "discount", "cheap", "sale", "soldes", "promo", "replica", "factory", "deals"}

// premiumRe is a premium-rate phone number, which charges the caller: North
// America's 1-900 and 1-976, France's 089x (and +33 89x), the United
// Kingdom's 09xx (+44 9), Belgium's and Switzerland's 090x (+32/+41 90x).
// Spam gives one to call ("Call 1-900-555-0199 now for your love reading");
// a customer quoting the brand's own hotline does too, which is why the
// number alone is not spam: it needs a call to act on it (callRe).
var premiumRe = gate.Must(`(?:^|[^\d+])(?:(?:\+?1[ .\-]?)?\(?(?:900|976)\)?[ .\-]?\d{3}[ .\-]?\d{4}|(?:\+33[ .\-]?\(?0?\)?|\b0)8[ .\-]?9\d(?:[ .\-]?\d{2}){3}|(?:\+44[ .\-]?|\b0)9[018]\d[ .\-]?\d{3}[ .\-]?\d{3,4}|(?:\+3[12][ .\-]?|\b0)90[0-9][ .\-]?\d{2}[ .\-]?\d{2}[ .\-]?\d{2})(?:\D|$)`).With(gate.DigitRun)

// callRe asks the reader to call or text: what makes a premium-rate number
// spam.
var callRe = gate.Must(`(?i)\b(?:call|ring|dial|text|appele[rz]?|appelle|composez|compose[rz]?|t[ée]l[ée]phonez|envoyez)\b`)

// discountRe is a discount: "-70%", "70% off", "jusqu'à -50", "prix cassés".
var discountRe = gate.Must(`(?i)(?:-\s?\d{2}\s?%|\b\d{2}\s?%\s?(?:off|de remise|de r[ée]duction)|jusqu.{1,3}-\s?\d{2}|prix cass[ée]s|\bsoldes?\b|\bclearance\b)`)

// DetectSpam scores t for spam: shortened links, link farms, shops (a
// discount and a shop's host, with or without a scheme), repeated text,
// "first!" comments, scam phrases (crypto, easy money, followers, fake
// giveaways, "DM me", "subscribe to my channel"), in
// French and English, links or none. The author's metadata (a new account,
// an empty profile with a generated handle) only adds to a text that already
// looks like spam: it never makes spam on its own.
func DetectSpam(t Text, author Author, at time.Time) Spam {
	raw := gate.NewText(t.Raw)
	return detectSpam(t, &raw, author, at, nil)
}

// detectSpam is DetectSpam with raw, t.Raw as a text whose folded form
// pii.FindText's regexps share, and the brand's own domains (lookalike.go).
func detectSpam(t Text, raw *gate.Text, author Author, at time.Time, brandDomains []string) Spam {
	s := Spam{Reasons: []string{}}
	var score float64
	reason := func(r string, w float64) {
		score += w
		if !slices.Contains(s.Reasons, r) {
			s.Reasons = append(s.Reasons, r)
		}
	}
	links := urlRe.FindAllText(raw)
	shortened, shop := 0, false
	var hostBuf [4]string
	hosts := hostBuf[:0]
	host := func(host string, bare bool) {
		if bare && slices.Contains(hosts, host) {
			return // a link's host is not counted again without its path
		}
		hosts = append(hosts, host)
		for _, tld := range suspiciousTLDs {
			if strings.HasSuffix(host, tld) {
				reason("link:suspicious_domain", 2)
			}
		}
		shop = shop || slices.ContainsFunc(shopWords, func(w string) bool { return strings.Contains(host, w) }) ||
			slices.ContainsFunc(shopTLDs, func(tld string) bool { return strings.HasSuffix(host, tld) })
	}
	for _, l := range links {
		ll := strings.ToLower(l)
		for _, sh := range shorteners {
			if strings.Contains(ll, sh+"/") || strings.HasPrefix(strings.TrimPrefix(strings.TrimPrefix(ll, "https://"), "http://"), sh) {
				reason("link:shortener", 3)
				shortened++
				break
			}
		}
		host(hostOf(ll), false)
	}
	for _, h := range bareShopHostRe.FindAllText(raw) {
		host(strings.ToLower(h), true)
	}
	// Lookalike hosts: bare host names too, but only where one can be (a
	// brand with domains, a punycode or non-ASCII host): most texts pay
	// nothing.
	if len(brandDomains) > 0 || strings.Contains(t.Raw, "xn--") || hasNonASCIIHost(t.Raw) {
		for _, h := range linkHosts(t.Raw, links) {
			for _, r := range lookalikeReasons(h, brandDomains) {
				// alone, a phishing link on the brand's page is spam
				reason(r, SpamThreshold)
			}
		}
	}
	if shortened >= 2 {
		// Several shortened links: a chain of redirections to hide where
		// they lead.
		reason("link:shortener_chain", 1)
	}
	if shop && discountRe.MatchText(raw) {
		reason("shop:counterfeit", 3)
	}
	if len(links) >= 3 {
		reason("links:many", 3)
	}
	// Phrases of the lexicon, each reason counted at its strongest.
	best := map[string]float64{}
	var buf [8]match
	for _, m := range lexicons().spam.appendFind(buf[:0], t.Tokens) {
		r := m.e.field(0)
		w := parseWeight(m.e.field(1))
		best[r] += w
	}
	for r, w := range best {
		reason(r, math.Min(w, 4))
	}
	if premiumRe.MatchText(raw) {
		if callRe.MatchText(raw) {
			reason("scam:premium_rate", SpamThreshold)
		}
	}
	if moneyRateRe.MatchText(raw) {
		reason("scam:money", 3)
	}
	if quickMoneyRe.MatchText(raw) {
		reason("scam:money", 2)
	}
	if len(links) > 0 && referralRe.MatchText(raw) {
		reason("link:referral", 1)
	}
	if dollarsRe.MatchText(raw) {
		reason("scam:money", 2)
	}
	if countRe.MatchText(raw) {
		reason("scam:followers", 2)
	}
	// Repetition: the same words over and over, or one character hammered.
	if n := len(t.Tokens); n >= 6 && float64(distinctKeys(t.Tokens))/float64(n) <= 0.5 {
		reason("repeated_text", 3)
	}
	if repeatedRun(t.Raw, 6) || repeatedEmoji(t.Emoji, 4) {
		reason("repeated_chars", 1)
	}
	if firstComment(t) {
		// "First!!! 🥇": a race to comment first, nothing to read or answer
		reason("noise:first", SpamThreshold)
	}
	if t.Letters >= 15 && float64(t.UpperLetters)/float64(t.Letters) > 0.7 {
		reason("shouting", 1)
	}
	// The author only weighs on a text that already looks like spam.
	if score > 0 {
		if !author.CreatedAt.IsZero() && !at.IsZero() && at.Sub(author.CreatedAt) < 7*24*time.Hour {
			reason("author:new_account", 1.5)
		}
		if author.Followers == 0 && !author.Verified && (author.DisplayName == "" || digitsTail.MatchString(author.Handle)) && author.Handle != "" {
			reason("author:empty_profile", 1)
		}
		if author.Verified {
			score -= 2
		}
	}
	s.Score = math.Round(score*10) / 10
	s.Is = score >= SpamThreshold
	slices.Sort(s.Reasons)
	return s
}

// firstComment reports a text that only claims to comment first ("First!",
// "Premier !!! 🥇", "1st comment"), mentions and emoji aside.
func firstComment(t Text) bool {
	var words [3]string
	n := 0
	for _, tok := range t.Tokens {
		if tok.Mention {
			continue
		}
		if n == len(words) {
			return false
		}
		words[n] = tok.Fold
		n++
	}
	switch {
	case n == 0 || !firstWords[words[0]]:
		return false
	case n == 1:
		return true
	case n == 2:
		return words[1] == "comment" || words[1] == "commentaire" || words[1] == "again"
	}
	return false
}

var firstWords = map[string]bool{"first": true, "1st": true, "premier": true, "premiere": true, "1er": true, "1ere": true, "frist": true}

// distinctKeys counts the distinct main keys of toks, in a hash table on
// the stack: a map would be allocated for every text.
func distinctKeys(toks []Token) int {
	var slots [256]int16 // 1 + the index of the token whose key fills the slot
	if len(toks) > len(slots)/2 {
		seen := make(map[string]bool, len(toks))
		for _, tok := range toks {
			seen[tok.Key()] = true
		}
		return len(seen)
	}
	n := 0
	for i, tok := range toks {
		k := tok.Key()
		for j := maphash.String(distinctSeed, k) % uint64(len(slots)); ; j = (j + 1) % uint64(len(slots)) {
			if slots[j] == 0 {
				slots[j] = int16(i + 1)
				n++
				break
			}
			if toks[slots[j]-1].Key() == k {
				break
			}
		}
	}
	return n
}

var distinctSeed = maphash.MakeSeed()

func parseWeight(s string) float64 {
	switch s {
	case "1":
		return 1
	case "2":
		return 2
	case "3":
		return 3
	}
	var w float64
	for _, c := range s {
		if c >= '0' && c <= '9' {
			w = w*10 + float64(c-'0')
		}
	}
	return w
}

// repeatedRun reports a character (not a space) repeated n times in a row.
func repeatedRun(s string, n int) bool {
	var last rune
	run := 0
	for _, r := range s {
		if r == last && r != ' ' && r != '.' && r != utf8.RuneError {
			run++
			if run >= n {
				return true
			}
		} else {
			last, run = r, 1
		}
	}
	return false
}

func repeatedEmoji(emoji []string, n int) bool {
	count := map[string]int{}
	for _, e := range emoji {
		count[e]++
		if count[e] >= n {
			return true
		}
	}
	return false
}
