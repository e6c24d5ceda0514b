package gateway

import (
	"context"
	"encoding/csv"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ruche-project/ruche/pkg/csvsafe"
	"github.com/ruche-project/ruche/pkg/httpx"
	"github.com/ruche-project/ruche/pkg/locale"
)

// MaxExportRows bounds one CSV export; the last line says when it was cut.
const MaxExportRows = 100_000

// csvFormat renders cells for one locale: spreadsheets in French expect
// "1 234,5" (no-break space between thousands, decimal comma) and
// "23/11/2026 14:05"; other locales get plain machine-readable values
// ("1234.5", "2026-11-23 14:05:00"). Times are in the request's time zone.
type csvFormat struct {
	french bool
	loc    *time.Location
}

// csvFormatOf reads locale (fr, en; default from Accept-Language) and tz.
func csvFormatOf(c echo.Context) (csvFormat, error) {
	f := csvFormat{loc: time.UTC}
	locale := strings.ToLower(c.QueryParam("locale"))
	if locale == "" {
		locale = strings.ToLower(c.Request().Header.Get("Accept-Language"))
	}
	f.french = strings.HasPrefix(locale, "fr")
	if tz := c.QueryParam("tz"); tz != "" {
		loc, err := time.LoadLocation(tz)
		if err != nil {
			return f, httpx.BadRequest("tz", "%q is not an IANA time zone (e.g. Europe/Paris)", tz)
		}
		f.loc = loc
	}
	return f, nil
}

// header picks the French or English column names.
func (f csvFormat) header(fr, en []string) []string {
	if f.french {
		return fr
	}
	return en
}

// cell renders one value. Strings from the networks are untrusted: one
// that a spreadsheet would read as a formula is defused (csvsafe), named
// string types and anything else printed as text too.
func (f csvFormat) cell(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return csvsafe.Cell(x)
	case int:
		return f.integer(int64(x))
	case int64:
		return f.integer(x)
	case uint64:
		if x > math.MaxInt64 {
			return strconv.FormatUint(x, 10)
		}
		return f.integer(int64(x))
	case float64:
		return f.decimal(x)
	case *float64:
		if x == nil {
			return ""
		}
		return f.decimal(*x)
	case *int64:
		if x == nil {
			return ""
		}
		return f.integer(*x)
	case bool:
		switch {
		case x && f.french:
			return "oui"
		case x:
			return "yes"
		case f.french:
			return "non"
		}
		return "no"
	case time.Time:
		if x.IsZero() {
			return ""
		}
		if f.french {
			return x.In(f.loc).Format("02/01/2006 15:04")
		}
		return x.In(f.loc).Format(time.DateTime)
	case *time.Time:
		if x == nil {
			return ""
		}
		return f.cell(*x)
	}
	return csvsafe.Cell(fmt.Sprint(v))
}

func (f csvFormat) integer(n int64) string {
	s := strconv.FormatInt(n, 10)
	if !f.french {
		return s
	}
	return locale.GroupDigits(s, locale.FrenchGroupSeparator)
}

// decimal renders up to 2 decimals, without trailing zeros.
func (f csvFormat) decimal(x float64) string {
	s := strconv.FormatFloat(x, 'f', 2, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if !f.french {
		return s
	}
	whole, frac, _ := strings.Cut(s, ".")
	out := locale.GroupDigits(whole, locale.FrenchGroupSeparator)
	if frac != "" {
		out += "," + frac
	}
	return out
}

// csvPager returns the rows of one page and the cursor of the next ("" at
// the end).
type csvPager func(ctx context.Context, cursor string) (rows [][]any, next string, err error)

// writeCSV streams a CSV export: UTF-8 BOM, ';' separator, CRLF lines. The
// first page is fetched before the status is sent, so that its errors keep
// their HTTP status; a later failure ends the file with a line saying so.
func (s *Service) writeCSV(c echo.Context, f csvFormat, filename string, header []string, pages csvPager) error {
	ctx := c.Request().Context()
	rows, next, err := pages(ctx, "")
	if err != nil {
		return err
	}
	res := c.Response()
	res.Header().Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	res.Header().Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="%s"`, filename))
	res.WriteHeader(http.StatusOK)
	if _, err := res.Write([]byte("\ufeff")); err != nil {
		return nil
	}
	w := csv.NewWriter(res)
	w.Comma, w.UseCRLF = ';', true
	_ = w.Write(header)
	written := 0
	for {
		for _, r := range rows {
			if written == MaxExportRows {
				_ = w.Write([]string{f.cell(fmt.Sprintf("# truncated after %d rows", MaxExportRows))})
				w.Flush()
				return nil
			}
			line := make([]string, len(r))
			for i, v := range r {
				line[i] = f.cell(v)
			}
			_ = w.Write(line)
			written++
		}
		w.Flush()
		if next == "" || w.Error() != nil {
			return nil
		}
		if rows, next, err = pages(ctx, next); err != nil {
			s.log.WarnContext(ctx, "csv export cut short", "file", filename, "rows", written, "error", err)
			_ = w.Write([]string{"# export failed after " + strconv.Itoa(written) + " rows; retry"})
			w.Flush()
			return nil
		}
	}
}
