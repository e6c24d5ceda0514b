package sandbox

import (
	"hash/fnv"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The network's counts, for Ruche's metrics producers:
//
//	GET /api/v1/metrics?ids=ID,ID,...   the counts of the brand's posts (at
//	    most 100 ids; ids not of the brand's posts are left out):
//	    {"metrics":[{"id","impressions","likes","comments","shares","clicks","created_at"}]}
//	GET /api/v1/accounts/{account}      followers_count grows as time passes
//
// The numbers are plausible and reproducible: each post's come from the
// network's seed and the post's id (its reach, how fast it spreads, its
// rates of likes, comments, shares and link clicks) and its age, so that
// they only grow, fast in the first hours and then level off; the same
// seed, post and age give the same numbers.

// maxMetricIDs bounds the ids of one metrics request.
const maxMetricIDs = 100

// baseFollowers is the brand's audience when the network starts.
const baseFollowers = 48_210

// PostCounts is one post's counts as GET /api/v1/metrics answers them.
type PostCounts struct {
	ID          string    `json:"id"`
	Impressions int64     `json:"impressions"`
	Likes       int64     `json:"likes"`
	Comments    int64     `json:"comments"`
	Shares      int64     `json:"shares"`
	Clicks      int64     `json:"clicks"`
	CreatedAt   time.Time `json:"created_at"`
}

// unit is a number in [0, 1) drawn from the network's seed, an id and a
// salt: the same inputs always draw the same number.
func (n *Network) unit(id, salt string) float64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(strconv.FormatUint(n.cfg.Seed, 10) + "\x00" + id + "\x00" + salt))
	return float64(h.Sum64()>>11) / (1 << 53)
}

// followers is the brand's audience at now: a steady, seeded gain per hour
// since the network started.
func (n *Network) followers(now time.Time) int64 {
	perHour := 2 + 4*n.unit(n.cfg.Account, "followers")
	return baseFollowers + int64(perHour*max(now.Sub(n.started).Hours(), 0))
}

// counts are a post's counts at now.
func (n *Network) counts(it Item, now time.Time) PostCounts {
	id := it.ID
	age := max(now.Sub(it.CreatedAt).Hours(), 0)
	reach := baseFollowers * (0.02 + 0.10*n.unit(id, "reach")) // seen by 2 to 12 % of the audience
	spread := 2 + 8*n.unit(id, "spread")                       // hours to reach 63 % of it
	impressions := math.Floor(reach * (1 - math.Exp(-age/spread)))
	rate := func(salt string, lo, hi float64) int64 {
		return int64(math.Floor(impressions * (lo + (hi-lo)*n.unit(id, salt))))
	}
	c := PostCounts{ID: id, Impressions: int64(impressions), CreatedAt: it.CreatedAt,
		Likes: rate("likes", 0.02, 0.07), Comments: rate("comments", 0.002, 0.01), Shares: rate("shares", 0.003, 0.015)}
	if strings.Contains(it.Text, "http://") || strings.Contains(it.Text, "https://") {
		c.Clicks = rate("clicks", 0.01, 0.04)
	}
	return c
}

func (n *Network) handleMetrics(w http.ResponseWriter, r *http.Request) {
	var ids []string
	for _, id := range strings.Split(r.URL.Query().Get("ids"), ",") {
		if id = strings.TrimSpace(id); id != "" {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 || len(ids) > maxMetricIDs {
		writeError(w, http.StatusBadRequest, "bad_request", "ids must list 1 to "+strconv.Itoa(maxMetricIDs)+" post ids, comma-separated")
		return
	}
	now := n.now().UTC()
	out := make([]PostCounts, 0, len(ids))
	n.mu.Lock()
	for _, id := range ids {
		if e, ok := n.byID[id]; ok && e.raw == nil && e.item.Type == TypePost && e.item.Author.ID == n.brand.ID {
			out = append(out, n.counts(e.item, now))
		}
	}
	n.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"metrics": out})
}
