package csvimport_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ruche-project/ruche/services/scheduling/csvimport"
)

var now = time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)

func parseFile(t *testing.T, name string, opts csvimport.Options) csvimport.Result {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if opts.Zone == "" {
		opts.Zone = "Europe/Paris"
	}
	if opts.Now.IsZero() {
		opts.Now = now
	}
	res, err := csvimport.Parse(f, opts)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestParseFrenchExcel(t *testing.T) {
	res := parseFile(t, "fr_excel.csv", csvimport.Options{Networks: []string{"mastodon", "bluesky", "sandbox"}})
	if !res.OK() {
		t.Fatalf("problems: %+v", res.Problems)
	}
	if res.Separator != ";" || res.Encoding != "utf-8" {
		t.Errorf("separator %q, encoding %q", res.Separator, res.Encoding)
	}
	want := []struct {
		row      int
		at       string
		networks []string
		text     string
	}{
		{2, "2026-12-14T08:30:00Z", []string{"mastodon", "bluesky"}, "Nos bûches de Noël arrivent ; réservez la vôtre !"},
		{3, "2026-12-15T13:30:00Z", []string{"sandbox"}, "Deux lignes :\n« la seconde » et des \"guillemets\""},
		{4, "2027-01-05T07:05:00Z", []string{"mastodon"}, "Bonne année !"},
		// Row 5 is empty (Excel's ;;;;), skipped.
		{6, "2027-03-28T01:30:00Z", []string{"bluesky"}, "Heure d'été : ce créneau saute"},
		{7, "2027-10-31T00:30:00Z", []string{"bluesky"}, "Heure d'hiver : ce créneau existe deux fois"},
		{8, "2026-12-30T11:00:00Z", []string{"mastodon"}, "Date en numéro de série Excel"},
	}
	if len(res.Rows) != len(want) {
		t.Fatalf("%d rows, want %d: %+v", len(res.Rows), len(want), res.Rows)
	}
	for i, w := range want {
		r := res.Rows[i]
		if r.Number != w.row || r.At.UTC().Format(time.RFC3339) != w.at || !slices.Equal(r.Networks, w.networks) || r.Text != w.text {
			t.Errorf("row %d = %d %s %v %q; want %d %s %v %q", i, r.Number, r.At.UTC().Format(time.RFC3339), r.Networks, r.Text,
				w.row, w.at, w.networks, w.text)
		}
	}
	first := res.Rows[0]
	if first.Link != "https://cafe-lumiere.example/noel" || first.FirstComment != "Lien en bio" || first.Campaign != "Noël 2026" ||
		!slices.Equal(first.Labels, []string{"noël", "pâtisserie"}) || !first.Evergreen ||
		len(first.Media) != 1 || first.Media[0] != (csvimport.Media{Ref: "https://cdn.example/buche.jpg", Alt: "Une bûche au chocolat"}) {
		t.Errorf("first row = %+v", first)
	}
	if first.Wall != "2026-12-14T09:30" || first.Zone != "Europe/Paris" {
		t.Errorf("wall, zone = %s, %s", first.Wall, first.Zone)
	}
	if res.Rows[1].Evergreen {
		t.Error("row 3 says non, read as evergreen")
	}
	// The DST rows are notes, not problems: they are created as the rule says.
	if len(res.Notes) != 2 || res.Notes[0].Row != 6 || res.Notes[1].Row != 7 || res.Notes[0].Column != "Heure" ||
		!strings.Contains(res.Notes[0].Message.FR, "03:30") || !strings.Contains(res.Notes[0].Message.EN, "clocks go forward") {
		t.Errorf("notes = %+v", res.Notes)
	}
}

func TestParseEnglishComma(t *testing.T) {
	res := parseFile(t, "en_comma.csv", csvimport.Options{})
	if !res.OK() {
		t.Fatalf("problems: %+v", res.Problems)
	}
	if res.Separator != "," {
		t.Errorf("separator %q", res.Separator)
	}
	got := make([]string, len(res.Rows))
	for i, r := range res.Rows {
		got[i] = r.At.UTC().Format(time.RFC3339) + " " + r.Zone + " " + strings.Join(r.Networks, "+") + " " + r.Text
	}
	want := []string{
		"2026-12-14T13:30:00Z Europe/Paris mastodon+bluesky Winter menu, now in store",
		"2026-12-14T23:00:00Z America/New_York sandbox Evening post",
		"2026-12-20T09:15:00Z Europe/Paris mastodon ISO date with its time",
	}
	if !slices.Equal(got, want) {
		t.Errorf("rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if !slices.Equal(res.Rows[0].Labels, []string{"menu", "winter"}) {
		t.Errorf("labels = %v", res.Rows[0].Labels)
	}
}

func TestParseBadRows(t *testing.T) {
	res := parseFile(t, "bad_rows.csv", csvimport.Options{Networks: []string{"mastodon", "bluesky"}})
	type key struct {
		row    int
		column string
	}
	var got []key
	for _, p := range res.Problems {
		if p.Message.FR == "" || p.Message.EN == "" || p.Message.FR == p.Message.EN {
			t.Errorf("row %d: message not in both languages: %+v", p.Row, p.Message)
		}
		got = append(got, key{p.Row, p.Column})
	}
	want := []key{
		{3, "Date"}, {4, "Heure"}, {5, "Réseaux"}, {6, "Texte"}, {7, "Date"}, {8, "Lien"}, {9, "Texte"},
		{10, "Texte alternatif"}, {11, "Intemporel"}, {12, "Heure"}, {13, ""}, {13, "Heure"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("problems at %v\nwant %v\n%+v", got, want, res.Problems)
	}
	if res.OK() {
		t.Fatal("OK with problems")
	}
	for _, p := range res.Problems {
		if p.Row == 9 && !strings.Contains(p.Message.EN, "row 2") {
			t.Errorf("duplicate names the first row: %+v", p.Message)
		}
		if p.Row == 5 && !strings.Contains(p.Message.FR, "myspace") {
			t.Errorf("unknown network named: %+v", p.Message)
		}
	}
	// All or nothing: nothing is created while one row has a problem.
	created := 0
	err := res.Commit(func(string, csvimport.Row) error { created++; return nil })
	if !errors.Is(err, csvimport.ErrProblems) || created != 0 {
		t.Errorf("Commit = %v after %d creations, want ErrProblems and none", err, created)
	}
}

func TestParseFixedFileCommits(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "bad_rows.csv"))
	if err != nil {
		t.Fatal(err)
	}
	// The team keeps rows 2 and 14 and deletes the rest.
	lines := strings.Split(string(raw), "\n")
	fixed := strings.Join([]string{lines[0], lines[1], lines[13]}, "\n")
	opts := csvimport.Options{Zone: "Europe/Paris", Now: now, Networks: []string{"mastodon", "bluesky"}}
	res, err := csvimport.Parse(strings.NewReader(fixed), opts)
	if err != nil || !res.OK() {
		t.Fatalf("Parse = %v, %+v", err, res.Problems)
	}
	var ids []string
	if err := res.Commit(func(id string, _ csvimport.Row) error { ids = append(ids, id); return nil }); err != nil {
		t.Fatal(err)
	}
	again, _ := csvimport.Parse(strings.NewReader(fixed), opts)
	if len(ids) != 2 || ids[0] == ids[1] || again.RowID(again.Rows[0]) != ids[0] {
		t.Errorf("ids %v not stable per file and row (again: %s)", ids, again.RowID(again.Rows[0]))
	}
}

func TestParseWindows1252(t *testing.T) {
	res := parseFile(t, "windows1252.csv", csvimport.Options{})
	if !res.OK() || len(res.Rows) != 1 {
		t.Fatalf("problems %+v, rows %d", res.Problems, len(res.Rows))
	}
	if res.Encoding != "windows-1252" || res.Rows[0].Text != "Café crème à emporter — 2 €" || len(res.Notes) != 1 {
		t.Errorf("encoding %s, text %q, notes %+v", res.Encoding, res.Rows[0].Text, res.Notes)
	}
}

func TestParseBadHeader(t *testing.T) {
	res := parseFile(t, "bad_header.csv", csvimport.Options{})
	var got []string
	for _, p := range res.Problems {
		got = append(got, p.Column+"|"+string(p.Field))
	}
	want := []string{"Premier comentaire|", "Date|date", "text|text"}
	if !slices.Equal(got, want) {
		t.Errorf("problems %v, want %v", got, want)
	}
	if len(res.Rows) != 0 {
		t.Errorf("rows read under a bad header: %+v", res.Rows)
	}
}

func TestParseFileProblems(t *testing.T) {
	opts := csvimport.Options{Zone: "Europe/Paris", Now: now}
	for _, tc := range []struct {
		name, file string
		row        int
		en         string
	}{
		{"empty", "", 0, "the file is empty"},
		{"bom_only", "\ufeff \r\n", 0, "the file is empty"},
		{"header_only", "Date;Heure;Réseau;Texte\r\n", 0, "no post row"},
		{"broken_quote", "Date;Heure;Réseau;Texte\n14/12/2026;09:30;mastodon;\"ouvert\nsans fin", 2, "unreadable CSV"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := csvimport.Parse(strings.NewReader(tc.file), opts)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Problems) != 1 || res.Problems[0].Row != tc.row || !strings.Contains(res.Problems[0].Message.EN, tc.en) {
				t.Errorf("problems = %+v", res.Problems)
			}
		})
	}
	t.Run("too_large", func(t *testing.T) {
		big := strings.Repeat("x", csvimport.MaxBytes+1)
		if _, err := csvimport.Parse(strings.NewReader(big), opts); !errors.Is(err, csvimport.ErrTooLarge) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("service_checks_are_listed_per_row", func(t *testing.T) {
		file := "Date;Heure;Réseau;Texte\n14/12/2026;09:30;x;" + strings.Repeat("a", 281) + "\n15/12/2026;09:30;x;court\n"
		res, err := csvimport.Parse(strings.NewReader(file), csvimport.Options{Zone: "Europe/Paris", Now: now,
			Check: func(r csvimport.Row) []csvimport.CellProblem {
				if len(r.Text) > 280 {
					return []csvimport.CellProblem{{Field: csvimport.FieldText, Message: csvimport.Message{FR: "trop long pour x", EN: "too long for x"}}}
				}
				return nil
			}})
		if err != nil || len(res.Problems) != 1 || res.Problems[0].Row != 2 || res.Problems[0].Column != "Texte" {
			t.Errorf("Parse = %v, %+v", err, res.Problems)
		}
	})
}

func TestParseDatesAndTimes(t *testing.T) {
	for _, tc := range []struct {
		date, time string
		want       string // UTC, "" for a problem
	}{
		{"14/12/2026", "09:30", "2026-12-14T08:30:00Z"},
		{"14.12.2026", "9:30", "2026-12-14T08:30:00Z"},
		{"14-12-26", "14h", "2026-12-14T13:00:00Z"},
		{"2026-12-14", "14h05", "2026-12-14T13:05:00Z"},
		{"14/12/2026", "2:05 pm", "2026-12-14T13:05:00Z"},
		{"14/12/2026", "12:00 AM", "2026-12-13T23:00:00Z"},
		{"14/12/2026", "09:30:00", "2026-12-14T08:30:00Z"},
		{"14/12/2026 18:45", "", "2026-12-14T17:45:00Z"},
		{"46370", "10:00", "2026-12-14T09:00:00Z"},
		{"46370,75", "", "2026-12-14T17:00:00Z"},
		{"46370.75", "", "2026-12-14T17:00:00Z"},
		{"12/14/2026", "09:30", ""},
		{"29/02/2027", "09:30", ""},
		{"14/12/2026", "930", ""},
		{"14/12/2026", "13:00 pm", ""},
		{"14/12/2026", "24:00", ""},
		{"46370", "", ""},
		{"demain", "09:30", ""},
	} {
		t.Run(tc.date+"_"+tc.time, func(t *testing.T) {
			file := "date;time;network;text\n" + tc.date + ";" + tc.time + ";mastodon;x\n"
			res, err := csvimport.Parse(strings.NewReader(file), csvimport.Options{Zone: "Europe/Paris", Now: now})
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case tc.want == "" && res.OK():
				t.Errorf("accepted as %s", res.Rows[0].At.UTC())
			case tc.want != "" && !res.OK():
				t.Errorf("problems %+v", res.Problems)
			case tc.want != "" && res.Rows[0].At.UTC().Format(time.RFC3339) != tc.want:
				t.Errorf("at %s, want %s", res.Rows[0].At.UTC().Format(time.RFC3339), tc.want)
			}
		})
	}
}
