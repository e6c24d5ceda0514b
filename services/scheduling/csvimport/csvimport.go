// Package csvimport reads a month of posts from a CSV file as a team
// prepares it in a spreadsheet: French Excel's conventions (';' separator,
// UTF-8 with a BOM or Windows-1252, dates dd/mm/yyyy, times HH:MM or 14h30,
// Excel date serials with a decimal comma) and ','-separated English files,
// with a header in English or French. Parse checks every row and lists every
// problem (row, column, message in French and English) before anything is
// created: the caller creates the posts only when there is none, all of
// them or nothing. No I/O beyond reading the file.
package csvimport

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"

	"github.com/ruche-project/ruche/services/scheduling/walltime"
)

// Limits of one import.
const (
	// MaxBytes bounds the file: a month of posts is a few hundred rows, and
	// the file travels in one NATS message (1 MiB by default) as base64.
	MaxBytes = 512 << 10
	// MaxRows bounds the post rows of one file.
	MaxRows = 1000
	// MaxText bounds a text or first comment, in bytes; each network's own
	// limit is the Options.Check's to apply.
	MaxText = 10_000
	// MaxDaysAhead bounds how far ahead a post may be planned.
	MaxDaysAhead = 400
)

// ErrTooLarge is returned for a file over MaxBytes.
var ErrTooLarge = fmt.Errorf("the file is larger than %d bytes", MaxBytes)

// Options are what Parse checks rows against.
type Options struct {
	// Zone is the brand's IANA zone, for rows without a zone column.
	Zone string
	// Networks are the networks a post may go to; empty accepts any
	// network name.
	Networks []string
	// Now is the clock: a post must be after it.
	Now time.Time
	// Check adds the problems the service knows of (each network's text
	// length, media count, alt text), for a row otherwise well formed.
	Check func(Row) []CellProblem
}

// Media is one attachment reference and its alt text.
type Media struct {
	Ref string `json:"ref"`
	Alt string `json:"alt,omitempty"`
}

// Row is one post of the file.
type Row struct {
	// Number is the row as a spreadsheet numbers it (the header is 1).
	Number int `json:"row"`
	// Wall and Zone are the post's time as written; At is the instant by
	// walltime's rule.
	Wall         string    `json:"wall"`
	Zone         string    `json:"zone"`
	At           time.Time `json:"at"`
	Networks     []string  `json:"networks"`
	Account      string    `json:"account,omitempty"`
	Text         string    `json:"text"`
	Link         string    `json:"link,omitempty"`
	Media        []Media   `json:"media,omitempty"`
	FirstComment string    `json:"first_comment,omitempty"`
	Campaign     string    `json:"campaign,omitempty"`
	Labels       []string  `json:"labels,omitempty"`
	Evergreen    bool      `json:"evergreen,omitempty"`
}

// CellProblem is a problem a check found in one column of a row.
type CellProblem struct {
	Field   Field
	Message Message
}

// Problem is one thing to fix before the import may run; a note is the
// same shape and only informs (a time moved by a DST change).
type Problem struct {
	// Row as a spreadsheet numbers it: 1 is the header, 0 the whole file.
	Row int `json:"row"`
	// Column is the header as written in the file; Field the column it
	// was read as.
	Column  string  `json:"column,omitempty"`
	Field   Field   `json:"field,omitempty"`
	Message Message `json:"message"`
}

// Result is what a file holds: its rows when every one is well formed,
// and every problem otherwise.
type Result struct {
	// ID identifies the file's content: importing the same file twice
	// makes the same posts (RowID).
	ID        string    `json:"id"`
	Separator string    `json:"separator"`
	Encoding  string    `json:"encoding"`
	Rows      []Row     `json:"rows"`
	Problems  []Problem `json:"problems"`
	Notes     []Problem `json:"notes"`
}

// OK reports whether the import may run: no problem in any row.
func (r Result) OK() bool { return len(r.Problems) == 0 }

// RowID is the id of the post a row makes, stable for the same file: a
// retried import finds the posts it already created.
func (r Result) RowID(row Row) string { return fmt.Sprintf("imp-%s-%d", r.ID, row.Number) }

