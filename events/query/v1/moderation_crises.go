package v1

import "time"

// Subjects of moderation's crisis endpoints.
const (
	// ListCrisesSubject answers ListCrisesRequest with ListCrisesResponse.
	ListCrisesSubject = "ruche.query.moderation.crises.list"
	// GetCrisisWebhookSubject answers GetCrisisWebhookRequest with
	// CrisisWebhook.
	GetCrisisWebhookSubject = "ruche.query.moderation.crises.webhook.get"
	// PutCrisisWebhookSubject answers PutCrisisWebhookRequest with
	// CrisisWebhook.
	PutCrisisWebhookSubject = "ruche.command.moderation.crises.webhook.put"
)

// Crisis statuses.
const (
	CrisisOpen     = "open"
	CrisisResolved = "resolved"
)

// Crisis triggers: what rose in the window that opened it.
const (
	// TriggerVolume: the volume rose well above the baseline and the
	// negative share held (a crowd of complaints, not of fans).
	TriggerVolume = "volume"
	// TriggerNegativeShare: the negative share rose well above the
	// baseline's, beyond chance for the window's volume.
	TriggerNegativeShare = "negative_share"
	// TriggerColdStart: no baseline yet, and a window over the absolute
	// floors (volume and negative share).
	TriggerColdStart = "cold_start"
)

// ListCrisesRequest lists a brand's crises, newest first.
type ListCrisesRequest struct {
	Brand string `json:"brand"`
	// Status is open, resolved, or empty for both.
	Status string `json:"status,omitempty"`
	// Limit bounds the answer (default 20, at most 200).
	Limit int `json:"limit,omitempty"`
}

// ListCrisesResponse is a brand's crises, newest first.
type ListCrisesResponse struct {
	Brand  string   `json:"brand"`
	Crises []Crisis `json:"crises"`
}

// Crisis is one crisis with its evidence.
type Crisis struct {
	// ID is the crisis.detected event's id.
	ID         string     `json:"id"`
	Brand      string     `json:"brand"`
	Status     string     `json:"status"`
	Trigger    string     `json:"trigger"`
	OpenedAt   time.Time  `json:"opened_at"`
	ResolvedAt *time.Time `json:"resolved_at,omitempty"`
	// WindowSeconds is the length of one window.
	WindowSeconds int `json:"window_seconds"`
	// Volume and NegativeShare are the opening window's; the baseline is
	// the brand's usual window then (zero on a cold start).
	Volume                int     `json:"volume"`
	NegativeShare         float64 `json:"negative_share"`
	BaselineVolume        float64 `json:"baseline_volume"`
	BaselineNegativeShare float64 `json:"baseline_negative_share"`
	// ZScore is the opening window's volume z-score against the baseline.
	ZScore     float64 `json:"z_score"`
	PeakVolume int     `json:"peak_volume"`
	// TotalVolume and TotalNegative add up the crisis's windows.
	TotalVolume   int `json:"total_volume"`
	TotalNegative int `json:"total_negative"`
	// TopTerms are the most frequent words of the negative interactions.
	TopTerms []string `json:"top_terms"`
	// Windows are the crisis's windows in order (the latest ones when it
	// lasts long).
	Windows []CrisisWindow `json:"windows"`
	// Samples are negative interactions of the crisis, earliest first.
	Samples []CrisisSample `json:"samples"`
}

// CrisisWindow is one window's counts.
type CrisisWindow struct {
	Start         time.Time `json:"start"`
	Volume        int       `json:"volume"`
	Negative      int       `json:"negative"`
	NegativeShare float64   `json:"negative_share"`
}

// CrisisSample is one negative interaction of a crisis.
type CrisisSample struct {
	InteractionID string    `json:"interaction_id"`
	At            time.Time `json:"at"`
	// Text is the interaction's text, cut at 280 characters.
	Text string `json:"text"`
}

// GetCrisisWebhookRequest reads a brand's crisis webhook.
type GetCrisisWebhookRequest struct {
	Brand string `json:"brand"`
}

// PutCrisisWebhookRequest sets (URL), rotates the secret of, or removes (an
// empty URL) a brand's crisis webhook.
type PutCrisisWebhookRequest struct {
	Brand string `json:"brand"`
	// URL receives crisis.detected and crisis.resolved as signed POSTs
	// (http or https, public addresses only); empty removes the webhook.
	URL string `json:"url"`
	// RotateSecret draws a new signing secret (one is drawn when the
	// webhook is first set).
	RotateSecret bool   `json:"rotate_secret,omitempty"`
	UpdatedBy    string `json:"updated_by,omitempty"`
}

// CrisisWebhook is a brand's crisis webhook. The secret is shown only in
// the answer of the PUT that drew it.
type CrisisWebhook struct {
	Brand     string    `json:"brand"`
	URL       string    `json:"url"`
	Secret    string    `json:"secret,omitempty"`
	UpdatedBy string    `json:"updated_by,omitempty"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
}
