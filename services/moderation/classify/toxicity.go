package classify

import (
	"slices"
	"strings"
	"sync"

	"github.com/ruche-project/ruche/pkg/gate"
)

// Severity of toxicity, ordered.
type Severity string

// Severities.
const (
	SeverityNone   Severity = "none"
	SeverityLow    Severity = "low"
	SeverityMedium Severity = "medium"
	SeverityHigh   Severity = "high"
)

func (s Severity) rank() int {
	switch s {
	case SeverityLow:
		return 1
	case SeverityMedium:
		return 2
	case SeverityHigh:
		return 3
	}
	return 0
}

// Category of toxicity.
type Category string

// Categories. Profanity (vulgar words aimed at no one) has no category: it
// only makes the severity low.
const (
	CategoryInsult Category = "insult"
	CategoryThreat Category = "threat"
	CategoryHate   Category = "hate"
)

// Toxicity is how abusive a text is.
type Toxicity struct {
	Severity   Severity   `json:"severity"`
	Categories []Category `json:"categories"`
	// Hits name what counted: "insult:connard", "threat:kill_you". The terms
	// come from the lexicons, never from the text itself.
	Hits []string `json:"hits"`
	// Discounted names what matched but did not count, and why:
	// "quoted:connard", "reported:idiot", "negated:idiot", "self:idiot".
	Discounted []string `json:"discounted,omitempty"`
}

// pattern is a regular expression over Text.Canon.
type pattern struct {
	name     string
	category Category
	re       *gate.Regexp
}

const (
	groupsFR     = `(?:arabes|noirs|juifs|musulmans|immigres|immigrants|migrants|etrangers|femmes|homos|gays|pedes|asiatiques|chinois|roms|gitans|trans|blacks|rebeus|renois|refugies)`
	groupFR      = `(?:arabe|noir|juif|musulman|immigre|etranger|homo|gay|chinois|rom|gitan|rebeu|renoi|refugie)s?`
	groupsEN     = `(?:muslims|jews|blacks|arabs|immigrants|migrants|foreigners|women|gays|asians|chinese|mexicans|gypsies|trans people|refugees)`
	dehumanising = `(?:terroristes|criminels|animaux|parasites|inferieurs|singes|rats|voleurs|dechets|sous hommes|cafards|violeurs|vermine|vermines|une plaie|terrorists|criminals|animals|vermin|inferior|rapists|subhuman|trash|disgusting|a disease|cockroaches|savages)`
	people       = `(?:ceo|boss|manager|owner|founder|family|kids|children|wife|husband|staff|employees|driver|mother|mom|mum|dad|father|son|daughter|team|cashier)`
	places       = `(?:boutique|boutiques|magasin|magasins|restaurant|resto|maison|bureau|bureaux|local|agence|cafe|voiture|usine|shop|shops|store|stores|house|place|office|building|car|business)`
)

