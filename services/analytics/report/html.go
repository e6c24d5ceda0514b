package report

import (
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"
	"time"

	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/locale"
)

// reportText holds the report's words in each locale.
var reportText = map[string]map[string]string{
	"en": {
		"title": "Weekly report", "week": "Week", "kpis": "Key figures", "previous": "previous week",
		"volume": "Interactions", "engagements": "Engagements", "engagement_rate": "Engagement rate",
		"response_rate": "Response rate", "median": "Median first response", "p90": "90th percentile first response",
		"breaches": "SLA breaches", "dm_replies": "DM replies", "net": "Net sentiment", "followers": "Followers",
		"new_followers": "New followers", "daily": "Day by day", "day": "Day", "positive": "Positive",
		"neutral": "Neutral", "negative": "Negative", "sov": "Share of voice", "mentions": "Mentions", "share": "Share",
		"growth": "Community", "account": "Account", "start": "Start", "end": "End", "change": "Change",
		"best": "When the audience engages", "notable": "Notable interactions", "priority": "Priority",
		"none": "No data for this week.", "formula": "Engagement rate = engagements ÷ followers at the end of the week × 100. " +
			"Engagements: public comments, replies, mentions and reviews, spam excluded. Response: a reply sent by the brand.",
		"days": ",Mon,Tue,Wed,Thu,Fri,Sat,Sun", "page": "page",
	},
	"fr": {
		"title": "Rapport hebdomadaire", "week": "Semaine", "kpis": "Chiffres clés", "previous": "semaine précédente",
		"volume": "Interactions", "engagements": "Engagements", "engagement_rate": "Taux d'engagement",
		"response_rate": "Taux de réponse", "median": "Première réponse (médiane)", "p90": "Première réponse (90e centile)",
		"breaches": "Délais (SLA) dépassés", "dm_replies": "Réponses en message privé", "net": "Sentiment net",
		"followers": "Abonnés", "new_followers": "Nouveaux abonnés", "daily": "Jour par jour", "day": "Jour",
		"positive": "Positifs", "neutral": "Neutres", "negative": "Négatifs", "sov": "Part de voix", "mentions": "Mentions",
		"share": "Part", "growth": "Communauté", "account": "Compte", "start": "Début", "end": "Fin", "change": "Évolution",
		"best": "Quand l'audience réagit", "notable": "Interactions marquantes", "priority": "Priorité",
		"none": "Aucune donnée cette semaine.", "formula": "Taux d'engagement = engagements ÷ abonnés en fin de semaine × 100. " +
			"Engagements : commentaires, réponses, mentions et avis publics, hors spam. Réponse : un message envoyé par la marque.",
		"days": ",lun.,mar.,mer.,jeu.,ven.,sam.,dim.", "page": "page",
	},
}

// numbers formats figures for one locale: "1 234,5" and "23/11/2026" in
// French, "1,234.5" and "2026-11-23" in English.
type numbers struct{ fr bool }

func (n numbers) int(v int64) string {
	sep := ","
	if n.fr {
		sep = locale.FrenchGroupSeparator
	}
	return locale.GroupDigits(strconv.FormatInt(v, 10), sep)
}

func (n numbers) dec(v float64, places int) string {
	s := strconv.FormatFloat(math.Abs(v), 'f', places, 64)
	whole, frac, _ := strings.Cut(s, ".")
	w, _ := strconv.ParseInt(whole, 10, 64)
	out := n.int(w)
	if frac != "" {
		if n.fr {
			out += "," + frac
		} else {
			out += "." + frac
		}
	}
	if v < 0 && strings.Trim(s, "0.") != "" {
		out = "-" + out
	}
	return out
}

func (n numbers) pct(v *float64) string {
	if v == nil {
		return "—"
	}
	if n.fr {
		return n.dec(*v, 1) + "\u00a0%"
	}
	return n.dec(*v, 1) + "%"
}

func (n numbers) duration(sec *int64) string {
	if sec == nil {
		return "—"
	}
	d := time.Duration(*sec) * time.Second
	h, m := int(d.Hours()), int(d.Minutes())%60
	if h == 0 {
		return fmt.Sprintf("%d\u00a0min", m)
	}
	return fmt.Sprintf("%d\u00a0h\u00a0%02d", h, m)
}

func (n numbers) day(iso string) string {
	if p := strings.Split(iso, "-"); n.fr && len(p) == 3 {
		return p[2] + "/" + p[1] + "/" + p[0]
	}
	return iso
}

