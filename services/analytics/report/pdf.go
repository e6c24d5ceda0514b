package report

import (
	"bytes"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/go-pdf/fpdf"
	"golang.org/x/text/unicode/norm"

	query "github.com/ruche-project/ruche/events/query/v1"
)

// The PDF uses the 14 standard fonts every reader has (Helvetica here), so
// the binary carries no font file and reads none at run time. Their
// encoding is Windows-1252: every French and English letter, the euro sign,
// typographic quotes and dashes, the no-break space. Other text (an emoji
// in an interaction, a Polish name) is folded by pdfText.

// A4 portrait, in millimetres.
const (
	pdfMargin = 15.0
	pdfWidth  = 210.0 - 2*pdfMargin
	pdfBottom = 297.0 - 18.0 // where content stops: the footer is below
)

// pdfColors of the report, as in the HTML page.
var (
	pdfInk    = [3]int{34, 34, 34}
	pdfMuted  = [3]int{102, 102, 102}
	pdfRule   = [3]int{221, 221, 221}
	pdfLight  = [3]int{238, 238, 238}
	pdfAccent = [3]int{242, 183, 5}
)

// renderPDF renders the report's page as an A4 PDF document. created is
// stamped as its creation date.
func renderPDF(r query.WeeklyReport, loc *time.Location, created time.Time) ([]byte, error) {
	page := reportView(r, loc)
	t := page.T
	d := &pdfDoc{f: fpdf.New("P", "mm", "A4", "")}
	f := d.f
	f.SetCatalogSort(true)
	f.SetCreationDate(created.UTC())
	f.SetModificationDate(created.UTC())
	f.SetTitle(t["title"]+" — "+page.Brand+" — "+page.Week, true)
	f.SetSubject(t["week"]+" "+page.Week+" · "+page.Period, true)
	f.SetAuthor("Ruche", true)
	f.SetCreator("Ruche analytics", true)
	f.SetLang(page.Lang)
	f.SetMargins(pdfMargin, pdfMargin, pdfMargin)
	f.SetAutoPageBreak(true, 297.0-pdfBottom)
	f.AliasNbPages("{nb}")
	f.SetFooterFunc(func() {
		f.SetY(-12)
		d.font("", 8, pdfMuted)
		f.CellFormat(0, 5, d.text(fmt.Sprintf("Ruche · %s · %s · %s %d/{nb}", page.Brand, page.Week, t["page"], f.PageNo())), "", 0, "C", false, 0, "")
	})
	f.AddPage()

	d.font("B", 18, pdfInk)
	f.MultiCell(0, 8, d.text(t["title"]+" — "+page.Brand), "", "L", false)
	d.font("", 10, pdfMuted)
	f.CellFormat(0, 6, d.text(t["week"]+" "+page.Week+" · "+page.Period), "", 1, "L", false, 0, "")
	if page.Empty {
		f.Ln(2)
		d.font("", 10, pdfInk)
		f.CellFormat(0, 6, d.text(t["none"]), "", 1, "L", false, 0, "")
	}

	d.heading(t["kpis"], 24)
	d.cards(page.Cards, t["previous"])

	if len(page.Days) > 0 {
		d.heading(t["daily"], 7*6+7)
		cols := []pdfCol{{t["day"], 28, "L"}, {t["volume"], 26, "R"}, {"", 52, "L"}, {t["positive"], 24, "R"}, {t["neutral"], 24, "R"}, {t["negative"], 26, "R"}}
		d.header(cols)
		for _, day := range page.Days {
			d.ensure(6)
			y := f.GetY()
			d.row(cols, []string{day.Day, day.Volume, "", day.Pos, day.Neu, day.Neg})
			// The bar, in the third column's box.
			x := pdfMargin + cols[0].w + cols[1].w + 3
			fillColor(f, pdfAccent)
			if w := float64(day.Bar) / 100 * (cols[2].w - 6); w > 0 {
				f.Rect(x, y+1.8, w, 2.4, "F")
			}
		}
	}

	if len(page.Best) > 0 {
		d.heading(t["best"], 14)
		d.font("", 10, pdfInk)
		f.MultiCell(0, 5.5, d.text(strings.Join(page.Best, " · ")), "", "L", false)
	}

	d.table(t["sov"], []pdfCol{{"", 100, "L"}, {t["mentions"], 40, "R"}, {t["share"], 40, "R"}}, page.Voices)
	d.table(t["growth"], []pdfCol{{t["account"], 72, "L"}, {t["start"], 30, "R"}, {t["end"], 30, "R"}, {t["change"], 48, "R"}}, page.Accounts)

	if len(page.Notable) > 0 {
		d.heading(t["notable"], 22)
		for i, n := range page.Notable {
			d.ensure(16)
			if i > 0 {
				drawColor(f, pdfLight)
				f.Line(pdfMargin, f.GetY(), pdfMargin+pdfWidth, f.GetY())
				f.Ln(1.5)
			}
			d.font("B", 9, pdfMuted)
			meta := n.When + " · " + strings.TrimSpace(n.Network+" "+n.Author)
			f.CellFormat(pdfWidth-40, 5, d.fit(meta, pdfWidth-40), "", 0, "L", false, 0, "")
			f.CellFormat(40, 5, d.text(t["priority"]+" "+n.Priority), "", 1, "R", false, 0, "")
			d.font("", 10, pdfInk)
			f.MultiCell(0, 5, d.text(n.Text), "", "L", false)
			f.Ln(1.5)
		}
	}

	f.Ln(4)
	d.ensure(12)
	d.font("I", 8, pdfMuted)
	f.MultiCell(0, 4, d.text(t["formula"]), "", "L", false)

	var buf bytes.Buffer
	if err := f.Output(&buf); err != nil {
		return nil, fmt.Errorf("render weekly report PDF: %w", err)
	}
	return buf.Bytes(), nil
}

