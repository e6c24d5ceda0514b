package report

import (
	"bytes"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/signintech/gopdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goitalic"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/unicode/norm"

	query "github.com/ruche-project/ruche/events/query/v1"
)

// The PDF embeds the Go fonts (golang.org/x/image/font/gofont, BSD
// licence: the binary carries them, nothing is read at run time), subset to
// the characters used. Text keeps to Windows-1252's repertoire, as the
// report always did: every French and English letter, the euro sign,
// typographic quotes and dashes, the no-break space; other text (an emoji
// in an interaction, a Polish name) is folded by pdfText.

// A4 portrait, in millimetres.
const (
	pdfMargin = 15.0
	pdfWidth  = 210.0 - 2*pdfMargin
	pdfBottom = 297.0 - 18.0 // where content stops: the footer is below
)

// pdfColors of the report, as in the HTML page.
var (
	pdfInk    = [3]uint8{34, 34, 34}
	pdfMuted  = [3]uint8{102, 102, 102}
	pdfRule   = [3]uint8{221, 221, 221}
	pdfLight  = [3]uint8{238, 238, 238}
	pdfAccent = [3]uint8{242, 183, 5}
)

// pdfFonts are the font families by style ("", "B", "I"), in the order
// they are added (the document is the same at every run).
var pdfFonts = []struct {
	style string
	ttf   []byte
}{{"", goregular.TTF}, {"B", gobold.TTF}, {"I", goitalic.TTF}}

// renderPDF renders the report's page as an A4 PDF document. created is
// stamped as its creation date. The footer names the page count, known
// once every page is laid out: the footers are drawn last.
func renderPDF(r query.WeeklyReport, loc *time.Location, created time.Time) ([]byte, error) {
	page := reportView(r, loc)
	t := page.T
	f := &gopdf.GoPdf{}
	f.Start(gopdf.Config{PageSize: *gopdf.PageSizeA4, Unit: gopdf.UnitMM})
	f.SetInfo(gopdf.PdfInfo{Title: t["title"] + " — " + page.Brand + " — " + page.Week, Subject: t["week"] + " " + page.Week + " · " + page.Period,
		Author: "Ruche", Creator: "Ruche analytics", Producer: "Ruche analytics", CreationDate: created.UTC()})
	for _, font := range pdfFonts {
		if err := f.AddTTFFontData("go"+font.style, font.ttf); err != nil {
			return nil, fmt.Errorf("render weekly report PDF: font: %w", err)
		}
	}
	d := &pdfDoc{f: f}
	d.newPage()

	d.font("B", 18, pdfInk)
	d.multi(0, 8, t["title"]+" — "+page.Brand)
	d.font("", 10, pdfMuted)
	d.line(0, 6, t["week"]+" "+page.Week+" · "+page.Period)
	if page.Empty {
		d.y += 2
		d.font("", 10, pdfInk)
		d.line(0, 6, t["none"])
	}

	d.heading(t["kpis"], 24)
	d.cards(page.Cards, t["previous"])

	if len(page.Days) > 0 {
		d.heading(t["daily"], 7*6+7)
		cols := []pdfCol{{t["day"], 28, "L"}, {t["volume"], 26, "R"}, {"", 52, "L"}, {t["positive"], 24, "R"}, {t["neutral"], 24, "R"}, {t["negative"], 26, "R"}}
		d.header(cols)
		for _, day := range page.Days {
			d.ensure(6)
			y := d.y
			d.row(cols, []string{day.Day, day.Volume, "", day.Pos, day.Neu, day.Neg})
			// The bar, in the third column's box.
			x := pdfMargin + cols[0].w + cols[1].w + 3
			if w := float64(day.Bar) / 100 * (cols[2].w - 6); w > 0 {
				d.fill(pdfAccent)
				f.RectFromUpperLeftWithStyle(x, y+1.8, w, 2.4, "F")
			}
		}
	}

	if len(page.Best) > 0 {
		d.heading(t["best"], 14)
		d.font("", 10, pdfInk)
		d.multi(0, 5.5, strings.Join(page.Best, " · "))
	}

	d.table(t["sov"], []pdfCol{{"", 100, "L"}, {t["mentions"], 40, "R"}, {t["share"], 40, "R"}}, page.Voices)
	d.table(t["growth"], []pdfCol{{t["account"], 72, "L"}, {t["start"], 30, "R"}, {t["end"], 30, "R"}, {t["change"], 48, "R"}}, page.Accounts)

	if len(page.Notable) > 0 {
		d.heading(t["notable"], 22)
		for i, n := range page.Notable {
			d.ensure(16)
			if i > 0 {
				d.stroke(pdfLight)
				f.Line(pdfMargin, d.y, pdfMargin+pdfWidth, d.y)
				d.y += 1.5
			}
			d.font("B", 9, pdfMuted)
			meta := n.When + " · " + strings.TrimSpace(n.Network+" "+n.Author)
			d.cell(pdfMargin, d.y, pdfWidth-40, 5, d.fit(meta, pdfWidth-40), "L")
			d.cell(pdfMargin+pdfWidth-40, d.y, 40, 5, d.text(t["priority"]+" "+n.Priority), "R")
			d.y += 5
			d.font("", 10, pdfInk)
			d.multi(0, 5, n.Text)
			d.y += 1.5
		}
	}

	d.y += 4
	d.ensure(12)
	d.font("I", 8, pdfMuted)
	d.multi(0, 4, t["formula"])

	pages := f.GetNumberOfPages()
	for n := 1; n <= pages; n++ {
		if err := f.SetPage(n); err != nil {
			return nil, fmt.Errorf("render weekly report PDF: %w", err)
		}
		d.font("", 8, pdfMuted)
		d.cell(pdfMargin, 297-12, pdfWidth, 5, d.text(fmt.Sprintf("Ruche · %s · %s · %s %d/%d", page.Brand, page.Week, t["page"], n, pages)), "C")
	}
	if d.err != nil {
		return nil, fmt.Errorf("render weekly report PDF: %w", d.err)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, fmt.Errorf("render weekly report PDF: %w", err)
	}
	return buf.Bytes(), nil
}