var toxicPatterns = []pattern{
	{"threat:je_vais_te", CategoryThreat, gate.Must(` (?:je|j|on|nous|ils|il) (?:vais|va|vas|allons|vont|veux|voulons) (?:(?:venir|aller|bien|tous|te retrouver et) )?(?:te|t|vous) (?:retrouver|tuer|buter|defoncer|frapper|egorger|cramer|bruler|massacrer|planter|tabasser|violer|saigner|fumer|eclater|crever|casser la gueule|faire la peau|peter la gueule|exploser|fracasser) `)},
	{"threat:sait_ou_tu_habites", CategoryThreat, gate.Must(` (?:je|on|nous) (?:sais|sait|savons|connais|connait) ou (?:tu|vous|il|elle|ils|elles|ton \S+|ta \S+|votre \S+|son \S+|sa \S+) (?:habites|habite|habitez|habitent|vis|vit|vivez|vivent|travailles|travaille|travaillez|travaillent|dors|dort) `)},
	{"threat:arson_fr", CategoryThreat, gate.Must(` (?:vais|va|vont|allons) (?:\S+ )?(?:mettre|foutre) le feu `)},
	{"threat:destroy_place_fr", CategoryThreat, gate.Must(` (?:vais|va|vont|allons) (?:\S+ )?(?:bruler|cramer|incendier|faire sauter|exploser|saccager|detruire|defoncer) (?:ta|ton|tes|votre|vos|la|le|les) ` + places + ` `)},
	{"threat:tu_vas_mourir", CategoryThreat, gate.Must(` (?:tu vas|vous allez) (?:mourir|crever|le payer de ta vie) | (?:t es|tu es|vous etes) (?:mort|morte|morts) $`)},
	{"threat:i_will_hurt_you", CategoryThreat, gate.Must(` (?:i|we) (?:will |ll |m going to |am going to |re going to |are going to |m gonna |re gonna |gonna |shall )?(?:come and |come |go )?(?:kill|murder|hurt|shoot|stab|beat up|rape|strangle|find|hunt down|hunt|end) (?:you|u|ya|yall) `)},
	{"threat:destroy_place_en", CategoryThreat, gate.Must(` (?:burn|torch|bomb|blow up|trash|wreck|smash|burn down) (?:your|ur|the|this|that) ` + places + ` `)},
	{"threat:know_where_you_live", CategoryThreat, gate.Must(` (?:we|i) know where (?:you|u|he|she|they|your \S+|ur \S+|his \S+|her \S+|their \S+) (?:live|lives|work|works|sleep|sleeps|go|goes) `)},
	{"threat:watch_your_back", CategoryThreat, gate.Must(` (?:better |d better |should |gonna have to )?watch (?:your|ur|his|her|their|yer) backs? `)},
	{"threat:surveille_tes_arrieres", CategoryThreat, gate.Must(` (?:surveille|surveillez|surveiller|fais gaffe a|faites gaffe a) (?:tes|vos|ses|leurs) (?:arrieres|fesses) `)},
	{"threat:interet_a_ne_plus_fr", CategoryThreat, gate.Must(` (?:a|as|avez|ont) interet a ne (?:plus |pas )?(?:jamais )?(?:remettre les pieds|se montrer|revenir|repasser|me croiser|croiser) `)},
	{"threat:better_not_show_face_en", CategoryThreat, gate.Must(` (?:better|d better|should) (?:never|not) (?:show|come) (?:his|her|your|their|ur) (?:face|ass|ugly face) `)},
	{"threat:wont_end_well", CategoryThreat, gate.Must(` (?:it|this|that) (?:won t|wont|will not) end well | ca (?:va|risque de) (?:mal finir|finir mal) `)},
	{"threat:you_are_dead", CategoryThreat, gate.Must(` (?:you|u) (?:re|are|r) (?:dead|going to die|gonna die) | (?:hope|wish) (?:you|u) (?:die|get cancer) `)},
	// Veiled threats and threats at people around the target, from the
	// dev and training splits' threats the patterns above missed.
	{"threat:veiled_shame_en", CategoryThreat, gate.Must(` (?:would|d) be a (?:shame|pity) if (?:something|anything) (?:happened|were to happen|happens) to `)},
	{"threat:veiled_dommage_fr", CategoryThreat, gate.Must(` dommage qu (?:il|elle) (?:arrive|arrivat) (?:quelque chose|qqch|un malheur|un accident) `)},
	{"threat:hope_someone_dies_en", CategoryThreat, gate.Must(` (?:hope|wish) (?:your|ur|the|that|his|her|their) (?:\S+ )?` + people + ` (?:dies|die|gets killed|gets shot|burns) `)},
	{"threat:family_known_fr", CategoryThreat, gate.Must(` (?:je|on|nous) (?:connais|connait|connaissons) (?:ta|tes|votre|vos) (?:femme|mari|gosses|enfants|famille|fille|fils|mere|pere|gamins|proches) `)},
	{"threat:waiting_outside_fr", CategoryThreat, gate.Must(` (?:on|je|nous) (?:t|vous) (?:attend|attends|attendons|attendra|attendrai|attendrons) (?:devant|a la sortie|dehors|en bas|au coin) `)},
	{"threat:six_feet_under", CategoryThreat, gate.Must(` (?:envoyer|mettre|finir|envoie|mets) (?:\S+ )?six pieds sous terre | (?:put|send) (?:you|u|ya) six feet under `)},
	{"threat:wreck_your_place_fr", CategoryThreat, gate.Must(` (?:va|vais|allons|vont|venir) (?:\S+ )?tout (?:casser|peter|defoncer|bruler|cramer|saccager) (?:chez (?:vous|toi)|dans (?:votre|ton|ta|vos|tes) ) | (?:votre|ton|ta|vos|tes) (?:siege|` + places[3:len(places)-1] + `) (?:va|vont) (?:partir en fumee|bruler|sauter|cramer) `)},
	{"threat:exterminate_them", CategoryThreat, gate.Must(` (?:gas|exterminate|kill|shoot|hang|burn) (?:them|em|those people) all | (?:gas|exterminate|kill|shoot|hang|burn) (?:all of them|every single one of them|every last one of them) `)},
	// Threats of the training splits the patterns above missed, written
	// as their kind rather than their words: a weapon brought along, harm
	// to what belongs to the target, the target's address held, a group
	// to be shot.
	{"threat:harm_yours_en", CategoryThreat, gate.Must(` (?:i|we) (?:ll |will |m going to |am going to |re going to |m gonna |re gonna |m |am )(?:\S+ )?(?:slit|break|smash|stab|shoot|torch|burn|bomb|beat|strangle|cut|planting a bomb in|plant a bomb in) (?:your|ur|his|her|their) `)},
	{"threat:harm_yours_fr", CategoryThreat, gate.Must(` (?:je|on|nous) (?:vais|va|allons) (?:lui|leur|te|vous) (?:casser|refaire le portrait|planter|trouer|crever|egorger|ouvrir) | (?:je|on) (?:lui|leur|te|vous) (?:plante|plantes|plantera|planterai) (?:un couteau|une lame) | (?:vais|va|allons|vont) (?:poser|mettre|planter) une bombe `)},
	{"threat:bullet", CategoryThreat, gate.Must(` (?:put|putting|puts) a bullet in | (?:mettre|mette|mettra|colle|coller) une balle (?:a|dans) `)},
	{"threat:armed_visit_en", CategoryThreat, gate.Must(` (?:coming|come|show up|showing up|be back|come back|coming back|i m back|bringing|bring)(?: \S+){0,5} (?:with )?(?:a|my|some) (?:gun|rifle|shotgun|knife|bat|baseball bat|bomb|machete|gasoline|petrol) `)},
	{"threat:armed_visit_fr", CategoryThreat, gate.Must(` (?:viens|reviens|revenir|venir|passe|repasse|viendrai|reviendrai)(?: \S+){0,5} (?:avec|c est avec) (?:une|un|mon|ma|de l|du) (?:batte|fusil|arme|couteau|flingue|essence|bombe|machette|hache) | (?:j ai|on a) (?:une arme|un flingue|un fusil) `)},
	{"threat:group_shot", CategoryThreat, gate.Must(` (?:should|must|ought to|deserve to|deserves to) be (?:lined up and )?(?:shot|hanged|hung|gassed|executed|killed|lynched) | lined up and shot | (?:faudrait|faut|faudra|devrait|devraient|doivent etre) (?:tous )?(?:les |etre )?(?:fusiller|fusilles|gazer|gazes|pendre|pendus|executer|executes|buter|tuer|lyncher|lynches) `)},
	{"threat:address_held", CategoryThreat, gate.Must(` (?:i|we) (?:have|ve got|got|know) (?:your|ur) (?:home )?address | (?:j ai|on a|je connais|on connait|nous connaissons) (?:ton|votre|ta|l) (?:adresse|domicile) `)},
	{"threat:you_will_pay_en", CategoryThreat, gate.Must(` (?:you|u) (?:ll|will) (?:pay dearly|pay for this|end up in (?:a |the )?(?:ditch|hospital|coffin|morgue|trunk|river|grave)) | see what happens to (?:your|ur) | sleep well while (?:you|u) (?:still )?can | (?:should|better) be careful walking home | pay (?:you|u) a visit and not to `)},
	{"threat:you_will_pay_fr", CategoryThreat, gate.Must(` (?:tu vas|vous allez) (?:le payer (?:tres )?cher|finir dans (?:un|une|le|la) (?:coffre|fosse|fosse|ravin|cercueil|caniveau)|saigner) | (?:t es|vous etes) (?:mort|morts|morte) si | rendre visite et ce ne sera pas pour | qu il fasse attention a lui | (?:surveillez|surveille) (?:bien )?(?:votre|ta|ton|vos|tes) (?:voiture|vehicule|maison|boutique|magasin|famille|enfants) `)},
	{"threat:around_the_target_en", CategoryThreat, gate.Must(` (?:we|i) ll be waiting (?:for (?:you|u) )?(?:outside|at the exit|downstairs|after (?:your|ur) shift) | (?:i|we) know (?:your|ur) (?:wife|husband|kids|children|family|daughter|son) | (?:is|are) going up in flames | with (?:them|everyone|everybody|your \S+|the \S+) (?:still )?inside `)},
	// Threats at a third person or a group, written as their kind from
	// the training and dev splits: someone urged to do violence, harm
	// foretold to someone ("is going to get hurt", "va se prendre une
	// raclée", "ends up in hospital"), violence said to be deserved, a
	// person waited for where they leave.
	{"threat:incitement", CategoryThreat, gate.Must(` (?:someone|somebody|people) (?:should|needs to|need to|ought to|has to|have to|gotta|oughta) (?:\S+ )?(?:smash|beat|stab|shoot|kill|hurt|punch|torch|burn down|teach (?:him|her|them|\S+ \S+) a lesson) | (?:quelqu un|quelqu|on) (?:devrait|doit|devra|va|finira par) (?:\S+ )?(?:defoncer|frapper|tabasser|buter|planter|casser la gueule|cramer|tuer|egorger|refaire le portrait) `)},
	{"threat:harm_foretold_en", CategoryThreat, gate.Must(` (?:is|are|s|re) (?:going to|gonna|about to) (?:get|be) (?:hurt|stabbed|shot|beaten|killed|jumped|beat up|smashed|knifed) | (?:getting|get|gets) a beating | end(?:s)? up in (?:the |a )?(?:hospital|morgue|coffin|wheelchair|grave) | (?:won t|wont|will not) make it home `)},
	{"threat:harm_foretold_fr", CategoryThreat, gate.Must(` (?:va|vont|vas|allez) (?:finir par )?se (?:faire (?:frapper|tabasser|planter|defoncer|buter|casser la gueule|refaire le portrait|lyncher)|prendre (?:une|un) (?:raclee|volee|beigne|balle|bastos|coup de couteau)) | (?:va|vont|vas|allez) (?:manger|prendre|recevoir) (?:une|un) (?:volee|raclee|beigne|balle|bastos|coup de couteau) | (?:finir|finit|finissent|finira|finiront|finiras|finirez|repart|repartira|repartiront) (?:a l hopital|a l hosto|aux urgences|en fauteuil|a la morgue|en ambulance|entre quatre planches) `)},
	{"threat:deserved_violence", CategoryThreat, gate.Must(` deserves? (?:a beating|a bullet|to be beaten|to get beaten|to get shot|to be stabbed|to be beaten to a pulp|to die) | (?:merite|meritent|meriterait|meriteraient) (?:d etre |de se faire )?(?:roue de coups|roues de coups|tabasse|tabasses|abattu|abattus|pendu|pendus|fusille|fusilles|une raclee|une balle|une bonne raclee|de crever|de mourir) `)},
	{"threat:waiting_for_fr", CategoryThreat, gate.Must(` (?:je|on|nous) (?:vais |va |allons )?(?:l|la|les) (?:attends|attend|attendons|attendrai|attendra|attendre) (?:sur le parking|a la sortie (?:du|de son|de leur) (?:taf|boulot|travail|magasin|service|bureau|boutique)|apres (?:son|leur) (?:service|taf|boulot)) | (?:i ll|i will|we ll|we will) be waiting for (?:him|her|them) (?:outside|in the car park|in the parking lot|at the exit|after (?:work|his shift|her shift|their shift)) `)},
	{"hate:group_dehumanised_fr", CategoryHate, gate.Must(` (?:les|tous les|toutes les|ces|sales) ` + groupsFR + ` (?:sont|=) (?:des |tous des |toutes des |de la |une )?` + dehumanising + ` `)},
	{"hate:group_out_fr", CategoryHate, gate.Must(` (?:les )?` + groupsFR + ` dehors | dehors les ` + groupsFR + ` | sales? ` + groupFR + ` `)},
	{"hate:group_no_rights_fr", CategoryHate, gate.Must(` (?:les )?` + groupsFR + ` ne (?:devraient|doivent) (?:pas|jamais) (?:avoir|pouvoir|voter|travailler|parler|exister|sortir) `)},
	{"hate:group_dehumanised_en", CategoryHate, gate.Must(` (?:all )?` + groupsEN + ` (?:are|r) (?:all |just )?` + dehumanising + ` `)},
	{"hate:group_out_en", CategoryHate, gate.Must(` dirty (?:muslim|jew|arab|immigrant|migrant|foreigner|mexican|gypsy|refugee)s? | ` + groupsEN + ` (?:should|must) (?:all )?(?:be deported|be killed|be banned|be gassed|be exterminated|go back) | (?:deport|kill|ban|gas) (?:all )?(?:the )?` + groupsEN + ` `)},
	{"hate:group_no_rights_en", CategoryHate, gate.Must(` ` + groupsEN + ` (?:should not|should never|must not) (?:be allowed|have|vote|work|speak|exist) `)},
}

