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
// agreement with the sandbox's tags, overall and per category. Issue 21's
// target is 95% overall; until it is met, the figures are held to floors at
// today's (rounded down): a drop fails, and so does meeting the target (then
// assert it instead).
func TestSandboxAgreement(t *testing.T) {
	const target = 0.95
	floors := map[sandbox.Category]float64{
		"all": 0.82,
		// 0.93 before the model was retrained: it reads "when will … be
		// back in stock?" as neutral where it read some negative, and the
		// intent rules then call a neutral availability question purchase
		// intent
		sandbox.CategoryQuestion:        0.89,
		sandbox.CategoryComplaint:       0.65,
		sandbox.CategoryPraise:          0.53,
		sandbox.CategoryPurchaseIntent:  0.47,
		sandbox.CategoryChatter:         1.00,
		sandbox.CategorySpamLink:        1.00,
		sandbox.CategorySpamScam:        0.97,
		sandbox.CategorySpam:            0.73,
		sandbox.CategoryToxicInsult:     1.00,
		sandbox.CategoryToxicObfuscated: 1.00,
		sandbox.CategoryToxicThreat:     1.00,
		sandbox.CategoryPersonalData:    0.76,
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
	if share < target && testing.Verbose() {
		for _, m := range misses {
			t.Log(m)
		}
	}
	byCat["all"] = [2]int{agreed, total}
	for c, floor := range floors {
		n := byCat[c]
		got := float64(n[0]) / float64(n[1])
		switch {
		case n[1] == 0:
			t.Errorf("%s: no item generated", c)
		case got < floor:
			t.Errorf("%s: %d of %d agree (%.3f), under its floor %.2f", c, n[0], n[1], got, floor)
		case c == "all" && got >= target:
			t.Errorf("agreement %.3f meets the target %.2f: assert it instead of the floors", got, target)
		}
	}
}