// pdfDoc holds the document being written, where the next line goes (y,
// millimetres from the top) and the first drawing error.
type pdfDoc struct {
	f   *gopdf.GoPdf
	y   float64
	err error
}

// pdfCol is a table column: its title, width (mm) and alignment.
type pdfCol struct {
	title string
	w     float64
	align string
}

func (d *pdfDoc) fill(c [3]uint8)   { d.f.SetFillColor(c[0], c[1], c[2]) }
func (d *pdfDoc) stroke(c [3]uint8) { d.f.SetStrokeColor(c[0], c[1], c[2]) }

// text is s folded to Windows-1252's repertoire (pdfText), as UTF-8.
func (d *pdfDoc) text(s string) string { return fromCP1252(pdfText(s)) }

func (d *pdfDoc) font(style string, size float64, c [3]uint8) {
	d.keep(d.f.SetFont("go"+style, "", size))
	d.f.SetTextColor(c[0], c[1], c[2])
}

// keep records the first error of a drawing call.
func (d *pdfDoc) keep(err error) {
	if d.err == nil {
		d.err = err
	}
}

func (d *pdfDoc) newPage() {
	d.f.AddPage()
	d.y = pdfMargin
}

// cell writes text (already encoded) in the box at x, y, w wide and h
// high, aligned "L", "C" or "R", vertically centred.
func (d *pdfDoc) cell(x, y, w, h float64, text, align string) {
	a := gopdf.Left
	switch align {
	case "C":
		a = gopdf.Center
	case "R":
		a = gopdf.Right
	}
	d.f.SetXY(x, y)
	d.keep(d.f.CellWithOption(&gopdf.Rect{W: w, H: h}, text, gopdf.CellOption{Align: a | gopdf.Middle}))
}

// line writes s on one line of height h across w (0: the page's width).
func (d *pdfDoc) line(w, h float64, s string) {
	if w == 0 {
		w = pdfWidth
	}
	d.cell(pdfMargin, d.y, w, h, d.text(s), "L")
	d.y += h
}