var (
	reportingMarkers = []string{" traite de ", " traitee de ", " traites de ", " traitees de ", " traiter de ", " traitait de ", " traitent de ",
		" appele ", " appelee ", " appeles ", " called me ", " called us ", " called him ", " called her ", " called my ", " calls me ",
		" m a dit ", " a dit que ", " a dit ", " said ", " insulte de ", " qualifie de ", " qualifies de ", " m a insulte ", " m a insultee "}
	metaNegation = []string{" ne dis pas que ", " dis pas que ", " ne dis pas qu ", " not saying ", " m not saying ", " never said "}
	negators     = map[string]bool{"pas": true, "not": true, "never": true, "jamais": true, "no": true, "ne": true, "n": true, "ni": true, "aucun": true, "aucune": true, "nor": true}
	secondPerson = map[string]bool{"t": true, "tu": true, "vous": true, "toi": true, "you": true, "u": true, "ur": true, "youre": true, "yall": true, "ya": true}
	copulas      = map[string]bool{"es": true, "etes": true, "are": true, "re": true, "r": true, "ur": true, "youre": true}
	aimMarkers   = []string{" espece de ", " espece d ", " bande de ", " bande d ", " quel ", " quelle ", " quels ", " quelles ", " what a ", " what an ", " such a ", " such an ", " sale ", " sales ", " pauvre ", " gros ", " grosse ", " sombre ", " absolute ", " bunch of ", " sont des ", " etes des ", " es un ", " es une ", " est un ", " est une ", " qu un ", " qu une ", " is a ", " is an ", " are a ", " are such ",
		// an organisation said to be made of them ("a scam run by cretins")
		" run by ", " ran by ", " managed by ", " staffed by ", " tenu par ", " tenue par ", " dirige par ", " dirigee par ", " gere par ", " geree par ", " ramassis de ", " ramassis d ",
		// said of third persons, the brand's people or a group of them
		// ("the managers there are dimwits", "ces bouffons du marketing",
		// "une boîte de voleurs"): a copula or a demonstrative within the
		// three words before
		" are ", " r ", " sont ", " est ", " ces ", " these ", " those ", " boite de ", " boite d ", " equipe de ", " equipe d ", " company of ", " team of "}
	selfReferences = []string{" je suis ", " suis ", " i m ", " i am ", " im ", " silly me ", " me ", " we are ", " we re ", " on est ", " nous sommes "}
)

