package v1

import "time"

// The brands' outbound webhooks (integrations: CRM, helpdesk, chat), kept
// and delivered by publishing.
var (
	// ListWebhooks lists a brand's webhooks (never their secrets).
	ListWebhooks = Declare[ListWebhooksRequest, WebhookList](PublishingService, "list_webhooks", "ruche.query.publishing.webhooks.list", BudgetRead)
	// PutWebhook creates (no id) or updates a brand's webhook; the signing
	// secret is in the answer only when this call drew it.
	PutWebhook = Declare[PutWebhookRequest, Webhook](PublishingService, "put_webhook", "ruche.command.publishing.webhooks.put", BudgetRead)
	// DeleteWebhook removes a brand's webhook; CodeNotFound when unknown.
	DeleteWebhook = Declare[WebhookRef, Empty](PublishingService, "delete_webhook", "ruche.command.publishing.webhooks.delete", BudgetRead)
	// ListWebhookDeliveries is a webhook's delivery log, newest first.
	ListWebhookDeliveries = Declare[ListWebhookDeliveriesRequest, WebhookDeliveries](PublishingService, "list_webhook_deliveries", "ruche.query.publishing.webhooks.deliveries", BudgetRead)
)

// WebhookEvents are the events a webhook may subscribe to, by name without
// version; "crisis.*" takes a domain, "*" every one.
var WebhookEvents = []string{
	"crisis.detected", "crisis.resolved",
	"draft.created", "draft.approved", "draft.rejected",
	"publish.requested", "publish.succeeded", "publish.failed",
	"case.decided", "reply.sent",
}

// Webhook is one subscription of a brand.
type Webhook struct {
	ID          string   `json:"id"`
	Brand       string   `json:"brand"`
	URL         string   `json:"url"`
	Events      []string `json:"events"`
	Description string   `json:"description,omitempty"`
	Active      bool     `json:"active"`
	// Secret signs the deliveries: answered once, when drawn.
	Secret    string    `json:"secret,omitempty"`
	CreatedBy string    `json:"created_by,omitempty"`
	UpdatedBy string    `json:"updated_by,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// ListWebhooksRequest names a brand.
type ListWebhooksRequest struct {
	Brand string `json:"brand"`
}

// WebhookList is a brand's webhooks.
type WebhookList struct {
	Webhooks []Webhook `json:"webhooks"`
}

// PutWebhookRequest creates a webhook (ID empty) or replaces one's URL,
// events, description and state.
type PutWebhookRequest struct {
	Brand       string   `json:"brand"`
	ID          string   `json:"id,omitempty"`
	URL         string   `json:"url"`
	Events      []string `json:"events"`
	Description string   `json:"description,omitempty"`
	// Active defaults to true.
	Active       *bool  `json:"active,omitempty"`
	RotateSecret bool   `json:"rotate_secret,omitempty"`
	UpdatedBy    string `json:"updated_by"`
}

// WebhookRef names one webhook.
type WebhookRef struct {
	Brand string `json:"brand"`
	ID    string `json:"id"`
}

// ListWebhookDeliveriesRequest asks for a webhook's delivery log.
type ListWebhookDeliveriesRequest struct {
	Brand string `json:"brand"`
	ID    string `json:"id"`
	// Limit is 1 to 200 (default 50).
	Limit int `json:"limit,omitempty"`
}

// Webhook delivery states.
const (
	DeliveryPending   = "pending"
	DeliveryDelivered = "delivered"
	DeliveryFailed    = "failed"
)

// WebhookDelivery is one event sent (or being sent) to a webhook.
type WebhookDelivery struct {
	// ID is the Ruche-Delivery header: the same on every attempt.
	ID        string `json:"id"`
	WebhookID string `json:"webhook_id"`
	Event     string `json:"event"`
	EventID   string `json:"event_id"`
	State     string `json:"state"`
	Attempts  int    `json:"attempts"`
	// LastStatus is the receiver's HTTP status (0: no answer), LastError
	// what went wrong.
	LastStatus    int        `json:"last_status,omitempty"`
	LastError     string     `json:"last_error,omitempty"`
	CreatedAt     time.Time  `json:"created_at"`
	NextAttemptAt *time.Time `json:"next_attempt_at,omitempty"`
	DeliveredAt   *time.Time `json:"delivered_at,omitempty"`
}

// WebhookDeliveries is a page of a webhook's log.
type WebhookDeliveries struct {
	Deliveries []WebhookDelivery `json:"deliveries"`
}
