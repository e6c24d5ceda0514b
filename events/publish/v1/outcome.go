package v1

import "time"

// Succeeded is published once a network has accepted one target of a
// request (one variant of a post, or the reply, hide, unhide or delete).
type Succeeded struct {
	// ID is the event id: OutcomeID(request id, network, account, "succeeded").
	ID        string `json:"id"`
	RequestID string `json:"request_id"`
	Brand     string `json:"brand"`
	Kind      Kind   `json:"kind"`
	Network   string `json:"network"`
	Account   string `json:"account,omitempty"`
	// InteractionID is the interaction acted on (not for a post).
	InteractionID string `json:"interaction_id,omitempty"`
	// PlatformID and URL are the network's for what was published (a post,
	// a reply); for hide, unhide and delete, the item acted on.
	PlatformID string `json:"platform_id"`
	URL        string `json:"url,omitempty"`
	// Attempts is how many times the network was asked.
	Attempts    int       `json:"attempts"`
	PublishedAt time.Time `json:"published_at"`
}

// Name implements events.Event.
func (Succeeded) Name() string { return "publish.succeeded.v1" }

// Failed is published when one target of a request will not be done: the
// network refused it for good, publishing refused it (no approval, a crisis
// pause), or its retries ran out (dead-lettered). A retry asked through the
// API may still publish it later; a Succeeded then follows.
type Failed struct {
	// ID is the event id: OutcomeID(request id, network, account, "failed").
	ID            string `json:"id"`
	RequestID     string `json:"request_id"`
	Brand         string `json:"brand"`
	Kind          Kind   `json:"kind"`
	Network       string `json:"network"`
	Account       string `json:"account,omitempty"`
	InteractionID string `json:"interaction_id,omitempty"`
	// Code is a stable reason: the network's error code, or one of
	// publishing's ("not_approved", "crisis_pause", "unsupported",
	// "retries_exhausted"...).
	Code string `json:"code"`
	// Reason is the network's (or publishing's) explanation, as given.
	Reason string `json:"reason"`
	// Retryable is true when the same request may succeed later (a crisis
	// pause, retries exhausted on server errors); false for a refusal that
	// only a new request can fix.
	Retryable bool      `json:"retryable"`
	Attempts  int       `json:"attempts"`
	FailedAt  time.Time `json:"failed_at"`
}

// Name implements events.Event.
func (Failed) Name() string { return "publish.failed.v1" }

// OutcomeID is the deterministic id of a request's outcome on one network
// account, so that an outcome reported twice collapses to one.
func OutcomeID(requestID, network, account, outcome string) string {
	id := "publish:" + outcome + ":" + network
	if account != "" {
		id += "/" + account
	}
	return id + ":" + requestID
}
