// Package mastodon reads a brand's account on any server speaking the
// Mastodon API: notifications polled and streamed, and the threads of its
// recent statuses.
package mastodon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	v1 "github.com/ruche-project/ruche/events/interaction/v1"
	"github.com/ruche-project/ruche/services/ingest/connector"
)

// Mastodon source secret and settings.
const (
	Token = "access_token"
	// MastodonServer is the setting holding the server's base URL.
	SettingServer = "server"
	mastodonLimit = 40
)

// Connector reads the brand's account on any server speaking the Mastodon
// API: mentions, replies that mention the account and direct messages from
// its notifications, polled and, when the server streams, pushed
// (stream.go); replies that do not mention it from the threads of
// its recent statuses (replies.go). Paging follows the Link header
// (rel="prev" carries the min_id of newer notifications); the cursor keeps
// that min_id and the replies sweep's state.
type Connector struct {
	client *http.Client
	now    func() time.Time

	mu       sync.Mutex
	accounts map[string]mastodonAccountID // by source id
	roots    map[string]string            // status → first status of its conversation
}

// New returns a poller using client (an outbound-guarded client in
// production).
func New(client *http.Client) *Connector {
	return &Connector{client: client, now: time.Now, accounts: map[string]mastodonAccountID{}, roots: map[string]string{}}
}

// Name implements connector.Poller.
func (*Connector) Name() string { return "mastodon" }

// RequiredSecrets implements connector.Poller.
func (*Connector) RequiredSecrets() []string { return []string{Token} }

// ValidateSource checks the server setting.
func (*Connector) ValidateSource(src connector.Source) error {
	u, err := url.Parse(src.Settings[SettingServer])
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Path != "" && u.Path != "/" {
		return fmt.Errorf("settings.%s must be the server's base URL, e.g. https://piaille.fr", SettingServer)
	}
	return nil
}

type mastodonAccount struct {
	ID             string     `json:"id"`
	Acct           string     `json:"acct"`
	DisplayName    string     `json:"display_name"`
	FollowersCount int64      `json:"followers_count"`
	CreatedAt      *time.Time `json:"created_at"`
}

type mastodonStatus struct {
	ID                 string          `json:"id"`
	CreatedAt          time.Time       `json:"created_at"`
	EditedAt           *time.Time      `json:"edited_at"`
	InReplyToID        *string         `json:"in_reply_to_id"`
	InReplyToAccountID *string         `json:"in_reply_to_account_id"`
	Visibility         string          `json:"visibility"`
	Language           *string         `json:"language"`
	URL                *string         `json:"url"`
	Content            string          `json:"content"`
	Account            mastodonAccount `json:"account"`
	Mentions           []struct {
		ID string `json:"id"`
	} `json:"mentions"`
	Media []struct {
		Type string `json:"type"`
		URL  string `json:"url"`
	} `json:"media_attachments"`
}

type mastodonNotification struct {
	ID     string          `json:"id"`
	Type   string          `json:"type"`
	Status *mastodonStatus `json:"status"`
}

// mastodonCursor is what a Mastodon source has read: the newest
// notification (the min_id of the next poll) and the replies sweep. A cursor
// stored by an older version is a bare notification id.
type mastodonCursor struct {
	MinID   string          `json:"min_id,omitempty"`
	Replies mastodonReplies `json:"replies,omitzero"`
}

func decodeMastodonCursor(cursor string) (mastodonCursor, []connector.Skipped) {
	if cursor != "" && strings.Trim(cursor, "0123456789") == "" {
		return mastodonCursor{MinID: cursor}, nil
	}
	var c mastodonCursor
	return c, connector.DecodeCursor(cursor, &c)
}

