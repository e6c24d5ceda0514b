package sandbox

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ruche-project/ruche/services/ingest/connector"
)

// Source settings and secret of a sandbox source.
const (
	// SettingURL is the base URL of the sandbox API.
	SettingURL = "url"
	// SecretToken is the optional bearer token.
	SecretToken = "token"
)

// Connector reads a sandbox account the way a connector reads a platform:
// it is a connector.Poller, run by ingest's poll loops like Mastodon (cursor
// in KV, one replica per source, backoff, 429 honoured, 401 parks).
type Connector struct {
	client   *http.Client
	pageSize int
	now      func() time.Time
}

// NewConnector returns the sandbox poller using client.
func NewConnector(client *http.Client) *Connector {
	return &Connector{client: client, pageSize: maxPageSize, now: time.Now}
}

// Name implements connector.Poller.
func (*Connector) Name() string { return NetworkName }

// RequiredSecrets implements connector.Poller: the token is optional.
func (*Connector) RequiredSecrets() []string { return nil }

// ValidateSource checks the URL setting and the account.
func (*Connector) ValidateSource(src connector.Source) error {
	u, err := url.Parse(src.Settings[SettingURL])
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("settings.%s must be the sandbox's base URL, e.g. http://127.0.0.1:8082", SettingURL)
	}
	if src.Account == "" {
		return fmt.Errorf("account is required: the sandbox account to read")
	}
	return nil
}

// Poll implements connector.Poller: the activity after the cursor (since_id).
func (c *Connector) Poll(ctx context.Context, src connector.Source, cursor string) (connector.Page, error) {
	if err := c.ValidateSource(src); err != nil {
		return connector.Page{}, err
	}
	q := url.Values{"limit": {strconv.Itoa(c.pageSize)}}
	if cursor != "" {
		q.Set("since_id", cursor)
	}
	u := fmt.Sprintf("%s/api/v1/accounts/%s/activity?%s", strings.TrimRight(src.Settings[SettingURL], "/"), url.PathEscape(src.Account), q.Encode())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return connector.Page{}, err
	}
	req.Header.Set("Accept", "application/json")
	if tok := src.Secrets[SecretToken]; tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return connector.Page{}, fmt.Errorf("poll sandbox: %w", err)
	}
	defer resp.Body.Close()
	if err := connector.StatusError(resp, c.now()); err != nil {
		return connector.Page{}, err
	}
	var page Page
	if err := json.NewDecoder(io.LimitReader(resp.Body, 16<<20)).Decode(&page); err != nil {
		return connector.Page{}, fmt.Errorf("decode sandbox page: %w", err)
	}
	out := connector.Page{Cursor: page.NextSinceID, More: page.HasMore}
	if out.Cursor == "" {
		out.Cursor = cursor
	}
	now := c.now().UTC()
	for i, raw := range page.Items {
		r, err := Normalize(raw, src.Brand, src.ID, now)
		if err != nil {
			// The item itself is not logged: it may hold personal data.
			out.Skipped = append(out.Skipped, connector.Skipped{Index: i, Reason: err.Error()})
			continue
		}
		out.Items = append(out.Items, r)
	}
	return out, nil
}
