package analytics

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	casev1 "github.com/ruche-project/ruche/events/case/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
)

// TestWeeklyReportWithoutPersonalData feeds interactions that carry
// personal data, spam and hidden ones, and checks that no piece of personal
// data reaches the report's HTML, PDF or JSON, and that the notable
// interactions leave out what moderation or a moderator hid or marked as
// spam.
func TestWeeklyReportWithoutPersonalData(t *testing.T) {
	const b = "pii-brand"
	d := &dataset{}
	personal := []string{"marie.dupont@exemple.fr", "jean [at] free [dot] fr", "06 12 34 56 78", "+44 20 7946 0958",
		"FR76 3000 6000 0112 3456 7890 189", "4111 1111 1111 1111", "12 rue de la Paix, 75002 Paris"}
	texts := []string{
		"Écrivez-moi à marie.dupont@exemple.fr ou au 06 12 34 56 78",
		"Mon mail: jean [at] free [dot] fr, depuis Londres +44 20 7946 0958",
		"Remboursez sur FR76 3000 6000 0112 3456 7890 189 svp",
		"Débité deux fois sur 4111 1111 1111 1111",
		"Livrez au 12 rue de la Paix, 75002 Paris",
	}
	for i, text := range texts {
		r := d.interaction(b, in{kind: "comment", id: "p" + string(rune('1'+i)), author: "a" + string(rune('1'+i)), text: text, at: local(17, 9+i, 0)})
		d.moderate(r, mod{verdict: "review", labels: []string{"sentiment:negative"}, priority: 50 + i})
	}
	spam := d.interaction(b, in{kind: "comment", id: "s1", author: "scam", text: "Crypto x100 garanti", at: local(18, 9, 0)})
	d.moderate(spam, mod{verdict: "spam", priority: 99})
	hidden := d.interaction(b, in{kind: "comment", id: "h1", author: "troll", text: "Insulte", at: local(18, 10, 0)})
	d.moderate(hidden, mod{verdict: "hide", priority: 98})
	decided := d.interaction(b, in{kind: "comment", id: "h2", author: "client", text: "Mon tel 0698765432", at: local(18, 11, 0)})
	d.moderate(decided, mod{verdict: "review", priority: 97})
	d.decide(decided, casev1.DecisionHide, "", time.Hour)
	h := seededN(t, d, 1)

	var r query.WeeklyReport
	if err := h.request(query.WeeklyReportSubject, query.WeeklyReportRequest{Brand: b, Week: "2026-W47", TZ: "Europe/Paris", Locale: "fr", PDF: true}, &r); err != nil {
		t.Fatal(err)
	}
	equal(t, shortIDs(r.Notable), "p5,p4,p3,p2,p1")
	js, err := json.Marshal(r.Notable)
	if err != nil {
		t.Fatal(err)
	}
	pdf := pdfCheck(t, r.PDF)
	for _, shown := range []struct{ name, text string }{{"html", r.HTML}, {"json", string(js)}, {"pdf", pdf}} {
		for _, p := range append(personal, "0698765432", "Crypto", "Insulte") {
			if strings.Contains(shown.text, p) {
				t.Errorf("the %s report shows %q", shown.name, p)
			}
		}
		for _, placeholder := range []string{"[email]", "[phone]", "[iban]", "[card]", "[address]"} {
			if !strings.Contains(shown.text, placeholder) {
				t.Errorf("the %s report lacks %s", shown.name, placeholder)
			}
		}
	}
}
