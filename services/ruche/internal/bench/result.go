package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
)

// Result is one measured figure, beside the limit it is compared with. The
// JSON list written to BENCH_OUT is made of these.
type Result struct {
	Name  string  `json:"name"`
	Value float64 `json:"value"`
	Unit  string  `json:"unit"`
	// LimitName and LimitValue name the raw limit of the same run the
	// figure is compared with; Ratio is Value ÷ LimitValue.
	LimitName  string  `json:"limit_name"`
	LimitValue float64 `json:"limit_value"`
	Ratio      float64 `json:"ratio"`
	// Target is the target for this figure, e.g. "<= 50 ms" or
	// "ratio >= 0.50"; Status is PASS or MISS against it.
	Target string `json:"target,omitempty"`
	Status string `json:"status,omitempty"`
	// Note says how the figure was measured, when the name does not.
	Note string `json:"note,omitempty"`
}

// Results is the ordered list of a run's figures.
type Results struct {
	list []Result
}

// Add appends a plain figure.
func (rs *Results) Add(name string, value float64, unit, note string) *Result {
	rs.list = append(rs.list, Result{Name: name, Value: clean(value), Unit: unit, Note: note})
	return &rs.list[len(rs.list)-1]
}

// Get returns the figure named name, or nil.
func (rs *Results) Get(name string) *Result {
	for i := range rs.list {
		if rs.list[i].Name == name {
			return &rs.list[i]
		}
	}
	return nil
}

// Value is the value of the figure named name, or 0.
func (rs *Results) Value(name string) float64 {
	if r := rs.Get(name); r != nil {
		return r.Value
	}
	return 0
}

// List returns the figures in order.
func (rs *Results) List() []Result { return rs.list }

// Against sets r's limit to the figure named limit, and its ratio.
func (r *Result) Against(rs *Results, limit string) *Result {
	l := rs.Get(limit)
	if l == nil {
		return r
	}
	r.LimitName, r.LimitValue = l.Name, l.Value
	if l.Value != 0 {
		r.Ratio = clean(r.Value / l.Value)
	}
	return r
}

// AtMost sets an upper-bound target on r's value.
func (r *Result) AtMost(limit float64) *Result {
	r.Target = fmt.Sprintf("<= %s %s", num(limit), r.Unit)
	r.Status = status(r.Value <= limit)
	return r
}

// RatioAtLeast sets a lower-bound target on r's ratio.
func (r *Result) RatioAtLeast(min float64) *Result {
	r.Target = fmt.Sprintf("ratio >= %.2f", min)
	r.Status = status(r.LimitValue > 0 && r.Ratio >= min)
	return r
}

// Exactly sets an equality target on r's value.
func (r *Result) Exactly(want float64) *Result {
	r.Target = "= " + num(want)
	r.Status = status(r.Value == want)
	return r
}

// Reference records the reference figure for a raw limit.
func (r *Result) Reference(text string) *Result {
	r.Target = "ref " + text
	return r
}

func status(ok bool) string {
	if ok {
		return "PASS"
	}
	return "MISS"
}

func clean(v float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	return v
}

// num prints a figure with a precision that suits its size.
func num(v float64) string {
	a := math.Abs(v)
	switch {
	case v == math.Trunc(v) && a < 1e15:
		return fmt.Sprintf("%.0f", v)
	case a >= 100:
		return fmt.Sprintf("%.0f", v)
	case a >= 10:
		return fmt.Sprintf("%.1f", v)
	case a >= 1:
		return fmt.Sprintf("%.2f", v)
	}
	return fmt.Sprintf("%.3f", v)
}

// WriteTable prints the figures as an aligned table.
func (rs *Results) WriteTable(w io.Writer) {
	head := []string{"name", "value", "unit", "limit", "limit value", "ratio", "target", ""}
	rows := [][]string{head}
	for _, r := range rs.list {
		row := []string{r.Name, num(r.Value), r.Unit, r.LimitName, "", "", r.Target, r.Status}
		if r.LimitName != "" {
			row[4], row[5] = num(r.LimitValue), fmt.Sprintf("%.3f", r.Ratio)
		}
		rows = append(rows, row)
	}
	width := make([]int, len(head))
	for _, row := range rows {
		for i, c := range row {
			width[i] = max(width[i], len([]rune(c)))
		}
	}
	for i, row := range rows {
		var b strings.Builder
		for j, c := range row {
			pad := width[j] - len([]rune(c))
			if j == 1 || j == 4 || j == 5 { // numbers right-aligned
				b.WriteString(strings.Repeat(" ", pad) + c)
			} else {
				b.WriteString(c + strings.Repeat(" ", pad))
			}
			b.WriteString("  ")
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
		if i == 0 {
			fmt.Fprintln(w, strings.Repeat("-", len(strings.TrimRight(b.String(), " "))))
		}
	}
}

// WriteJSON writes the list of figures to path, creating its directory.
func (rs *Results) WriteJSON(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(rs.list, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