// Poll implements connector.Poller: the notifications after the cursor (min_id) and,
// once they are caught up, a step of the replies sweep when it is due.
func (m *Connector) Poll(ctx context.Context, src connector.Source, cursor string) (connector.Page, error) {
	c, notes := decodeMastodonCursor(cursor)
	q := url.Values{}
	if c.MinID != "" {
		q.Set("min_id", c.MinID)
	}
	page, link, err := m.fetch(ctx, src, q)
	if err != nil {
		return connector.Page{}, err
	}
	page.Skipped = append(notes, page.Skipped...)
	if err := m.threaded(ctx, src, page.Items); err != nil {
		return connector.Page{}, err
	}
	for _, id := range page.ids {
		if laterID(id, c.MinID) {
			c.MinID = id
		}
	}
	if prev := linkParam(link, "prev", "min_id"); prev != "" && laterID(prev, c.MinID) {
		c.MinID = prev
	}
	if !page.More {
		replies, err := m.repliesStep(ctx, src, &c.Replies)
		if err != nil {
			return connector.Page{}, err
		}
		page.Items = append(page.Items, replies.Items...)
		page.Updates = append(page.Updates, replies.Updates...)
		page.Skipped = append(page.Skipped, replies.Skipped...)
		page.More = replies.More
	}
	page.Cursor = connector.EncodeCursor(c)
	return page.Page, nil
}

// Backfill implements connector.Backfiller: older notifications (max_id)
// down to since, then the threads of the period (backfill.go), so that a
// reply without a mention missed during an outage comes back too.
func (m *Connector) Backfill(ctx context.Context, src connector.Source, since time.Time, cursor string) (connector.Page, error) {
	b, notes := decodeBackfill(cursor)
	if b.Threads {
		page, err := m.backfillThreads(ctx, src, since, &b)
		page.Skipped = append(notes, page.Skipped...)
		page.Cursor = connector.EncodeCursor(b)
		return page, err
	}
	q := url.Values{}
	if b.MaxID != "" {
		q.Set("max_id", b.MaxID)
	}
	page, link, err := m.fetch(ctx, src, q)
	if err != nil {
		return connector.Page{}, err
	}
	page.Skipped = append(notes, page.Skipped...)
	kept := page.Items[:0]
	reached := false
	for _, r := range page.Items {
		if r.CreatedAt.Before(since) {
			reached = true
			continue
		}
		kept = append(kept, r)
	}
	page.Items = kept
	if err := m.threaded(ctx, src, page.Items); err != nil {
		return connector.Page{}, err
	}
	next := linkParam(link, "next", "max_id")
	if next == "" {
		for _, id := range page.ids {
			if next == "" || laterID(next, id) {
				next = id
			}
		}
	}
	b.MaxID = next
	if !page.More || reached || next == "" { // notifications done: threads next
		b = mastodonBackfill{Threads: true}
	}
	page.Cursor = connector.EncodeCursor(b)
	page.More = true
	return page.Page, nil
}

type mastodonPage struct {
	connector.Page
	ids []string // every notification id of the page, readable or not
}

// fetch reads one page of mention notifications with the extra query q.
func (m *Connector) fetch(ctx context.Context, src connector.Source, q url.Values) (mastodonPage, string, error) {
	if err := m.ValidateSource(src); err != nil {
		return mastodonPage{}, "", err
	}
	q.Set("types[]", "mention")
	q.Set("limit", fmt.Sprint(mastodonLimit))
	var raws []json.RawMessage
	h, err := m.get(ctx, src, "/api/v1/notifications", q, &raws)
	if err != nil {
		return mastodonPage{}, "", fmt.Errorf("mastodon notifications: %w", err)
	}
	host := mastodonHost(src)
	out := mastodonPage{Page: connector.Page{More: len(raws) == mastodonLimit}}
	now := m.now().UTC()
	for i, raw := range raws {
		id, r, err := mastodonMention(raw, host, src, now)
		if id != "" {
			out.ids = append(out.ids, id)
		}
		switch {
		case err != nil:
			out.Skipped = append(out.Skipped, connector.Skipped{Index: i, Reason: err.Error()})
		case r != nil:
			out.Items = append(out.Items, *r)
		}
	}
	return out, h.Get("Link"), nil
}

