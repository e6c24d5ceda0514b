package v1

import "time"

// Subjects of the ingest service's source endpoints.
const (
	// IngestService is the micro service name of ingest.
	IngestService = "ingest"
	// PutSourceSubject answers PutSourceRequest with SourceView.
	PutSourceSubject = "ruche.command.ingest.sources.put"
	// DeleteSourceSubject answers DeleteSourceRequest with an empty object.
	DeleteSourceSubject = "ruche.command.ingest.sources.delete"
	// BackfillSourceSubject answers BackfillSourceRequest with an empty object.
	BackfillSourceSubject = "ruche.command.ingest.sources.backfill"
	// ListSourcesSubject answers ListSourcesRequest with ListSourcesResponse.
	ListSourcesSubject = "ruche.query.ingest.sources.list"
)

// SourceSpec is a listening source as configured by a brand team. Secrets
// are write-only: they are sealed at rest and never returned.
type SourceSpec struct {
	ID       string            `json:"id"`
	Brand    string            `json:"brand"`
	Network  string            `json:"network"`
	Account  string            `json:"account,omitempty"`
	Settings map[string]string `json:"settings,omitempty"`
	Secrets  map[string]string `json:"secrets,omitempty"`
}

// SourceView is a source as shown back: settings, the names of its secrets
// (never their values) and its health.
type SourceView struct {
	ID          string            `json:"id"`
	Brand       string            `json:"brand"`
	Network     string            `json:"network"`
	Account     string            `json:"account,omitempty"`
	Settings    map[string]string `json:"settings,omitempty"`
	SecretNames []string          `json:"secret_names"`
	CreatedAt   time.Time         `json:"created_at"`
	Health      SourceHealth      `json:"health"`
	// WebhookPath is where the network delivers to this source
	// ("/v1/webhooks/{network}/{id}" on the ingest address); empty for a
	// polled source, which has none.
	WebhookPath string `json:"webhook_path,omitempty"`
}

// Source health statuses.
const (
	HealthUnknown   = "unknown"
	HealthOK        = "ok"
	HealthUnhealthy = "unhealthy"
)

// SourceHealth says whether a source delivers: last success and error,
// items per minute over the last minutes, and lag behind the network.
type SourceHealth struct {
	Status         string     `json:"status"`
	LastSuccess    *time.Time `json:"last_success,omitempty"`
	LastError      *time.Time `json:"last_error,omitempty"`
	LastErrorText  string     `json:"last_error_text,omitempty"`
	ItemsPerMinute float64    `json:"items_per_minute"`
	// LagSeconds is, for the last success, how long its newest item took
	// from its creation on the network to Ruche.
	LagSeconds float64 `json:"lag_seconds"`
	// Stream is the state of the source's stream, for networks that push
	// items (Mastodon's streaming API): one of the Stream* constants; empty
	// when the source has no stream.
	Stream string `json:"stream,omitempty"`
}

// Stream states of a source (SourceHealth.Stream). Polling goes on in
// every state: it catches up what a stream missed.
const (
	StreamConnected    = "connected"
	StreamReconnecting = "reconnecting"
	// StreamPollingOnly: the server offers no stream, or refused it.
	StreamPollingOnly = "polling_only"
)

// PutSourceRequest creates or replaces a source.
type PutSourceRequest struct {
	Source SourceSpec `json:"source"`
}

// ListSourcesRequest lists a brand's sources.
type ListSourcesRequest struct {
	Brand string `json:"brand"`
}

// ListSourcesResponse is a brand's sources, sorted by id.
type ListSourcesResponse struct {
	Sources []SourceView `json:"sources"`
}

// DeleteSourceRequest deletes one source of a brand.
type DeleteSourceRequest struct {
	Brand string `json:"brand"`
	ID    string `json:"id"`
}

// BackfillSourceRequest asks a polled source to re-read its history since a
// time. Running it twice is harmless: interactions collapse on their ids.
type BackfillSourceRequest struct {
	Brand string    `json:"brand"`
	ID    string    `json:"id"`
	Since time.Time `json:"since"`
}
