package analytics

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"strings"
	"testing"
	"time"

	interaction "github.com/ruche-project/ruche/events/interaction/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
)

// contestDataset: the comments of mastodon post "post42", the window is
// [t0+1h, t0+5h), entries need "concours" and a mention; @staff is excluded.
//
//	c5  a4    +0:30 "#concours @x"            outside_window
//	c1  a1    +1:00 "Je participe ! @marie #concours"  entry
//	c14 a2    +1:15 "concours !"              missing_mention
//	c3  a2    +1:30 "je tente #Concours @léa" entry (a2's first qualifying comment)
//	c10 a8    +2:00 "j'adore @ami"            missing_keyword
//	c2  a1    +2:00 "encore moi @paul #concours"  duplicate_author
//	c4  a3    +2:00 "Moi aussi ! CONCOURS"    missing_mention
//	c12 a10   +3:00 reply "#concours @z"      entry
//	c6  a5    +3:00 "#concours @bob"          spam
//	c7  staff +3:00 "#concours @x"            excluded_account
//	c8  a6    +4:00 "Participation @ami, concours"  entry
//	c9  a7    +5:00 "#concours @ami"          outside_window
//
// plus a comment on another post and a DM in the thread, never candidates.
func contestDataset() *dataset {
	d := &dataset{}
	const b = "cafe-lumiere"
	c := func(id, kind, author, text string, after time.Duration) interaction.Received {
		r := d.interaction(b, in{kind: kind, id: id, thread: "post42", author: author, text: text, at: t0.Add(after)})
		d.moderate(r, mod{verdict: "allow", labels: []string{"sentiment:positive"}})
		return r
	}
	c("c5", "comment", "a4", "#concours @x", 30*time.Minute)
	c("c1", "comment", "a1", "Je participe ! @marie #concours", time.Hour)
	c("c14", "comment", "a2", "concours !", 75*time.Minute)
	c("c3", "comment", "a2", "je tente #Concours @léa", 90*time.Minute)
	c("c10", "comment", "a8", "j'adore @ami", 2*time.Hour)
	c("c2", "comment", "a1", "encore moi @paul #concours", 2*time.Hour)
	c("c4", "comment", "a3", "Moi aussi ! CONCOURS", 2*time.Hour)
	c("c12", "reply", "a10", "#concours @z", 3*time.Hour)
	spam := d.interaction(b, in{kind: "comment", id: "c6", thread: "post42", author: "a5", text: "#concours @bob", at: t0.Add(3 * time.Hour)})
	d.moderate(spam, mod{verdict: "spam", labels: []string{"spam"}})
	c("c7", "comment", "staff", "#concours @x", 3*time.Hour)
	c("c8", "comment", "a6", "Participation @ami, concours", 4*time.Hour)
	c("c9", "comment", "a7", "#concours @ami", 5*time.Hour)
	d.interaction(b, in{kind: "comment", id: "c11", thread: "post43", author: "a9", text: "#concours @x", at: t0.Add(2 * time.Hour)})
	d.interaction(b, in{kind: "dm", id: "c13", thread: "post42", author: "a11", text: "#concours @x", at: t0.Add(2 * time.Hour)})
	return d
}

func contestRules() query.ContestRules {
	from, to := t0.Add(time.Hour), t0.Add(5*time.Hour)
	return query.ContestRules{Network: "mastodon", PostID: "post42", From: &from, To: &to, Keywords: []string{"concours"},
		RequireMention: true, ExcludedAuthors: []string{"@staff"}, Winners: 2}
}

// seed0 is the bytes 0x00…0x1f.
var seed0 = func() string {
	b := make([]byte, 32)
	for i := range b {
		b[i] = byte(i)
	}
	return hex.EncodeToString(b)
}()

// referenceDraw is an independent implementation of ContestAlgorithm.
func referenceDraw(seedHex, brand, id, network string, authors []string, n int) []string {
	seed, _ := hex.DecodeString(seedHex)
	keys := map[string]string{}
	for _, a := range authors {
		m := hmac.New(sha256.New, seed)
		m.Write([]byte(strings.Join([]string{"ruche-draw-v1", brand, id, network, a}, "\x00")))
		keys[a] = hex.EncodeToString(m.Sum(nil))
	}
	sorted := append([]string(nil), authors...)
	sort.Slice(sorted, func(i, j int) bool { return keys[sorted[i]] < keys[sorted[j]] })
	return sorted[:min(n, len(sorted))]
}