// Answers of the Mastodon API that some calls handle themselves. A 403 is
// still a refused credential for the others.
var (
	errMastodonForbidden = fmt.Errorf("%w: HTTP 403, outside the token's scopes", connector.ErrUnauthorized)
	errMastodonNotFound  = errors.New("not found (HTTP 404)")
)

// get reads one JSON answer of the source's server into v.
func (m *Connector) get(ctx context.Context, src connector.Source, path string, q url.Values, v any) (http.Header, error) {
	u := mastodonServer(src) + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+src.Secrets[Token])
	req.Header.Set("Accept", "application/json")
	resp, err := m.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusForbidden:
		return nil, errMastodonForbidden
	case http.StatusNotFound:
		return nil, errMastodonNotFound
	}
	if err := connector.StatusError(resp, m.now()); err != nil {
		return nil, err
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 16<<20)).Decode(v); err != nil {
		return nil, fmt.Errorf("malformed page: %w", err)
	}
	return resp.Header, nil
}

func mastodonServer(src connector.Source) string {
	return strings.TrimSuffix(src.Settings[SettingServer], "/")
}

// mastodonHost is the server's host, the prefix of platform ids: a status
// streamed, polled or found in a thread gets the same event id.
func mastodonHost(src connector.Source) string { return connector.HostOf(mastodonServer(src)) }

// mastodonMention reads one notification, polled or streamed: its id when
// readable, and the interaction when it is a mention (nil otherwise).
func mastodonMention(raw []byte, host string, src connector.Source, now time.Time) (string, *v1.Received, error) {
	var n mastodonNotification
	if err := json.Unmarshal(raw, &n); err != nil {
		return "", nil, err
	}
	if n.Type != "mention" || n.Status == nil {
		return n.ID, nil, nil
	}
	r := mastodonInteraction(*n.Status, host, src, now)
	if err := r.Validate(); err != nil {
		return n.ID, nil, err
	}
	return n.ID, &r, nil
}

func mastodonInteraction(s mastodonStatus, host string, src connector.Source, now time.Time) v1.Received {
	r := v1.Received{
		Brand: src.Brand, Network: "mastodon", Account: src.Account, Kind: v1.KindMention,
		PlatformID: host + "/" + s.ID, Text: connector.HTMLText(s.Content), CreatedAt: s.CreatedAt.UTC(), ReceivedAt: now,
		Source: v1.SourcePoll, SourceID: src.ID,
		Author: v1.Author{ID: host + "/" + s.Account.ID, Handle: "@" + s.Account.Acct, DisplayName: s.Account.DisplayName, Followers: s.Account.FollowersCount},
	}
	if s.Account.ID == "" {
		r.Author.ID = ""
	}
	if s.Account.CreatedAt != nil {
		at := s.Account.CreatedAt.UTC()
		r.Author.CreatedAt = &at
	}
	r.ID = v1.InteractionID(r.Network, r.PlatformID)
	if s.InReplyToID != nil {
		r.ParentID = host + "/" + *s.InReplyToID
		if s.InReplyToAccountID != nil && *s.InReplyToAccountID == src.Account {
			r.Kind = v1.KindReply
		}
	}
	if s.Visibility == "direct" {
		r.Kind = v1.KindDM
	}
	if s.Language != nil {
		r.Lang = *s.Language
	}
	if s.URL != nil {
		r.URL = *s.URL
	}
	for _, m := range s.Media {
		r.Media = append(r.Media, v1.Media{Type: m.Type, URL: m.URL})
	}
	return r
}

// laterID compares Mastodon ids (decimal strings of growing value).
func laterID(a, b string) bool {
	if len(a) != len(b) {
		return len(a) > len(b)
	}
	return a > b
}

var linkRe = regexp.MustCompile(`<([^>]+)>\s*;\s*rel="?([a-z]+)"?`)

// linkParam returns the query parameter param of the Link header's rel link.
func linkParam(header, rel, param string) string {
	for _, m := range linkRe.FindAllStringSubmatch(header, -1) {
		if m[2] != rel {
			continue
		}
		if u, err := url.Parse(m[1]); err == nil {
			return u.Query().Get(param)
		}
	}
	return ""
}
