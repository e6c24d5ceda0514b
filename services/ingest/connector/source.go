package connector

import (
	"fmt"
	"time"
)

// Source is one configured listening source of a brand. Its secrets
// (webhook signing secrets, API tokens...) are sealed at rest with the brand
// and source id as associated data, and never logged.
type Source struct {
	ID      string `json:"id"`
	Brand   string `json:"brand"`
	Network string `json:"network"`
	// Account is the brand's own account on the network (page id, user id,
	// handle): its own posts are not interactions to moderate.
	Account string `json:"account,omitempty"`
	// Settings are the connector's non-secret settings.
	Settings map[string]string `json:"settings,omitempty"`
	// Secrets are the connector's secrets by name (e.g. "app_secret").
	Secrets   map[string]string `json:"-"`
	CreatedAt time.Time         `json:"created_at"`
}

// String keeps the secrets out of logs even if a source is printed whole.
func (s Source) String() string {
	return fmt.Sprintf("source %s (%s, brand %s)", s.ID, s.Network, s.Brand)
}

// Secret returns one secret, as bytes.
func (s Source) Secret(name string) []byte { return []byte(s.Secrets[name]) }