// multi writes s wrapped at words to w (0: the page's width), in lines of
// height h, breaking the page where a line does not fit.
func (d *pdfDoc) multi(w, h float64, s string) {
	if w == 0 {
		w = pdfWidth
	}
	for _, para := range strings.Split(d.text(s), "\n") {
		lines, err := d.f.SplitTextWithWordWrap(para, w)
		if err != nil || len(lines) == 0 {
			d.keep(err)
			lines = []string{para}
		}
		for _, l := range lines {
			d.ensure(h)
			d.cell(pdfMargin, d.y, w, h, l, "L")
			d.y += h
		}
	}
}

// table is a titled table of rows, nothing when there are none.
func (d *pdfDoc) table(title string, cols []pdfCol, rows []reportRow) {
	if len(rows) == 0 {
		return
	}
	d.heading(title, 20)
	d.header(cols)
	for _, r := range rows {
		d.ensure(6)
		d.row(cols, r.Cells)
	}
}

// ensure starts a new page unless h millimetres fit on this one.
func (d *pdfDoc) ensure(h float64) {
	if d.y+h > pdfBottom {
		d.newPage()
	}
}

// heading writes a section title, on a new page unless it and the first
// keep millimetres of its section fit on this one.
func (d *pdfDoc) heading(title string, keep float64) {
	d.y += 4
	d.ensure(9 + keep)
	d.font("B", 13, pdfInk)
	d.line(0, 8, title)
	d.y++
}

// cards lays the key figures out three to a row: label, value, and the
// change since the previous week.
func (d *pdfDoc) cards(cards []reportCard, previous string) {
	const perRow, gap, h = 3, 4.0, 21.0
	w := (pdfWidth - gap*(perRow-1)) / perRow
	f := d.f
	for i, c := range cards {
		col := i % perRow
		if col == 0 {
			if i > 0 {
				d.y += h + gap
			}
			d.ensure(h)
		}
		x, y := pdfMargin+float64(col)*(w+gap), d.y
		d.stroke(pdfRule)
		f.SetLineWidth(0.3)
		d.keep(f.Rectangle(x, y, x+w, y+h, "D", 1.5, 6))
		d.font("", 8.5, pdfInk)
		d.cell(x+3, y+2, w-6, 4.5, d.fit(c.Label, w-6), "L")
		d.font("B", 14, pdfInk)
		d.cell(x+3, y+6.5, w-6, 7.5, d.fit(c.Value, w-6), "L")
		d.font("", 8, pdfMuted)
		d.cell(x+3, y+14, w-6, 4.5, d.fit(c.Delta+" · "+previous, w-6), "L")
	}
	if len(cards) > 0 {
		d.y += h
	}
}

// header writes a table's column titles over a rule.
func (d *pdfDoc) header(cols []pdfCol) {
	d.font("B", 9, pdfMuted)
	d.stroke(pdfInk)
	d.cells(cols, func(c pdfCol, _ int) string { return c.title })
}

// row writes one table row, each cell cut to its column, over a light rule.
func (d *pdfDoc) row(cols []pdfCol, cells []string) {
	d.font("", 10, pdfInk)
	d.stroke(pdfLight)
	d.cells(cols, func(_ pdfCol, i int) string {
		if i < len(cells) {
			return cells[i]
		}
		return ""
	})
}

// cells writes one line of a table, each cell cut to its column, with a
// rule under it, and moves down.
func (d *pdfDoc) cells(cols []pdfCol, value func(pdfCol, int) string) {
	x := pdfMargin
	d.f.SetLineWidth(0.2)
	for i, c := range cols {
		if v := value(c, i); v != "" {
			d.cell(x, d.y, c.w, 6, d.fit(v, c.w-2), c.align)
		}
		x += c.w
	}
	d.f.Line(pdfMargin, d.y+6, x, d.y+6)
	d.y += 6
}

// fit encodes s and cuts it with an ellipsis to w millimetres in the
// current font.
func (d *pdfDoc) fit(s string, w float64) string {
	b := []rune(d.text(s))
	width := func(s string) float64 {
		v, err := d.f.MeasureTextWidth(s)
		d.keep(err)
		return v
	}
	if width(string(b)) <= w {
		return string(b)
	}
	const ellipsis = "…"
	for len(b) > 0 && width(string(b)+ellipsis) > w {
		b = b[:len(b)-1]
	}
	return strings.TrimRight(string(b), " ") + ellipsis
}

