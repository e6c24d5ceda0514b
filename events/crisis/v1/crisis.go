package v1

import (
	"strconv"
	"time"
)

// Detected is published by moderation when a brand's traffic spikes: volume
// far above the brand's own baseline with a high negative share.
type Detected struct {
	// ID is the event id and the crisis id: CrisisID(brand, opened).
	ID    string `json:"id"`
	Brand string `json:"brand"`
	// OpenedAt is the start of the window that opened the crisis.
	OpenedAt time.Time `json:"opened_at"`
	// WindowSeconds is the length of one window.
	WindowSeconds int `json:"window_seconds"`
	// Volume and NegativeShare are the opening window's.
	Volume        int     `json:"volume"`
	NegativeShare float64 `json:"negative_share"`
	// BaselineVolume and BaselineNegativeShare are the brand's usual window
	// (exponentially weighted moving averages); ZScore is the volume's.
	BaselineVolume        float64 `json:"baseline_volume"`
	BaselineNegativeShare float64 `json:"baseline_negative_share"`
	ZScore                float64 `json:"z_score"`
	// TopTerms are the spike's most frequent words (stop words removed).
	TopTerms []string `json:"top_terms"`
	// PausePublishing is the brand's policy option: scheduled publishing
	// waits until the crisis is resolved.
	PausePublishing bool `json:"pause_publishing"`
}

// Name implements events.Event.
func (Detected) Name() string { return "crisis.detected.v1" }

// Resolved is published when a crisis's traffic is back near the baseline
// for several windows in a row.
type Resolved struct {
	// ID is the event id: ResolvedID(crisis id).
	ID string `json:"id"`
	// CrisisID is the id of the Detected event it ends.
	CrisisID   string    `json:"crisis_id"`
	Brand      string    `json:"brand"`
	OpenedAt   time.Time `json:"opened_at"`
	ResolvedAt time.Time `json:"resolved_at"`
	// PeakVolume is the busiest window of the crisis.
	PeakVolume int `json:"peak_volume"`
	// PausePublishing repeats the Detected flag: publishing may resume.
	PausePublishing bool `json:"pause_publishing"`
}

// Name implements events.Event.
func (Resolved) Name() string { return "crisis.resolved.v1" }

// CrisisID is the deterministic id of a brand's crisis opened at opened, so
// that two replicas detecting the same window publish one event.
func CrisisID(brand string, opened time.Time) string {
	return "crisis:" + brand + ":" + strconv.FormatInt(opened.Unix(), 10)
}

// ResolvedID is the event id of the end of crisis crisisID.
func ResolvedID(crisisID string) string { return crisisID + ":resolved" }