// delta renders the change from prev to cur, with a sign.
func (n numbers) delta(cur, prev float64, places int) string {
	d := cur - prev
	switch {
	case d > 0:
		return "+" + n.dec(d, places)
	case d < 0:
		return n.dec(d, places)
	}
	return "="
}

type reportCard struct{ Label, Value, Delta string }

type reportDay struct {
	Day                   string
	Volume, Pos, Neu, Neg string
	Bar                   int
}

type reportRow struct{ Cells []string }

type reportNote struct{ When, Network, Author, Text, Priority string }

type reportPage struct {
	T                         map[string]string
	Lang, Brand, Week, Period string
	Cards                     []reportCard
	Days                      []reportDay
	Best                      []string
	Voices, Accounts          []reportRow
	Notable                   []reportNote
	Empty                     bool
}

// reportView turns a report's figures into the page's strings.
func reportView(r query.WeeklyReport, loc *time.Location) reportPage {
	t := reportText[r.Locale]
	n := numbers{fr: r.Locale == "fr"}
	k, p := r.KPIs, r.Previous
	// Figures that may be missing compare only when both weeks have them.
	dp := func(cur, prev *float64) string {
		if cur == nil || prev == nil {
			return "—"
		}
		return n.delta(*cur, *prev, 1)
	}
	dd := func(cur, prev *int64) string {
		if cur == nil || prev == nil {
			return "—"
		}
		if d := n.delta(float64(*cur)/60, float64(*prev)/60, 0); d != "=" {
			return d + "\u00a0min"
		}
		return "="
	}
	last := r.To.In(loc).AddDate(0, 0, -1)
	page := reportPage{T: t, Lang: r.Locale, Brand: r.Brand, Week: r.Week,
		Period: n.day(r.From.In(loc).Format(time.DateOnly)) + " – " + n.day(last.Format(time.DateOnly)),
		Empty:  k.Volume.Total == 0}
	page.Cards = []reportCard{
		{t["volume"], n.int(int64(k.Volume.Total)), n.delta(float64(k.Volume.Total), float64(p.Volume.Total), 0)},
		{t["engagements"], n.int(int64(k.Engagement.Engagements)), n.delta(float64(k.Engagement.Engagements), float64(p.Engagement.Engagements), 0)},
		{t["engagement_rate"], n.pct(k.Engagement.Rate), dp(k.Engagement.Rate, p.Engagement.Rate)},
		{t["response_rate"], n.pct(k.Response.Rate), dp(k.Response.Rate, p.Response.Rate)},
		{t["median"], n.duration(k.Response.MedianSeconds), dd(k.Response.MedianSeconds, p.Response.MedianSeconds)},
		{t["p90"], n.duration(k.Response.P90Seconds), dd(k.Response.P90Seconds, p.Response.P90Seconds)},
		{t["breaches"], n.int(int64(k.Response.SLABreaches)), n.delta(float64(k.Response.SLABreaches), float64(p.Response.SLABreaches), 0)},
		{t["dm_replies"], n.int(int64(k.Response.DMReplies)), n.delta(float64(k.Response.DMReplies), float64(p.Response.DMReplies), 0)},
		{t["net"], n.pct(k.Sentiment.NetScore), dp(k.Sentiment.NetScore, p.Sentiment.NetScore)},
		{t["followers"], n.int(k.Community.End), n.delta(float64(k.Community.End), float64(p.Community.End), 0)},
		{t["new_followers"], n.int(int64(k.Community.NewFollowers)), n.delta(float64(k.Community.NewFollowers), float64(p.Community.NewFollowers), 0)},
	}
	sentiments := map[string]query.SentimentDay{}
	for _, d := range k.Sentiment.ByDay {
		sentiments[d.Day] = d
	}
	var peak uint64
	for _, d := range k.Volume.ByDay {
		peak = max(peak, d.Count)
	}
	for _, d := range k.Volume.ByDay {
		s := sentiments[d.Day]
		page.Days = append(page.Days, reportDay{Day: n.day(d.Day), Volume: n.int(int64(d.Count)),
			Pos: n.int(int64(s.Positive)), Neu: n.int(int64(s.Neutral)), Neg: n.int(int64(s.Negative)), Bar: int(d.Count * 100 / max(peak, 1))})
	}
	days := strings.Split(t["days"], ",")
	for _, s := range k.BestTimes.Top {
		page.Best = append(page.Best, fmt.Sprintf("%s %02dh (%s)", days[s.Weekday], s.Hour, n.int(int64(s.Engagements))))
	}
	for _, v := range k.ShareOfVoice {
		page.Voices = append(page.Voices, reportRow{[]string{v.Name, n.int(int64(v.Mentions)), n.pct(v.Share)}})
	}
	for _, a := range k.Community.Accounts {
		page.Accounts = append(page.Accounts, reportRow{[]string{a.Network + " " + a.Account, n.int(a.Start), n.int(a.End),
			n.delta(float64(a.End), float64(a.Start), 0) + " (" + n.pct(a.Rate) + ")"}})
	}
	for _, it := range r.Notable {
		text := it.Text
		if rs := []rune(text); len(rs) > 280 {
			text = string(rs[:280]) + "…"
		}
		when := it.CreatedAt.In(loc)
		stamp := n.day(when.Format(time.DateOnly)) + " " + when.Format("15:04")
		page.Notable = append(page.Notable, reportNote{When: stamp, Network: it.Network, Author: it.AuthorHandle,
			Text: text, Priority: strconv.Itoa(it.Priority)})
	}
	return page
}