// DetectToxicity finds insults, threats and hate in t. Insults quoted or
// reported ("il m'a traité de « connard »"), negated ("tu n'es pas un
// idiot") or self-directed ("quel idiot je suis") do not count; slurs count
// even negated.
func DetectToxicity(t Text, lang Lang) Toxicity {
	tox := Toxicity{Severity: SeverityNone, Categories: []Category{}, Hits: []string{}}
	severity := SeverityNone
	raise := func(s Severity) {
		if s.rank() > severity.rank() {
			severity = s
		}
	}
	addCategory := func(c Category) {
		if !slices.Contains(tox.Categories, c) {
			tox.Categories = append(tox.Categories, c)
		}
	}
	var buf [8]match
	for _, m := range lexicons().toxicity.appendFind(buf[:0], t.Tokens) {
		e := m.e
		category, sev, mode, l := e.field(0), Severity(e.field(1)), e.field(2), e.field(3)
		if l == "fr" && lang == LangEnglish || l == "en" && lang == LangFrench {
			continue
		}
		name := e.String()
		if why := discount(t, m, category); why != "" {
			tox.Discounted = append(tox.Discounted, why+":"+name)
			continue
		}
		switch mode {
		case "noun":
			if !aimedNoun(t, m) {
				continue
			}
		case "adj":
			if !aimedAdjective(t, m) {
				continue
			}
		}
		if mode != "always" && sev == SeverityLow {
			sev = SeverityMedium // an insult aimed at someone
		}
		raise(sev)
		tox.Hits = append(tox.Hits, category+":"+name)
		if category != "profanity" {
			addCategory(Category(category))
		}
	}
	index := toxicIndex()
	var foundBuf [512]bool
	found := index.Scan(foundBuf[:0], t.Canon)
	for i, p := range toxicPatterns {
		if !index.May(i, found) {
			continue
		}
		loc := p.re.Regexp.FindStringIndex(t.Canon)
		if loc == nil {
			continue
		}
		start := canonToken(t, loc[0])
		m := match{start: start, end: canonToken(t, loc[1]-1) + 1}
		if why := discount(t, m, string(p.category)); why != "" {
			tox.Discounted = append(tox.Discounted, why+":"+p.name)
			continue
		}
		raise(SeverityHigh)
		tox.Hits = append(tox.Hits, p.name)
		addCategory(p.category)
	}
	tox.Severity = severity
	slices.Sort(tox.Categories)
	return tox
}

