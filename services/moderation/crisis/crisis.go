// Package crisis detects a brand's crises: windows (one minute by default)
// whose volume is far above the brand's own baseline (an exponentially
// weighted moving average and variance, z-score) with a high negative share.
// It is pure: the caller feeds windows and a clock and stores the State.
//
// Hysteresis keeps it from flapping: a crisis opens on a z-score of at least
// ZOpen with enough volume and negative share, and resolves only after
// CalmWindows windows in a row below ZClose. Windows of an open crisis do
// not move the baseline.
package crisis

import (
	"cmp"
	"math"
	"slices"
	"time"

	crisisv1 "github.com/ruche-project/ruche/events/crisis/v1"
)

// Config tunes the detector.
type Config struct {
	Window time.Duration
	// Alpha is the EWMA weight of the newest window.
	Alpha float64
	// MinBaseline windows are seen before anything can open.
	MinBaseline int
	// MinVolume is the fewest interactions in a window that can open one.
	MinVolume int
	// ZOpen and ZClose are the z-scores that open and calm a crisis.
	ZOpen, ZClose float64
	// MinNegativeShare and ShareLift (above the baseline share) are the
	// negative share a window needs to open a crisis.
	MinNegativeShare, ShareLift float64
	// CalmWindows in a row resolve a crisis.
	CalmWindows int
	// TopTerms is how many terms a detection names.
	TopTerms int
	// MaxTerms bounds the distinct terms kept per window.
	MaxTerms int
}

// DefaultConfig: one-minute windows, a baseline of the last ~20 minutes
// (detection starts after 5), at least 20 interactions of which 35 % and
// 10 points above the baseline share are negative, z ≥ 2.5 to open, 3 calm
// minutes under z 1.5 to resolve. Tuned so that the sandbox's crisis burst
// (60 complaints over 3 minutes on top of 30 items a minute) opens one and
// its viral post (mostly positive) does not.
var DefaultConfig = Config{
	Window: time.Minute, Alpha: 0.1, MinBaseline: 5, MinVolume: 20, ZOpen: 2.5, ZClose: 1.5,
	MinNegativeShare: 0.35, ShareLift: 0.1, CalmWindows: 3, TopTerms: 10, MaxTerms: 500,
}

// Bucket is one window's counts.
type Bucket struct {
	Volume   int            `json:"volume"`
	Negative int            `json:"negative"`
	Terms    map[string]int `json:"terms,omitempty"`
}

// Merge adds o into b, keeping at most maxTerms distinct terms.
func (b *Bucket) Merge(o Bucket, maxTerms int) {
	b.Volume += o.Volume
	b.Negative += o.Negative
	for t, n := range o.Terms {
		if b.Terms == nil {
			b.Terms = map[string]int{}
		}
		if _, ok := b.Terms[t]; ok || len(b.Terms) < maxTerms {
			b.Terms[t] += n
		}
	}
}

// Open is a crisis in progress.
type Open struct {
	ID       string    `json:"id"`
	OpenedAt time.Time `json:"opened_at"`
	Peak     int       `json:"peak"`
	Calm     int       `json:"calm"`
	Pause    bool      `json:"pause"`
}

// State is one brand's detector state, stored between windows.
type State struct {
	// ClosedThrough is the start of the last window evaluated (Unix seconds).
	ClosedThrough int64   `json:"closed_through"`
	Seen          int     `json:"seen"`
	Mean          float64 `json:"mean"`
	Var           float64 `json:"var"`
	ShareMean     float64 `json:"share_mean"`
	Open          *Open   `json:"open,omitempty"`
	// Pending are the windows not evaluated yet, by start (Unix seconds).
	Pending map[int64]*Bucket `json:"pending,omitempty"`
}

// Add merges counts for the window starting at start; counts for a window
// already evaluated are dropped (they arrived after its grace period).
func (s *State) Add(cfg Config, start int64, b Bucket) {
	if s.ClosedThrough != 0 && start <= s.ClosedThrough {
		return
	}
	if s.Pending == nil {
		s.Pending = map[int64]*Bucket{}
	}
	p, ok := s.Pending[start]
	if !ok {
		p = &Bucket{}
		s.Pending[start] = p
	}
	p.Merge(b, cfg.MaxTerms)
}

// Transitions are what closing windows produced.
type Transitions struct {
	Detected []crisisv1.Detected
	Resolved []crisisv1.Resolved
}

