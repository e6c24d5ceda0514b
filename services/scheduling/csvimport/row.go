package csvimport

import (
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/ruche-project/ruche/services/scheduling/walltime"
)

// networkName is what a network's name may hold (publishing's connector
// names: sandbox, mastodon, bluesky, meta, x...).
var networkName = regexp.MustCompile(`^[a-z0-9_-]{1,32}$`)

// row checks one post row and keeps it when it has no problem.
func (p *parser) row(number int, cells []string) {
	before := len(p.res.Problems)
	cell := func(f Field) string {
		if i, ok := p.index[f]; ok && i < len(cells) {
			return strings.TrimSpace(cells[i])
		}
		return ""
	}
	if filled := extraCells(cells, len(p.columns)); filled > 0 {
		p.problem(number, "", msgExtraCells(len(p.columns)+filled, len(p.columns)))
	}
	row := Row{Number: number, Zone: p.opts.Zone, Account: cell(FieldAccount), Campaign: cell(FieldCampaign)}

	loc := p.loc
	if z := cell(FieldZone); z != "" {
		l, err := walltime.LoadZone(z)
		if err != nil {
			p.problem(number, FieldZone, msgBadZone(z))
		} else {
			loc, row.Zone = l, z
		}
	}
	wall, ok := p.when(number, cell(FieldDate), cell(FieldTime))
	if ok {
		r := walltime.Resolve(wall, loc)
		row.Wall, row.At = wall.Format(walltime.Layout), r.At
		shown := wall.Format("02/01/2006 15:04")
		switch r.Kind {
		case walltime.Gap:
			p.res.Notes = append(p.res.Notes, Problem{Row: number, Column: p.column(FieldTime), Field: FieldTime,
				Message: msgGap(shown, r.At.In(loc).Format("15:04"))})
		case walltime.Overlap:
			p.res.Notes = append(p.res.Notes, Problem{Row: number, Column: p.column(FieldTime), Field: FieldTime, Message: msgOverlap(shown)})
		}
		switch {
		case !r.At.After(p.opts.Now):
			p.problem(number, FieldDate, msgPast(shown))
		case r.At.Sub(p.opts.Now) > MaxDaysAhead*24*time.Hour:
			p.problem(number, FieldDate, msgTooFar(shown, MaxDaysAhead))
		}
	}

	row.Networks = p.networks(number, cell(FieldNetworks))
	row.Text = p.text(number, FieldText, cell(FieldText), true)
	row.FirstComment = p.text(number, FieldFirstComment, cell(FieldFirstComment), false)
	if link := cell(FieldLink); link != "" {
		if u, err := url.Parse(link); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			p.problem(number, FieldLink, msgBadLink(link))
		} else {
			row.Link = link
		}
	}
	row.Media = p.media(number, cell(FieldMedia), cell(FieldAlt))
	for _, l := range list(cell(FieldLabels)) {
		if len(l) > 64 || strings.ContainsAny(l, "\n\t") {
			p.problem(number, FieldLabels, msgBadLabel(l))
			continue
		}
		row.Labels = append(row.Labels, l)
	}
	if v := cell(FieldEvergreen); v != "" {
		b, ok := yes(v)
		if !ok {
			p.problem(number, FieldEvergreen, msgBadBool(v))
		}
		row.Evergreen = b
	}
	if len(p.res.Problems) > before {
		return
	}
	if p.opts.Check != nil {
		for _, cp := range p.opts.Check(row) {
			p.problem(number, cp.Field, cp.Message)
		}
		if len(p.res.Problems) > before {
			return
		}
	}
	key := row.At.UTC().Format(time.RFC3339) + "\x00" + strings.Join(row.Networks, ",") + "\x00" + row.Account + "\x00" + row.Text
	if first, dup := p.seen[key]; dup {
		p.problem(number, FieldText, msgDuplicateRow(first))
		return
	}
	p.seen[key] = number
	p.res.Rows = append(p.res.Rows, row)
}