var reportTemplate = template.Must(template.New("weekly").Parse(`<!DOCTYPE html>
<html lang="{{.Lang}}"><head><meta charset="utf-8">
<title>{{.T.title}} — {{.Brand}} — {{.Week}}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem;color:#222;max-width:60rem}
h1{margin-bottom:0}.period{color:#666;margin-top:.2rem}
.cards{display:flex;flex-wrap:wrap;gap:.8rem}.card{border:1px solid #ddd;border-radius:6px;padding:.6rem .9rem;min-width:11rem}
.card .v{font-size:1.5rem;font-weight:600}.card .d{color:#666;font-size:.85rem}
table{border-collapse:collapse;margin:.5rem 0}td,th{border-bottom:1px solid #eee;padding:.3rem .6rem;text-align:left}
td.n{text-align:right}.bar{background:#f2b705;height:.7rem}.note{color:#666;font-size:.85rem}
</style></head><body>
<h1>{{.T.title}} — {{.Brand}}</h1>
<p class="period">{{.T.week}} {{.Week}} · {{.Period}}</p>
{{if .Empty}}<p>{{.T.none}}</p>{{end}}
<h2>{{.T.kpis}}</h2>
<div class="cards">{{range .Cards}}<div class="card"><div>{{.Label}}</div><div class="v">{{.Value}}</div><div class="d">{{.Delta}} · {{$.T.previous}}</div></div>{{end}}</div>
{{if .Days}}<h2>{{.T.daily}}</h2>
<table><tr><th>{{.T.day}}</th><th>{{.T.volume}}</th><th></th><th>{{.T.positive}}</th><th>{{.T.neutral}}</th><th>{{.T.negative}}</th></tr>
{{range .Days}}<tr><td>{{.Day}}</td><td class="n">{{.Volume}}</td><td style="width:12rem"><div class="bar" style="width:{{.Bar}}%"></div></td><td class="n">{{.Pos}}</td><td class="n">{{.Neu}}</td><td class="n">{{.Neg}}</td></tr>
{{end}}</table>{{end}}
{{if .Best}}<h2>{{.T.best}}</h2><p>{{range $i, $b := .Best}}{{if $i}} · {{end}}{{$b}}{{end}}</p>{{end}}
{{if .Voices}}<h2>{{.T.sov}}</h2><table><tr><th></th><th>{{.T.mentions}}</th><th>{{.T.share}}</th></tr>
{{range .Voices}}<tr>{{range $i, $c := .Cells}}<td{{if $i}} class="n"{{end}}>{{$c}}</td>{{end}}</tr>
{{end}}</table>{{end}}
{{if .Accounts}}<h2>{{.T.growth}}</h2><table><tr><th>{{.T.account}}</th><th>{{.T.start}}</th><th>{{.T.end}}</th><th>{{.T.change}}</th></tr>
{{range .Accounts}}<tr>{{range $i, $c := .Cells}}<td{{if $i}} class="n"{{end}}>{{$c}}</td>{{end}}</tr>
{{end}}</table>{{end}}
{{if .Notable}}<h2>{{.T.notable}}</h2><table><tr><th></th><th></th><th></th><th>{{.T.priority}}</th></tr>
{{range .Notable}}<tr><td>{{.When}}</td><td>{{.Network}} {{.Author}}</td><td>{{.Text}}</td><td class="n">{{.Priority}}</td></tr>
{{end}}</table>{{end}}
<p class="note">{{.T.formula}}</p>
</body></html>
`))