// Parse reads a CSV file and checks every row. It returns an error only
// when the file cannot be read (or is over MaxBytes); everything wrong
// inside it is a Problem.
func Parse(r io.Reader, opts Options) (Result, error) {
	raw, err := io.ReadAll(io.LimitReader(r, MaxBytes+1))
	if err != nil {
		return Result{}, fmt.Errorf("read the file: %w", err)
	}
	if len(raw) > MaxBytes {
		return Result{}, ErrTooLarge
	}
	sum := sha256.Sum256(raw)
	res := Result{ID: hex.EncodeToString(sum[:6]), Encoding: "utf-8", Rows: []Row{}, Problems: []Problem{}, Notes: []Problem{}}
	text, bom := bytes.CutPrefix(raw, []byte("\xef\xbb\xbf"))
	if !bom && !utf8.Valid(text) {
		// Excel's "CSV (séparateur: point-virgule)" writes the Windows code page.
		if text, err = charmap.Windows1252.NewDecoder().Bytes(text); err != nil {
			return Result{}, fmt.Errorf("decode the file as windows-1252: %w", err)
		}
		res.Encoding = "windows-1252"
		res.Notes = append(res.Notes, Problem{Message: msgWindows1252})
	}
	if len(bytes.TrimSpace(text)) == 0 {
		res.Problems = append(res.Problems, Problem{Message: msgEmptyFile})
		return res, nil
	}
	loc, zerr := walltime.LoadZone(opts.Zone)
	if zerr != nil {
		return Result{}, fmt.Errorf("the brand's zone: %w", zerr)
	}
	sep := separator(text)
	res.Separator = string(sep)
	p := parser{opts: opts, loc: loc, res: &res, seen: map[string]int{}}
	p.read(text, sep)
	return res, nil
}

// separator is ';' or ',': the one that makes more of the first line's
// cells known headers; ';' (French Excel) when they tie.
func separator(text []byte) rune {
	line, _, _ := bytes.Cut(text, []byte("\n"))
	known := func(sep rune) int {
		n := 0
		for _, cell := range splitHeader(string(line), sep) {
			if _, ok := headers[headerKey(cell)]; ok {
				n++
			}
		}
		return n
	}
	if known(',') > known(';') {
		return ','
	}
	return ';'
}

func splitHeader(line string, sep rune) []string {
	r := csv.NewReader(strings.NewReader(line))
	r.Comma, r.FieldsPerRecord, r.LazyQuotes = sep, -1, true
	cells, err := r.Read()
	if err != nil {
		return nil
	}
	return cells
}

// parser checks the rows of one file.
type parser struct {
	opts Options
	loc  *time.Location
	res  *Result
	// columns maps each cell index to its field ("" for an unknown one);
	// names keeps the header as written.
	columns []Field
	names   []string
	index   map[Field]int
	// seen maps a row's identity (instant, networks, text) to its row.
	seen map[string]int
}

func (p *parser) problem(row int, f Field, m Message) {
	p.res.Problems = append(p.res.Problems, Problem{Row: row, Column: p.column(f), Field: f, Message: m})
}

// column is f's header as written in the file.
func (p *parser) column(f Field) string {
	if i, ok := p.index[f]; ok {
		return p.names[i]
	}
	return string(f)
}

func (p *parser) read(text []byte, sep rune) {
	r := csv.NewReader(bytes.NewReader(text))
	r.Comma, r.FieldsPerRecord, r.ReuseRecord = sep, -1, false
	header, err := r.Read()
	if err != nil {
		p.problem(1, "", msgCSV(csvError(err)))
		return
	}
	if !p.header(header) {
		return
	}
	rows := 0
	for number := 2; ; number++ {
		cells, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			// A broken quote leaves the rest of the file unreadable.
			p.problem(number, "", msgCSV(csvError(err)))
			return
		}
		if blank(cells) {
			continue
		}
		if rows++; rows > MaxRows {
			p.problem(0, "", msgTooManyRows(MaxRows))
			return
		}
		p.row(number, cells)
	}
	if rows == 0 {
		p.problem(0, "", msgNoRows)
	}
}

func csvError(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Sprintf("%v (line %d)", pe.Err, pe.Line)
	}
	return err.Error()
}

// header reads the first row; false when the rows cannot be read.
func (p *parser) header(cells []string) bool {
	p.index = map[Field]int{}
	ok := true
	for i, c := range cells {
		name := strings.TrimSpace(c)
		p.names = append(p.names, name)
		f, known := headers[headerKey(name)]
		switch {
		case name == "":
			// Excel's trailing empty columns.
		case !known:
			p.res.Problems = append(p.res.Problems, Problem{Row: 1, Column: name, Message: msgUnknownColumn(name)})
			ok = false
		case p.has(f):
			p.res.Problems = append(p.res.Problems, Problem{Row: 1, Column: name, Field: f, Message: msgDuplicateCol(name)})
			ok = false
		default:
			p.index[f] = i
		}
		p.columns = append(p.columns, f)
	}
	for _, f := range required {
		if !p.has(f) {
			p.problem(1, f, msgMissingColumn)
			ok = false
		}
	}
	return ok
}

func (p *parser) has(f Field) bool { _, ok := p.index[f]; return ok }

func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// ErrProblems is returned by Commit for a file with problems.
var ErrProblems = errors.New("the file has problems: nothing was created")

// Commit creates every row's post with create, in file order, only when no
// row has a problem: nothing is created otherwise. create must be
// idempotent on RowID, so a commit retried after a failure finishes the
// file without doubling a post.
func (r Result) Commit(create func(id string, row Row) error) error {
	if !r.OK() {
		return ErrProblems
	}
	for _, row := range r.Rows {
		if err := create(r.RowID(row), row); err != nil {
			return fmt.Errorf("row %d: %w", row.Number, err)
		}
	}
	return nil
}