// fromCP1252 decodes Windows-1252 bytes (pdfText's output) to UTF-8.
func fromCP1252(b string) string {
	s, err := charmap.Windows1252.NewDecoder().String(b)
	if err != nil {
		return b
	}
	return s
}

// cp1252High maps the characters of Windows-1252's 0x80–0x9F range; 0xA0
// to 0xFF are Latin-1's, U+00A0 to U+00FF.
var cp1252High = map[rune]byte{
	'€': 0x80, '‚': 0x82, 'ƒ': 0x83, '„': 0x84, '…': 0x85, '†': 0x86, '‡': 0x87, 'ˆ': 0x88, '‰': 0x89, 'Š': 0x8A,
	'‹': 0x8B, 'Œ': 0x8C, 'Ž': 0x8E, '‘': 0x91, '’': 0x92, '“': 0x93, '”': 0x94, '•': 0x95, '–': 0x96, '—': 0x97,
	'˜': 0x98, '™': 0x99, 'š': 0x9A, '›': 0x9B, 'œ': 0x9C, 'ž': 0x9E, 'Ÿ': 0x9F,
}

// cp1252 returns r's byte in Windows-1252, if it has one (control
// characters have none: they are not text).
func cp1252(r rune) (byte, bool) {
	switch {
	case r == '\n' || r >= 0x20 && r < 0x7F || r >= 0xA0 && r <= 0xFF:
		return byte(r), true
	}
	b, ok := cp1252High[r]
	return b, ok
}

// pdfSubstitutes are characters outside Windows-1252 with a close one in it.
var pdfSubstitutes = map[rune]string{
	'\u202f': "\u00a0", '\u2007': "\u00a0", '\u2009': " ", '\u200a': " ", '\u2002': " ", '\u2003': " ", '\t': " ",
	'\u2010': "-", '\u2011': "-", '\u2012': "–", '\u2015': "—", '\u2212': "-", '\u2032': "'", '\u2033': "\"",
	'\u2190': "<-", '\u2192': "->", '\u2264': "<=", '\u2265': ">=", '\u2260': "!=", '\u00ad': "",
	'\u0141': "L", '\u0142': "l", '\u0110': "D", '\u0111': "d", '\u0131': "i",
}

// pdfText encodes s in Windows-1252 for the standard fonts. A character
// without a code there is replaced by a close one (narrow no-break space by
// no-break space), or by its letter without the accent (ř → r), or left out
// when it is a symbol or a mark (emoji, their modifiers and joiners); any
// other becomes '?'.
func pdfText(s string) string {
	var b strings.Builder
	dropped := false // a symbol was left out: a space after it may go too
	for _, r := range norm.NFC.String(s) {
		if c, ok := cp1252(r); ok {
			if c == ' ' && dropped && strings.HasSuffix(b.String(), " ") {
				continue
			}
			dropped = false
			b.WriteByte(c)
			continue
		}
		if sub, ok := pdfSubstitutes[r]; ok {
			b.WriteString(pdfText(sub))
			continue
		}
		if r == '\r' || unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf, unicode.Cc, unicode.Co, unicode.Cs, unicode.So, unicode.Sk) {
			dropped = dropped || r != '\r'
			continue
		}
		// A letter with marks: keep the letter and as many of its marks as
		// Windows-1252 has a composed character for (ǘ → ü, ř → r).
		if d := []rune(norm.NFD.String(string(r))); len(d) > 1 {
			if c, ok := foldMarks(d); ok {
				b.WriteByte(c)
				continue
			}
		}
		if unicode.IsSpace(r) {
			b.WriteByte(' ')
			continue
		}
		b.WriteByte('?')
	}
	return b.String()
}

// foldMarks composes a decomposed letter with fewer and fewer of its marks
// until Windows-1252 has the result.
func foldMarks(d []rune) (byte, bool) {
	for k := len(d); k >= 1; k-- {
		c := []rune(norm.NFC.String(string(d[:k])))
		if len(c) == 1 {
			if b, ok := cp1252(c[0]); ok {
				return b, true
			}
		}
	}
	return 0, false
}
