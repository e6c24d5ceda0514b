package agreement_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	v1 "github.com/ruche-project/ruche/events/interaction/v1"
	"github.com/ruche-project/ruche/services/ingest/sandbox"
	"github.com/ruche-project/ruche/services/moderation"
	"github.com/ruche-project/ruche/services/moderation/policy"
)

// agrees reports whether moderation's labels say what the sandbox's
// category is: spam for the spams, a toxicity label for insults, the
// threat label for threats, a kind of personal data for personal data, the
// intent for questions, complaints, praise and purchase intent — and none of
// spam, toxicity, threat or personal data for the ordinary categories.
func agrees(c sandbox.Category, labels []string) bool {
	has := func(prefix string) bool {
		return slices.ContainsFunc(labels, func(l string) bool { return strings.HasPrefix(l, prefix) })
	}
	flagged := has("spam") || has("toxicity:") || has("threat") || has("pii:")
	switch c {
	case sandbox.CategorySpamLink, sandbox.CategorySpamScam, sandbox.CategorySpam:
		return slices.Contains(labels, "spam")
	case sandbox.CategoryToxicInsult, sandbox.CategoryToxicObfuscated:
		return has("toxicity:") && !slices.Contains(labels, "spam")
	case sandbox.CategoryToxicThreat:
		return slices.Contains(labels, "threat")
	case sandbox.CategoryPersonalData:
		return has("pii:") && !slices.Contains(labels, "spam")
	case sandbox.CategoryQuestion, sandbox.CategoryComplaint, sandbox.CategoryPraise, sandbox.CategoryPurchaseIntent:
		return slices.Contains(labels, "intent:"+string(c)) && !flagged
	case sandbox.CategoryChatter:
		return !flagged
	}
	return false
}

// TestSandboxAgreement generates ordinary traffic with a fixed seed, and an
// equal number of items of every category (so that the rare ones — threats
// are 1.5% of the traffic — weigh enough to be measured), classifies them
// as the moderation service does under the built-in policy, and prints the
// agreement with the sandbox's tags, overall and per category (-v lists the
// misses). Issue 21's target, 95% overall, is asserted; each category is
// held to a floor at today's figure (rounded down), so that a gain in one
// does not hide a loss in another.
func TestSandboxAgreement(t *testing.T) {
	const target = 0.95
	floors := map[sandbox.Category]float64{
		sandbox.CategoryQuestion:        1.00,
		sandbox.CategoryComplaint:       0.94,
		sandbox.CategoryPraise:          0.95,
		sandbox.CategoryPurchaseIntent:  1.00,
		sandbox.CategoryChatter:         1.00,
		sandbox.CategorySpamLink:        1.00,
		sandbox.CategorySpamScam:        1.00,
		sandbox.CategorySpam:            1.00,
		sandbox.CategoryToxicInsult:     0.98,
		sandbox.CategoryToxicObfuscated: 1.00,
		sandbox.CategoryToxicThreat:     1.00,
		sandbox.CategoryPersonalData:    1.00,
	}
	const seed, ordinary, perCategory = 21, 400, 30
	g := sandbox.NewGenerator(seed, 0.5)
	var drafts []sandbox.Draft
	for range ordinary {
		drafts = append(drafts, g.Next())
	}
	for _, c := range sandbox.Categories {
		for i := range perCategory {
			drafts = append(drafts, g.Of(c, []string{sandbox.LangFR, sandbox.LangEN}[i%2], 0))
		}
	}
	at := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	agreed, total := 0, 0
	byCat := map[sandbox.Category][2]int{}
	var misses []string
	for i, d := range drafts {
		r := v1.Received{ID: fmt.Sprintf("sandbox:%d", i), Brand: "demo", Network: "sandbox", Text: d.Text, Lang: d.Lang,
			Author:    v1.Author{ID: d.Author.ID, Handle: d.Author.Username, DisplayName: d.Author.DisplayName, Followers: d.Author.Followers, Verified: d.Author.Verified},
			CreatedAt: at, ReceivedAt: at}
		labels := moderation.Decide(r, policy.Default, at).Labels
		n := byCat[d.Category]
		n[1]++
		total++
		if agrees(d.Category, labels) {
			n[0]++
			agreed++
		} else {
			misses = append(misses, fmt.Sprintf("%s %q → %v", d.Category, d.Text, labels))
		}
		byCat[d.Category] = n
	}
	for _, c := range sandbox.Categories {
		n := byCat[c]
		t.Logf("%-18s %3d/%3d %.2f", c, n[0], n[1], float64(n[0])/float64(n[1]))
	}
	share := float64(agreed) / float64(total)
	t.Logf("agreement %d/%d = %.3f", agreed, total, share)
	if testing.Verbose() {
		for _, m := range misses {
			t.Log(m)
		}
	}
	if share < target {
		t.Errorf("agreement %d of %d (%.3f), under issue 21's target %.2f", agreed, total, share, target)
	}
	for c, floor := range floors {
		n := byCat[c]
		got := float64(n[0]) / float64(n[1])
		switch {
		case n[1] == 0:
			t.Errorf("%s: no item generated", c)
		case got < floor:
			t.Errorf("%s: %d of %d agree (%.3f), under its floor %.2f", c, n[0], n[1], got, floor)
		}
	}
}