// extraCells counts the filled cells past the header's columns.
func extraCells(cells []string, columns int) int {
	n := 0
	for i := columns; i < len(cells); i++ {
		if strings.TrimSpace(cells[i]) != "" {
			n++
		}
	}
	return n
}

// when reads the date and time cells as a wall time; the date cell may
// hold the time too ("07/12/2026 14:30", an Excel serial with a fraction).
func (p *parser) when(number int, date, clock string) (time.Time, bool) {
	if date == "" {
		p.problem(number, FieldDate, msgRequired)
		return time.Time{}, false
	}
	d, inDate, ok := parseDate(date)
	if !ok {
		p.problem(number, FieldDate, msgBadDate(date))
		return time.Time{}, false
	}
	if clock == "" {
		if inDate < 0 {
			p.problem(number, FieldTime, msgRequired)
			return time.Time{}, false
		}
		return d.Add(time.Duration(inDate) * time.Minute), true
	}
	m, secs, ok := parseClock(clock)
	switch {
	case !ok:
		p.problem(number, FieldTime, msgBadTime(clock))
		return time.Time{}, false
	case secs:
		p.problem(number, FieldTime, msgSeconds(clock))
		return time.Time{}, false
	}
	return d.Add(time.Duration(m) * time.Minute), true
}

func (p *parser) networks(number int, v string) []string {
	if v == "" {
		p.problem(number, FieldNetworks, msgRequired)
		return nil
	}
	var out []string
	for _, n := range strings.FieldsFunc(strings.ToLower(v), func(r rune) bool {
		return r == ',' || r == '|' || r == '/' || r == '+' || r == ';' || r == ' ' || r == '\n'
	}) {
		switch {
		case !networkName.MatchString(n):
			p.problem(number, FieldNetworks, msgBadNetwork(n))
		case len(p.opts.Networks) > 0 && !slices.Contains(p.opts.Networks, n):
			p.problem(number, FieldNetworks, msgUnknownNetwork(n, p.opts.Networks))
		case !slices.Contains(out, n):
			out = append(out, n)
		}
	}
	return out
}

// text normalises a text cell's line ends (Excel writes CRLF inside
// quoted cells) and checks its length.
func (p *parser) text(number int, f Field, v string, req bool) string {
	v = strings.ReplaceAll(strings.ReplaceAll(v, "\r\n", "\n"), "\r", "\n")
	switch {
	case v == "" && req:
		p.problem(number, f, msgRequired)
	case len(v) > MaxText:
		p.problem(number, f, msgTooLong(len(v), MaxText))
	}
	return v
}

// media pairs the media references with their alt texts, in order; both
// cells list one per line or separated by '|'.
func (p *parser) media(number int, refs, alts string) []Media {
	split := func(s string) []string {
		var out []string
		for _, x := range strings.FieldsFunc(s, func(r rune) bool { return r == '|' || r == '\n' || r == '\r' }) {
			if x = strings.TrimSpace(x); x != "" {
				out = append(out, x)
			}
		}
		return out
	}
	rs, as := split(refs), split(alts)
	if len(as) > len(rs) {
		p.problem(number, FieldAlt, msgTooManyAlt(len(as), len(rs)))
	}
	var out []Media
	for i, r := range rs {
		m := Media{Ref: r}
		if i < len(as) {
			m.Alt = as[i]
		}
		out = append(out, m)
	}
	return out
}

// list splits a cell of labels on ',' '|' or new lines.
func list(s string) []string {
	var out []string
	for _, x := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '|' || r == '\n' || r == ';' }) {
		if x = strings.TrimSpace(x); x != "" && !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

// yes reads a yes/no cell in French or English (an "x" ticks a box).
func yes(v string) (bool, bool) {
	switch strings.ToLower(v) {
	case "oui", "o", "yes", "y", "vrai", "true", "1", "x":
		return true, true
	case "non", "n", "no", "faux", "false", "0":
		return false, true
	}
	return false, false
}