// maxGap bounds how many empty windows one Close evaluates after a long
// silence (a stopped cluster): older ones are skipped.
const maxGap = 24 * 60

// Close evaluates every window that ended at least grace before now, in
// order (empty windows included: silence calms a crisis). pause is the
// brand's option, carried by the events.
func (s *State) Close(cfg Config, brand string, now time.Time, grace time.Duration, pause bool) Transitions {
	var out Transitions
	w := int64(cfg.Window / time.Second)
	last := now.Add(-grace).Truncate(cfg.Window).Unix() - w // newest window fully past grace
	if s.ClosedThrough == 0 {
		first := last
		for start := range s.Pending {
			first = min(first, start)
		}
		s.ClosedThrough = first - w
	}
	if last-s.ClosedThrough > maxGap*w {
		s.ClosedThrough = last - maxGap*w
	}
	for start := s.ClosedThrough + w; start <= last; start += w {
		b := Bucket{}
		if p, ok := s.Pending[start]; ok {
			b = *p
		}
		s.evaluate(cfg, brand, start, b, pause, &out)
		s.ClosedThrough = start
	}
	for start := range s.Pending {
		if start <= s.ClosedThrough {
			delete(s.Pending, start)
		}
	}
	return out
}

func (s *State) evaluate(cfg Config, brand string, start int64, b Bucket, pause bool, out *Transitions) {
	n := float64(b.Volume)
	share := 0.0
	if b.Volume > 0 {
		share = float64(b.Negative) / n
	}
	z := (n - s.Mean) / math.Max(math.Sqrt(s.Var), math.Max(1, math.Sqrt(s.Mean)))
	at := time.Unix(start, 0).UTC()
	if s.Open != nil {
		s.Open.Peak = max(s.Open.Peak, b.Volume)
		if z < cfg.ZClose || b.Volume < cfg.MinVolume/2 {
			s.Open.Calm++
		} else {
			s.Open.Calm = 0
		}
		if s.Open.Calm >= cfg.CalmWindows {
			out.Resolved = append(out.Resolved, crisisv1.Resolved{
				ID: crisisv1.ResolvedID(s.Open.ID), CrisisID: s.Open.ID, Brand: brand, OpenedAt: s.Open.OpenedAt,
				ResolvedAt: at.Add(cfg.Window), PeakVolume: s.Open.Peak, PausePublishing: s.Open.Pause,
			})
			s.Open = nil
		}
		return
	}
	if s.Seen >= cfg.MinBaseline && b.Volume >= cfg.MinVolume && z >= cfg.ZOpen &&
		share >= cfg.MinNegativeShare && share >= s.ShareMean+cfg.ShareLift {
		id := crisisv1.CrisisID(brand, at)
		s.Open = &Open{ID: id, OpenedAt: at, Peak: b.Volume, Pause: pause}
		out.Detected = append(out.Detected, crisisv1.Detected{
			ID: id, Brand: brand, OpenedAt: at, WindowSeconds: int(cfg.Window / time.Second),
			Volume: b.Volume, NegativeShare: round(share), BaselineVolume: round(s.Mean), BaselineNegativeShare: round(s.ShareMean),
			ZScore: round(z), TopTerms: TopTerms(b.Terms, cfg.TopTerms), PausePublishing: pause,
		})
		return
	}
	if s.Seen == 0 {
		s.Mean, s.ShareMean = n, share
	} else {
		d := n - s.Mean
		s.Mean += cfg.Alpha * d
		s.Var = (1 - cfg.Alpha) * (s.Var + cfg.Alpha*d*d)
		if b.Volume > 0 {
			s.ShareMean += cfg.Alpha * (share - s.ShareMean)
		}
	}
	s.Seen++
}

func round(f float64) float64 { return math.Round(f*1000) / 1000 }

// TopTerms are the n most frequent terms, ties broken alphabetically.
func TopTerms(terms map[string]int, n int) []string {
	type tc struct {
		t string
		c int
	}
	all := make([]tc, 0, len(terms))
	for t, c := range terms {
		all = append(all, tc{t, c})
	}
	slices.SortFunc(all, func(a, b tc) int {
		if c := cmp.Compare(b.c, a.c); c != 0 {
			return c
		}
		return cmp.Compare(a.t, b.t)
	})
	out := []string{}
	for i := 0; i < len(all) && i < n; i++ {
		out = append(out, all[i].t)
	}
	return out
}