// toxicIndex is the gates of toxicPatterns in one index (they all look at
// Text.Canon), built on first use.
var toxicIndex = sync.OnceValue(func() *gate.Index {
	gates := make([]*gate.Regexp, len(toxicPatterns))
	for i, p := range toxicPatterns {
		gates[i] = p.re
	}
	return gate.NewIndex(gates)
})

// canonToken maps a byte offset of t.Canon to the token it falls in.
func canonToken(t Text, off int) int {
	pos := 1
	for i, tok := range t.Tokens {
		pos += len(tok.Key()) + 1
		if off < pos {
			return i
		}
	}
	return max(len(t.Tokens)-1, 0)
}

// window joins the main keys of the tokens of the match's clause within n
// tokens before it, with spaces around every word.
func window(t Text, start, n int) string {
	var b strings.Builder
	b.WriteByte(' ')
	for i := max(0, start-n); i < start; i++ {
		if t.Tokens[i].Clause != t.Tokens[start].Clause {
			continue
		}
		b.WriteString(t.Tokens[i].Key())
		b.WriteByte(' ')
	}
	return b.String()
}

// sentenceBefore is window over the whole sentence before start.
func sentenceBefore(t Text, start int) string {
	var b strings.Builder
	b.WriteByte(' ')
	for i := 0; i < start; i++ {
		if t.Tokens[i].Sentence == t.Tokens[start].Sentence {
			b.WriteString(t.Tokens[i].Key())
			b.WriteByte(' ')
		}
	}
	return b.String()
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// discount says why a match does not count, or "".
func discount(t Text, m match, category string) string {
	if len(t.Tokens) == 0 {
		return ""
	}
	if t.Tokens[m.start].Quoted {
		return "quoted"
	}
	before := sentenceBefore(t, m.start)
	if containsAny(window(t, m.start, 6), reportingMarkers) || containsAny(before, reportingMarkers) && strings.Contains(t.Folded, "\"") {
		return "reported"
	}
	if category == "hate" || category == "profanity" {
		return ""
	}
	if containsAny(before, metaNegation) {
		return "negated"
	}
	for i := max(0, m.start-4); i < m.start; i++ {
		if t.Tokens[i].Clause == t.Tokens[m.start].Clause && negators[t.Tokens[i].Key()] {
			return "negated"
		}
	}
	if category == "insult" {
		after := " "
		for i := m.end; i < min(len(t.Tokens), m.end+3); i++ {
			after += t.Tokens[i].Key() + " "
		}
		if containsAny(window(t, m.start, 3), selfReferences) || strings.HasPrefix(after, " je suis ") || strings.HasPrefix(after, " que je suis ") || strings.HasPrefix(after, " me ") {
			return "self"
		}
	}
	return ""
}

// aimedAdjective: "t'es nul", "vous êtes nuls", "you stupid ...".
func aimedAdjective(t Text, m match) bool {
	pronoun, copula := false, false
	for i := max(0, m.start-4); i < m.start; i++ {
		if t.Tokens[i].Clause != t.Tokens[m.start].Clause {
			continue
		}
		k := t.Tokens[i].Key()
		if secondPerson[k] {
			pronoun = true
			if i == m.start-1 {
				copula = true
			}
		}
		if copulas[k] {
			copula = true
		}
	}
	return pronoun && copula || strings.Contains(window(t, m.start, 3), " bande de ")
}

// aimedNoun: aimed like an adjective, after a marker ("espèce de", "what a",
// "sont des"), or alone in its clause as a vocative ("..., thieves!!").
func aimedNoun(t Text, m match) bool {
	if aimedAdjective(t, m) || containsAny(window(t, m.start, 3), aimMarkers) {
		return true
	}
	for i := max(0, m.start-2); i < m.start; i++ {
		if t.Tokens[i].Clause == t.Tokens[m.start].Clause && secondPerson[t.Tokens[i].Key()] {
			return true
		}
	}
	others := 0
	for i, tok := range t.Tokens {
		if tok.Clause == t.Tokens[m.start].Clause && (i < m.start || i >= m.end) {
			switch tok.Key() {
			case "des", "les", "the", "you", "a", "an":
			default:
				others++
			}
		}
	}
	return others == 0
}
