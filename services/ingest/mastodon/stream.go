package mastodon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/coder/websocket"

	v1 "github.com/ruche-project/ruche/events/interaction/v1"
	"github.com/ruche-project/ruche/services/ingest/connector"
)

// StreamName is the streaming API's stream that Mastodon reads: the token's
// account's "user" stream, whose notifications bring mentions and whose
// status.update and delete events bring edits and deletions (its home
// timeline's "update" events are ignored). It needs the read:notifications
// and read:statuses scopes.
const StreamName = "user"

const (
	// mastodonFrameLimit bounds one WebSocket message (a notification with
	// its status and accounts).
	mastodonFrameLimit = 1 << 20
	// mastodonPingEvery: a connection that answers no ping is dead.
	mastodonPingEvery = 30 * time.Second
)

var _ connector.Streamer = (*Connector)(nil)

// Stream implements connector.Streamer: a WebSocket to the server's streaming API
// (its URL read from the instance API), the token in the Authorization
// header (never in a URL that could be logged), each mention notification
// pushed as it happens.
func (m *Connector) Stream(ctx context.Context, src connector.Source, connected func(), deliver func(connector.Page) error) error {
	if err := m.ValidateSource(src); err != nil {
		return err
	}
	base, err := m.streamingURL(ctx, src)
	if err != nil {
		return fmt.Errorf("mastodon streaming: %w", err)
	}
	conn, resp, err := websocket.Dial(ctx, base+"/api/v1/streaming?stream="+url.QueryEscape(StreamName), &websocket.DialOptions{
		HTTPClient: m.client,
		HTTPHeader: http.Header{"Authorization": {"Bearer " + src.Secrets[Token]}},
	})
	if err != nil {
		return mastodonDialError(resp, err, m.now())
	}
	defer conn.CloseNow()
	conn.SetReadLimit(mastodonFrameLimit)
	connected()
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go connector.KeepAlive(cctx, conn, mastodonPingEvery)
	host := mastodonHost(src)
	for {
		_, b, err := conn.Read(cctx)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("mastodon streaming: %w", err)
		}
		page, err := parseMastodonFrame(b, host, src, m.now().UTC())
		if err != nil {
			conn.Close(websocket.StatusNormalClosure, "")
			return err
		}
		if err := m.threaded(ctx, src, page.Items); err != nil {
			return err
		}
		if len(page.Items) > 0 || len(page.Skipped) > 0 || len(page.Updates) > 0 || len(page.Deletions) > 0 {
			if err := deliver(page); err != nil {
				return err
			}
		}
	}
}

// mastodonDialError classifies a refused WebSocket handshake: no streaming
// at that address (404, an answer that is not an upgrade), refused token,
// rate limit, or a failure worth a reconnection.
func mastodonDialError(resp *http.Response, err error, now time.Time) error {
	if resp == nil {
		return fmt.Errorf("mastodon streaming: %w", err)
	}
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusTooManyRequests:
		return fmt.Errorf("mastodon streaming: %w", connector.StatusError(resp, now))
	case resp.StatusCode >= 500:
		return fmt.Errorf("mastodon streaming: server answered HTTP %d", resp.StatusCode)
	}
	return fmt.Errorf("mastodon streaming: %w: HTTP %d", connector.ErrStreamUnavailable, resp.StatusCode)
}

// streamingURL is the base URL of the server's streaming API: the instance
// API says where it is (large servers stream from another host), else the
// server itself.
func (m *Connector) streamingURL(ctx context.Context, src connector.Source) (string, error) {
	var v2 struct {
		Configuration struct {
			URLs struct {
				Streaming string `json:"streaming"`
			} `json:"urls"`
		} `json:"configuration"`
	}
	_, err := m.get(ctx, src, "/api/v2/instance", nil, &v2)
	if err == nil && v2.Configuration.URLs.Streaming != "" {
		return streamingBase(v2.Configuration.URLs.Streaming)
	}
	if err != nil && !errors.Is(err, errMastodonNotFound) {
		return "", fmt.Errorf("instance: %w", err)
	}
	var legacy struct {
		URLs struct {
			StreamingAPI string `json:"streaming_api"`
		} `json:"urls"`
	}
	if _, err := m.get(ctx, src, "/api/v1/instance", nil, &legacy); err == nil && legacy.URLs.StreamingAPI != "" {
		return streamingBase(legacy.URLs.StreamingAPI)
	}
	return mastodonServer(src), nil
}

