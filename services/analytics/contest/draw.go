package contest

import (
	"crypto/hmac"
	"crypto/sha256"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/services/analytics/internal/readmodel"
)

// A contest draw is two pure steps, both re-runnable from what is stored:
//
//  1. selectEntries applies the rules to the post's comments, oldest first:
//     one entry per author (their first qualifying comment), every other
//     comment excluded with its reason. The eligible list is then sorted by
//     author id, so that its order does not depend on arrival order.
//  2. drawWinners keys every eligible author with HMAC-SHA256 under the
//     seed (query.ContestAlgorithm) and keeps the smallest keys.
//
// Why it is fair: every author has exactly one entry; HMAC-SHA256 under a
// 256-bit seed nobody knew when the entries closed gives each author an
// independent, uniformly distributed key, so every subset of Winners
// authors is equally likely to hold the smallest keys. Why it is provable:
// the seed, the rules, the eligible list and the algorithm are stored; anyone
// can recompute the keys with any HMAC-SHA256 implementation (the message
// is plain text, see drawKey) and check the winners; the contest id in the
// message stops a seed from being reused to predict another contest.

// candidate is one comment on the contest's post.
type candidate struct {
	InteractionID, AuthorID, Handle, Text, Verdict string
	CreatedAt                                      time.Time
}

var mention = regexp.MustCompile(`(^|[^\w@])@\w`)

// selectEntries splits candidates into entries and exclusions by the rules.
// Comments created at or after drawnAt are not candidates: they could not
// have entered, and a verification later must read the same comments.
func selectEntries(rules query.ContestRules, cands []candidate, drawnAt time.Time) ([]query.ContestEntry, []query.ContestExclusion) {
	cands = slices.DeleteFunc(slices.Clone(cands), func(c candidate) bool { return !c.CreatedAt.Before(drawnAt) })
	sort.Slice(cands, func(i, j int) bool {
		if !cands[i].CreatedAt.Equal(cands[j].CreatedAt) {
			return cands[i].CreatedAt.Before(cands[j].CreatedAt)
		}
		return cands[i].InteractionID < cands[j].InteractionID
	})
	excludedAuthors := map[string]bool{}
	for _, a := range rules.ExcludedAuthors {
		excludedAuthors[strings.ToLower(strings.TrimSpace(a))] = true
	}
	keywords := make([]string, 0, len(rules.Keywords))
	for _, k := range rules.Keywords {
		if k = readmodel.Fold(strings.TrimSpace(k)); k != "" {
			keywords = append(keywords, k)
		}
	}
	entered := map[string]bool{}
	eligible := []query.ContestEntry{}
	excluded := []query.ContestExclusion{}
	for _, c := range cands {
		reason := ""
		text := readmodel.Fold(c.Text)
		switch {
		case rules.From != nil && c.CreatedAt.Before(*rules.From), rules.To != nil && !c.CreatedAt.Before(*rules.To):
			reason = query.ExcludedOutsideWindow
		case excludedAuthors[strings.ToLower(c.AuthorID)] || (c.Handle != "" && excludedAuthors[strings.ToLower(c.Handle)]):
			reason = query.ExcludedAccount
		case c.Verdict == "spam":
			reason = query.ExcludedSpam
		case len(keywords) > 0 && !slices.ContainsFunc(keywords, func(k string) bool { return strings.Contains(text, k) }):
			reason = query.ExcludedMissingKeyword
		case rules.RequireMention && !mention.MatchString(c.Text):
			reason = query.ExcludedMissingMention
		case entered[c.AuthorID]:
			reason = query.ExcludedDuplicateAuthor
		}
		if reason != "" {
			excluded = append(excluded, query.ContestExclusion{InteractionID: c.InteractionID, AuthorID: c.AuthorID, Reason: reason})
			continue
		}
		entered[c.AuthorID] = true
		eligible = append(eligible, query.ContestEntry{Network: rules.Network, AuthorID: c.AuthorID, Handle: c.Handle, InteractionID: c.InteractionID})
	}
	sort.Slice(eligible, func(i, j int) bool { return eligible[i].AuthorID < eligible[j].AuthorID })
	return eligible, excluded
}

// drawKey is the key of one author: HMAC-SHA256(seed, message).
func drawKey(seed []byte, brand, contestID, network, authorID string) []byte {
	m := hmac.New(sha256.New, seed)
	m.Write([]byte("ruche-draw-v1\x00" + brand + "\x00" + contestID + "\x00" + network + "\x00" + authorID))
	return m.Sum(nil)
}

// drawWinners returns up to n eligible entries with the smallest keys, in
// ascending key order.
func drawWinners(seed []byte, brand, contestID string, eligible []query.ContestEntry, n int) []query.ContestEntry {
	type keyed struct {
		key   []byte
		entry query.ContestEntry
	}
	ks := make([]keyed, len(eligible))
	for i, e := range eligible {
		ks[i] = keyed{drawKey(seed, brand, contestID, e.Network, e.AuthorID), e}
	}
	sort.Slice(ks, func(i, j int) bool {
		if c := strings.Compare(string(ks[i].key), string(ks[j].key)); c != 0 {
			return c < 0
		}
		return ks[i].entry.AuthorID < ks[j].entry.AuthorID
	})
	winners := []query.ContestEntry{}
	for i := 0; i < len(ks) && i < n; i++ {
		winners = append(winners, ks[i].entry)
	}
	return winners
}