// pdfDoc holds the document being written and its helpers.
type pdfDoc struct{ f *fpdf.Fpdf }

// pdfCol is a table column: its title, width (mm) and alignment.
type pdfCol struct {
	title string
	w     float64
	align string
}

func fillColor(f *fpdf.Fpdf, c [3]int) { f.SetFillColor(c[0], c[1], c[2]) }
func drawColor(f *fpdf.Fpdf, c [3]int) { f.SetDrawColor(c[0], c[1], c[2]) }
func (d *pdfDoc) text(s string) string { return pdfText(s) }
func (d *pdfDoc) font(style string, size float64, c [3]int) {
	d.f.SetFont("Helvetica", style, size)
	d.f.SetTextColor(c[0], c[1], c[2])
}

// ensure starts a new page unless h millimetres fit on this one.
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

func (d *pdfDoc) ensure(h float64) {
	if d.f.GetY()+h > pdfBottom {
		d.f.AddPage()
	}
}

// heading writes a section title, on a new page unless it and the first
// keep millimetres of its section fit on this one.
func (d *pdfDoc) heading(title string, keep float64) {
	d.f.Ln(4)
	d.ensure(9 + keep)
	d.font("B", 13, pdfInk)
	d.f.CellFormat(0, 8, d.text(title), "", 1, "L", false, 0, "")
	d.f.Ln(1)
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
				f.SetY(f.GetY() + h + gap)
			}
			d.ensure(h)
		}
		x, y := pdfMargin+float64(col)*(w+gap), f.GetY()
		drawColor(f, pdfRule)
		f.SetLineWidth(0.3)
		f.RoundedRect(x, y, w, h, 1.5, "1234", "D")
		f.SetXY(x+3, y+2)
		d.font("", 8.5, pdfInk)
		f.CellFormat(w-6, 4.5, d.fit(c.Label, w-6), "", 2, "L", false, 0, "")
		d.font("B", 14, pdfInk)
		f.CellFormat(w-6, 7.5, d.fit(c.Value, w-6), "", 2, "L", false, 0, "")
		d.font("", 8, pdfMuted)
		f.CellFormat(w-6, 4.5, d.fit(c.Delta+" · "+previous, w-6), "", 2, "L", false, 0, "")
		f.SetXY(pdfMargin, y)
	}
	if len(cards) > 0 {
		f.SetY(f.GetY() + h)
	}
}

// header writes a table's column titles over a rule.
func (d *pdfDoc) header(cols []pdfCol) {
	d.font("B", 9, pdfMuted)
	for _, c := range cols {
		d.f.CellFormat(c.w, 6, d.fit(c.title, c.w-2), "B", 0, c.align, false, 0, "")
	}
	d.f.Ln(-1)
}

// row writes one table row, each cell cut to its column.
func (d *pdfDoc) row(cols []pdfCol, cells []string) {
	d.font("", 10, pdfInk)
	drawColor(d.f, pdfLight)
	for i, c := range cols {
		v := ""
		if i < len(cells) {
			v = cells[i]
		}
		d.f.CellFormat(c.w, 6, d.fit(v, c.w-2), "B", 0, c.align, false, 0, "")
	}
	d.f.Ln(-1)
}

// fit encodes s and cuts it with an ellipsis to w millimetres in the
// current font.
func (d *pdfDoc) fit(s string, w float64) string {
	b := pdfText(s)
	if d.f.GetStringWidth(b) <= w {
		return b
	}
	const ellipsis = "\x85"
	for len(b) > 0 && d.f.GetStringWidth(b+ellipsis) > w {
		b = b[:len(b)-1]
	}
	return strings.TrimRight(b, " ") + ellipsis
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