func streamingBase(s string) (string, error) {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || (u.Scheme != "wss" && u.Scheme != "ws" && u.Scheme != "https" && u.Scheme != "http") {
		return "", fmt.Errorf("%w: the instance names no usable streaming URL", connector.ErrStreamUnavailable)
	}
	return strings.TrimSuffix(u.Scheme+"://"+u.Host+u.Path, "/"), nil
}

// mastodonFrame is one message of the streaming API's WebSocket: an event
// whose payload is a JSON document encoded as a string, or an error (a
// subscription the server refused).
type mastodonFrame struct {
	Stream  []string        `json:"stream"`
	Event   string          `json:"event"`
	Payload json.RawMessage `json:"payload"`
	Error   string          `json:"error"`
}

// parseMastodonFrame reads one streaming frame: a mention notification is
// an item (source "stream", the event id a poll of it would get); other
// events are ignored; an unreadable frame is a skipped item. An error frame
// (the server refused the subscription) is an ErrStreamUnavailable.
func parseMastodonFrame(b []byte, host string, src connector.Source, now time.Time) (connector.Page, error) {
	var f mastodonFrame
	if err := json.Unmarshal(b, &f); err != nil {
		return connector.Page{Skipped: []connector.Skipped{{Index: -1, Reason: "malformed stream frame: " + err.Error()}}}, nil
	}
	if f.Error != "" {
		return connector.Page{}, fmt.Errorf("mastodon streaming: %w: %s", connector.ErrStreamUnavailable, connector.TruncateUTF8(f.Error, 200))
	}
	payload := []byte(f.Payload)
	var s string
	if json.Unmarshal(f.Payload, &s) == nil { // the documented form: a JSON string
		payload = []byte(s)
	}
	switch f.Event {
	case "notification":
	case "status.update":
		return mastodonEdit(payload, host, src, now), nil
	case "delete":
		return mastodonDeletion(s, host, src, now), nil
	default:
		return connector.Page{}, nil
	}
	_, r, err := mastodonMention(payload, host, src, now)
	switch {
	case err != nil:
		return connector.Page{Skipped: []connector.Skipped{{Index: -1, Reason: "malformed stream notification: " + err.Error()}}}, nil
	case r == nil:
		return connector.Page{}, nil
	}
	r.Source = v1.SourceStream
	return connector.Page{Items: []v1.Received{*r}}, nil
}

// mastodonEdit reads a status.update event (the edited status): an edit of
// the interaction it is, which ingest publishes only when it received it.
func mastodonEdit(payload []byte, host string, src connector.Source, now time.Time) connector.Page {
	var st mastodonStatus
	if err := json.Unmarshal(payload, &st); err != nil || st.ID == "" {
		return connector.Page{Skipped: []connector.Skipped{{Index: -1, Reason: "malformed stream status.update"}}}
	}
	u, err := mastodonUpdate(st, host, src, now, v1.SourceStream)
	if err != nil {
		return connector.Page{Skipped: []connector.Skipped{{Index: -1, Reason: "invalid stream status.update: " + err.Error()}}}
	}
	return connector.Page{Updates: []v1.Updated{u}}
}

// mastodonUpdate is the edit an edited status is (edited_at, else now).
func mastodonUpdate(st mastodonStatus, host string, src connector.Source, now time.Time, source v1.Source) (v1.Updated, error) {
	r := mastodonInteraction(st, host, src, now)
	edited := now
	if st.EditedAt != nil {
		edited = st.EditedAt.UTC()
	}
	u := v1.Updated{ID: v1.UpdatedID(r.ID, r.Text), InteractionID: r.ID, Brand: src.Brand, Network: r.Network, Text: r.Text, Lang: r.Lang,
		EditedAt: edited, ReceivedAt: now, Source: source, SourceID: src.ID}
	return u, u.Validate()
}

// mastodonDeletion reads a delete event (the deleted status's id).
func mastodonDeletion(id, host string, src connector.Source, now time.Time) connector.Page {
	iid := v1.InteractionID("mastodon", host+"/"+id)
	d := v1.Deleted{ID: v1.DeletedID(iid), InteractionID: iid, Brand: src.Brand, Network: "mastodon", DeletedAt: now, ReceivedAt: now,
		Reason: "deleted on mastodon", Source: v1.SourceStream, SourceID: src.ID}
	if id == "" || d.Validate() != nil {
		return connector.Page{Skipped: []connector.Skipped{{Index: -1, Reason: "malformed stream delete"}}}
	}
	return connector.Page{Deletions: []v1.Deleted{d}}
}