func TestContestDraw(t *testing.T) {
	wantEligible := "a1=c1 a10=c12 a2=c3 a6=c8"
	wantExcluded := "c5:outside_window c14:missing_mention c10:missing_keyword c2:duplicate_author c4:missing_mention c6:spam c7:excluded_account c9:outside_window"
	// Pinned: the algorithm may never change under the same name.
	wantWinners := strings.Join(referenceDraw(seed0, "cafe-lumiere", "noel-2026", "mastodon", []string{"a1", "a10", "a2", "a6"}, 2), ",")
	if wantWinners != pinnedWinners {
		t.Fatalf("reference draw %s, pinned %s", wantWinners, pinnedWinners)
	}
	for name, h := range seeded(t, contestDataset()) {
		t.Run(name, func(t *testing.T) {
			req := query.ContestDrawRequest{Brand: "cafe-lumiere", ID: "noel-2026", Rules: contestRules(), Seed: seed0, DrawnBy: "key-1"}
			var d query.ContestDraw
			if err := h.request(query.ContestDrawSubject, req, &d); err != nil {
				t.Fatal(err)
			}
			t.Run("eligible_and_excluded_by_the_rules", func(t *testing.T) {
				equal(t, entries(d.Eligible), wantEligible)
				equal(t, excl(d.Excluded), wantExcluded)
			})
			t.Run("winners_from_the_recorded_seed", func(t *testing.T) {
				if got := strings.Join(winnerIDs(d.Winners), ","); got != pinnedWinners || d.Seed != seed0 || d.Algorithm != query.ContestAlgorithm {
					t.Fatalf("winners %s seed %s, want %s", got, d.Seed, pinnedWinners)
				}
				if d.Winners[0].Handle != "@"+d.Winners[0].AuthorID {
					t.Fatalf("winner %+v", d.Winners[0])
				}
			})
			t.Run("stored_for_audit", func(t *testing.T) {
				var got query.ContestDraw
				if err := h.request(query.ContestGetSubject, query.ContestRef{Brand: "cafe-lumiere", ID: "noel-2026"}, &got); err != nil {
					t.Fatal(err)
				}
				equal(t, got, d)
			})
			t.Run("drawing_the_same_id_again_returns_the_stored_draw", func(t *testing.T) {
				again := req
				again.Seed = ""
				var got query.ContestDraw
				if err := h.request(query.ContestDrawSubject, again, &got); err != nil {
					t.Fatal(err)
				}
				equal(t, got, d)
			})
			t.Run("same_id_with_other_rules_is_refused", func(t *testing.T) {
				other := req
				other.Rules.Winners = 3
				var got query.ContestDraw
				err := h.request(query.ContestDrawSubject, other, &got)
				if le, ok := asListErr(err); !ok || le.code != query.CodeBadRequest {
					t.Fatalf("err = %v", err)
				}
			})
			t.Run("verify_re_runs_it", func(t *testing.T) {
				var v query.ContestVerification
				if err := h.request(query.ContestVerifySubject, query.ContestRef{Brand: "cafe-lumiere", ID: "noel-2026"}, &v); err != nil {
					t.Fatal(err)
				}
				if !v.WinnersMatch || !v.EligibleMatch || v.EligibleNow != 4 || strings.Join(v.Winners, ",") != pinnedWinners {
					t.Fatalf("%+v", v)
				}
			})
			t.Run("a_fresh_seed_is_recorded", func(t *testing.T) {
				fresh := req
				fresh.ID, fresh.Seed = "", ""
				var got query.ContestDraw
				if err := h.request(query.ContestDrawSubject, fresh, &got); err != nil {
					t.Fatal(err)
				}
				if len(got.Seed) != 64 || got.Seed == seed0 || !strings.HasPrefix(got.ID, "draw-") || len(got.Winners) != 2 {
					t.Fatalf("%+v", got)
				}
				if want := referenceDraw(got.Seed, "cafe-lumiere", got.ID, "mastodon", []string{"a1", "a10", "a2", "a6"}, 2); strings.Join(winnerIDs(got.Winners), ",") != strings.Join(want, ",") {
					t.Fatalf("winners %v, reference %v", winnerIDs(got.Winners), want)
				}
			})
			t.Run("comments_after_the_draw_do_not_change_the_verification", func(t *testing.T) {
				open := req
				open.ID, open.Rules.To = "open-window", nil
				var d query.ContestDraw
				if err := h.request(query.ContestDrawSubject, open, &d); err != nil {
					t.Fatal(err)
				}
				// c9 (+5:00) is in an open window: five entries.
				late := &dataset{}
				late.interaction("cafe-lumiere", in{kind: "comment", id: "late", thread: "post42", author: "a99", text: "#concours @x", at: time.Now().Add(time.Minute)})
				h.seed(late, 1)
				var v query.ContestVerification
				if err := h.request(query.ContestVerifySubject, query.ContestRef{Brand: "cafe-lumiere", ID: "open-window"}, &v); err != nil {
					t.Fatal(err)
				}
				if len(d.Eligible) != 5 || !v.WinnersMatch || !v.EligibleMatch || v.EligibleNow != 5 {
					t.Fatalf("eligible %d, verification %+v", len(d.Eligible), v)
				}
			})
			t.Run("unknown_contest_is_not_found", func(t *testing.T) {
				var got query.ContestDraw
				err := h.request(query.ContestGetSubject, query.ContestRef{Brand: "cafe-lumiere", ID: "nope"}, &got)
				if le, ok := asListErr(err); !ok || le.code != query.CodeNotFound {
					t.Fatalf("err = %v", err)
				}
			})
		})
	}
}

// pinnedWinners is referenceDraw's result for seed0, noel-2026 and the four
// eligible authors.
const pinnedWinners = "a6,a10"

func entries(es []query.ContestEntry) string {
	var out []string
	for _, e := range es {
		out = append(out, e.AuthorID+"="+strings.TrimPrefix(e.InteractionID, "mastodon:"))
	}
	return strings.Join(out, " ")
}

func excl(xs []query.ContestExclusion) string {
	var out []string
	for _, x := range xs {
		out = append(out, strings.TrimPrefix(x.InteractionID, "mastodon:")+":"+x.Reason)
	}
	return strings.Join(out, " ")
}

func winnerIDs(es []query.ContestEntry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.AuthorID
	}
	return out
}
