// Package bluesky polls a brand's Bluesky notifications over the AT Protocol.
package bluesky

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	v1 "github.com/ruche-project/ruche/events/interaction/v1"
	"github.com/ruche-project/ruche/services/ingest/connector"
)

// Bluesky source settings and secrets.
const (
	// BlueskyService is the setting holding the base URL of the account's
	// PDS or entryway (BlueskyDefaultService when unset).
	SettingService = "service"
	// BlueskyIdentifier is the secret holding the account's handle, DID or
	// e-mail address.
	Identifier = "identifier"
	// BlueskyAppPassword is the secret holding an app password (Bluesky:
	// Settings → Privacy and security → App passwords), never the account's
	// own password.
	AppPassword = "app_password"
	// BlueskyDefaultService is where accounts hosted by Bluesky log in.
	DefaultService = "https://bsky.social"
	// BlueskyPageSize is the limit asked of listNotifications (1 to 100).
	PageSize = 50
)

// blueskyReasons are the notifications that are interactions to moderate
// and answer; likes, reposts and follows are not.
var blueskyReasons = map[string]v1.Kind{"reply": v1.KindReply, "mention": v1.KindMention, "quote": v1.KindQuote}

// Connector polls the notifications of the brand's account over the AT
// Protocol (app.bsky.notification.listNotifications): replies, mentions and
// quotes. It logs in with an app password (com.atproto.server.createSession)
// and keeps the session in memory, per source: the access token is
// refreshed (refreshSession) when the server says it expired, and a new
// session is opened when the refresh token is refused too. Only a refused
// app password stops the source (ErrUnauthorized).
//
// listNotifications has no "since": it lists newest first and pages towards
// older ones. The cursor is a NewestFirst (the newest indexedAt delivered,
// plus the page token while a backlog is read), so each poll yields only
// what is new. Ruche does not call updateSeen: the brand's "read" state in
// the Bluesky app stays the community manager's.
type Connector struct {
	client *http.Client
	now    func() time.Time

	mu       sync.Mutex
	sessions map[string]*blueskySession // by source id
	watches  map[string]*authorWatch    // by source id
}

// blueskySession is one source's session; its lock also serialises the
// polls of that source (a restarted loop may overlap the old one briefly).
type blueskySession struct {
	mu      sync.Mutex
	key     [32]byte // the service and credentials it was opened with
	access  string
	refresh string
}

// New returns a poller using client (an outbound-guarded client in
// production).
func New(client *http.Client) *Connector {
	return &Connector{client: client, now: time.Now, sessions: map[string]*blueskySession{}, watches: map[string]*authorWatch{}}
}

// Name implements connector.Poller.
func (*Connector) Name() string { return "bluesky" }

// RequiredSecrets implements connector.Poller.
func (*Connector) RequiredSecrets() []string {
	return []string{Identifier, AppPassword}
}

// ValidateSource checks the service and jetstream settings.
func (*Connector) ValidateSource(src connector.Source) error {
	if err := baseURL(blueskyService(src)); err != nil {
		return fmt.Errorf("settings.%s must be the base URL of the account's server, e.g. %s", SettingService, DefaultService)
	}
	return validJetstream(jetstreamURL(src))
}

func blueskyService(src connector.Source) string {
	if s := strings.TrimSpace(src.Settings[SettingService]); s != "" {
		return strings.TrimSuffix(s, "/")
	}
	return DefaultService
}

// baseURL checks that s is an http(s) URL with a host and no path.
func baseURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Path != "" && u.Path != "/" || u.RawQuery != "" {
		return errors.New("not a base URL")
	}
	return nil
}

// blueskyCursor is the cursor stored between polls: how far the
// notifications were read, and the recent interactions the sweep reads
// again for edits and deletions.
type blueskyCursor struct {
	connector.NewestFirst
	sweepState
}

// Poll implements connector.Poller: the replies, mentions and quotes newer than the
// cursor, a page at a time.
func (b *Connector) Poll(ctx context.Context, src connector.Source, cursor string) (connector.Page, error) {
	if err := b.ValidateSource(src); err != nil {
		return connector.Page{}, err
	}
	var c blueskyCursor
	notes := connector.DecodeCursor(cursor, &c)
	p, err := b.list(ctx, src, c.Next)
	if err != nil {
		return connector.Page{}, err
	}
	out := connector.Page{Skipped: append(notes, p.Skipped...)}
	stamps := make([]connector.Stamp, 0, len(p.Notes))
	for _, n := range p.Notes {
		stamps = append(stamps, connector.Stamp{At: n.IndexedAt, ID: n.URI})
		if !c.Fresh(n.IndexedAt, n.URI) {
			continue // delivered, or reported, at an earlier poll
		}
		if n.Item != nil {
			out.Items = append(out.Items, *n.Item)
		}
		if n.Skip != nil {
			out.Skipped = append(out.Skipped, *n.Skip)
		}
	}
	out.More = c.Read(stamps, p.Cursor)
	if !out.More { // not in the middle of a backlog
		b.sweep(ctx, src, &c, &out)
	}
	c.remember(p.Notes, out.Items, b.now().UTC())
	b.watch(src).add(authorDIDs(out.Items, c.Watch), b.now().UTC())
	out.Cursor = connector.EncodeCursor(c)
	return out, nil
}

// Backfill implements connector.Backfiller: older notifications, page by page (the
// cursor is listNotifications' own), down to since.
func (b *Connector) Backfill(ctx context.Context, src connector.Source, since time.Time, cursor string) (connector.Page, error) {
	if err := b.ValidateSource(src); err != nil {
		return connector.Page{}, err
	}
	p, err := b.list(ctx, src, cursor)
	if err != nil {
		return connector.Page{}, err
	}
	out := connector.Page{Skipped: p.Skipped, Cursor: p.Cursor}
	reached := false
	for _, n := range p.Notes {
		if n.IndexedAt.Before(since) {
			reached = true
		}
		if n.Skip != nil {
			out.Skipped = append(out.Skipped, *n.Skip)
		}
		if n.Item != nil && !n.Item.CreatedAt.Before(since) {
			out.Items = append(out.Items, *n.Item)
		}
	}
	out.More = p.Cursor != "" && !reached && len(p.Notes) > 0
	b.watch(src).add(authorDIDs(out.Items, nil), b.now().UTC())
	return out, nil
}

// list reads one page of notifications (token "" = the newest).
func (b *Connector) list(ctx context.Context, src connector.Source, token string) (blueskyPage, error) {
	q := url.Values{}
	q.Set("limit", fmt.Sprint(PageSize))
	for _, r := range []string{"mention", "quote", "reply"} {
		q.Add("reasons", r)
	}
	if token != "" {
		q.Set("cursor", token)
	}
	body, err := b.call(ctx, src, "app.bsky.notification.listNotifications", q)
	if err != nil {
		return blueskyPage{}, err
	}
	return parseBlueskyPage(body, src, b.now().UTC())
}

// call makes an XRPC query with the source's session.
func (b *Connector) call(ctx context.Context, src connector.Source, nsid string, q url.Values) ([]byte, error) {
	s := b.session(src)
	s.mu.Lock()
	defer s.mu.Unlock()
	return b.query(ctx, src, s, nsid, q)
}

func (b *Connector) session(src connector.Source) *blueskySession {
	key := sha256.Sum256([]byte(blueskyService(src) + "\x00" + src.Secrets[Identifier] + "\x00" + src.Secrets[AppPassword]))
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.sessions[src.ID]
	if s == nil || s.key != key { // a new source, or new credentials
		s = &blueskySession{key: key}
		b.sessions[src.ID] = s
	}
	return s
}

// errBlueskyExpired means the server refused the access token as expired or
// invalid: refresh the session and try again.
var errBlueskyExpired = errors.New("bluesky session expired")

// query calls an XRPC query with the session, opening it if needed; when
// the access token is refused it renews the session and retries once.
func (b *Connector) query(ctx context.Context, src connector.Source, s *blueskySession, nsid string, q url.Values) ([]byte, error) {
	if s.access == "" {
		if err := b.login(ctx, src, s); err != nil {
			return nil, err
		}
	}
	body, err := b.xrpc(ctx, src, http.MethodGet, nsid+"?"+q.Encode(), s.access, nil)
	if !errors.Is(err, errBlueskyExpired) {
		return body, err
	}
	if err := b.renew(ctx, src, s); err != nil {
		return nil, err
	}
	body, err = b.xrpc(ctx, src, http.MethodGet, nsid+"?"+q.Encode(), s.access, nil)
	if errors.Is(err, errBlueskyExpired) {
		s.access = ""
		return nil, fmt.Errorf("%w: bluesky refused a fresh session: %v", connector.ErrUnauthorized, err)
	}
	return body, err
}

type blueskySessionResp struct {
	AccessJwt  string `json:"accessJwt"`
	RefreshJwt string `json:"refreshJwt"`
	DID        string `json:"did"`
}

// login opens a session with the identifier and app password.
func (b *Connector) login(ctx context.Context, src connector.Source, s *blueskySession) error {
	in, _ := json.Marshal(map[string]string{"identifier": src.Secrets[Identifier], "password": src.Secrets[AppPassword]})
	body, err := b.xrpc(ctx, src, http.MethodPost, "com.atproto.server.createSession", "", in)
	if errors.Is(err, errBlueskyExpired) || errors.Is(err, errBlueskyRequest) {
		// 400/401 on a login: the identifier or app password are refused
		// (or the account is taken down); only an update helps.
		return &connector.RefusedError{Fix: "bluesky: the app password was refused; create a new one (Bluesky: Settings → Privacy and security → App passwords) " +
			"and update the source's " + AppPassword + " secret, with the account's handle, DID or e-mail as " + Identifier}
	}
	if err != nil {
		return err
	}
	return s.set(body)
}

// renew refreshes the session with the refresh token, or opens a new one
// when the refresh token is refused too (it expires after weeks).
func (b *Connector) renew(ctx context.Context, src connector.Source, s *blueskySession) error {
	s.access = ""
	if s.refresh != "" {
		body, err := b.xrpc(ctx, src, http.MethodPost, "com.atproto.server.refreshSession", s.refresh, nil)
		switch {
		case err == nil:
			return s.set(body)
		case !errors.Is(err, errBlueskyExpired) && !errors.Is(err, errBlueskyRequest):
			return err // 429, 5xx, network: the session may still be good
		}
		s.refresh = ""
	}
	return b.login(ctx, src, s)
}

func (s *blueskySession) set(body []byte) error {
	var r blueskySessionResp
	if err := json.Unmarshal(body, &r); err != nil || r.AccessJwt == "" || r.RefreshJwt == "" {
		return errors.New("bluesky session: malformed answer")
	}
	s.access, s.refresh = r.AccessJwt, r.RefreshJwt
	return nil
}

// errBlueskyRequest is any other 400 answer (XRPC InvalidRequest...).
var errBlueskyRequest = errors.New("bluesky refused the request")

// xrpc makes one XRPC call and classifies its answer: 401 and 400
// ExpiredToken/InvalidToken are errBlueskyExpired, 429 a
// *RateLimitedError (RateLimit-Reset), other 400 errBlueskyRequest.
func (b *Connector) xrpc(ctx context.Context, src connector.Source, method, path, token string, in []byte) ([]byte, error) {
	var rd io.Reader
	if in != nil {
		rd = bytes.NewReader(in)
	}
	req, err := http.NewRequestWithContext(ctx, method, blueskyService(src)+"/xrpc/"+path, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	nsid, _, _ := strings.Cut(path, "?")
	resp, err := b.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("bluesky %s: %w", nsid, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, fmt.Errorf("bluesky %s: %w", nsid, err)
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return body, nil
	}
	var xe struct {
		Error   string `json:"error"`
		Message string `json:"message"`
	}
	_ = json.Unmarshal(body, &xe)
	why := strings.TrimSpace(xe.Error + " " + xe.Message)
	switch {
	case resp.StatusCode == http.StatusUnauthorized,
		resp.StatusCode == http.StatusBadRequest && (xe.Error == "ExpiredToken" || xe.Error == "InvalidToken"):
		return nil, fmt.Errorf("%w: %s: HTTP %d %s", errBlueskyExpired, nsid, resp.StatusCode, why)
	case resp.StatusCode == http.StatusBadRequest:
		return nil, fmt.Errorf("%w: %s: %s", errBlueskyRequest, nsid, why)
	case resp.StatusCode == http.StatusNotImplemented || resp.StatusCode == http.StatusNotFound:
		// An AppView (api.bsky.app) or a site that is no PDS at all:
		// no login and no notifications of the account there.
		return nil, &connector.RefusedError{Fix: fmt.Sprintf("bluesky: %s does not serve %s (HTTP %d): settings.%s must be the account's PDS, "+
			"%s for an account hosted by Bluesky, not an AppView such as https://api.bsky.app", blueskyService(src), nsid, resp.StatusCode, SettingService, DefaultService)}
	}
	return nil, fmt.Errorf("bluesky %s: %w", nsid, connector.StatusError(resp, b.now()))
}

type blueskyRef struct {
	URI string `json:"uri"`
}

type blueskyNotification struct {
	URI    string `json:"uri"`
	CID    string `json:"cid"`
	Author struct {
		DID          string `json:"did"`
		Handle       string `json:"handle"`
		DisplayName  string `json:"displayName"`
		Verification *struct {
			VerifiedStatus string `json:"verifiedStatus"`
		} `json:"verification"`
	} `json:"author"`
	Reason        string `json:"reason"`
	ReasonSubject string `json:"reasonSubject"`
	Record        struct {
		Text      string   `json:"text"`
		CreatedAt string   `json:"createdAt"`
		Langs     []string `json:"langs"`
		Reply     *struct {
			Root   blueskyRef `json:"root"`
			Parent blueskyRef `json:"parent"`
		} `json:"reply"`
	} `json:"record"`
	IndexedAt string `json:"indexedAt"`
}

// blueskyNote is a notification of a page: its stamp, and the interaction
// when it is one (nil for another reason) or why it could not be read.
type blueskyNote struct {
	URI       string
	CID       string // the version of the record notified
	IndexedAt time.Time
	Item      *v1.Received
	Skip      *connector.Skipped
}

type blueskyPage struct {
	Notes   []blueskyNote
	Skipped []connector.Skipped
	Cursor  string
}

// parseBlueskyPage reads a listNotifications answer; a notification that
// cannot be read is skipped, the rest kept.
func parseBlueskyPage(body []byte, src connector.Source, now time.Time) (blueskyPage, error) {
	var resp struct {
		Cursor        string            `json:"cursor"`
		Notifications []json.RawMessage `json:"notifications"`
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		return blueskyPage{}, fmt.Errorf("bluesky notifications: malformed page: %w", err)
	}
	out := blueskyPage{Cursor: resp.Cursor}
	for i, raw := range resp.Notifications {
		var head struct {
			URI       string `json:"uri"`
			IndexedAt string `json:"indexedAt"`
		}
		_ = json.Unmarshal(raw, &head)
		indexed, err := time.Parse(time.RFC3339Nano, head.IndexedAt)
		if err != nil || head.URI == "" {
			out.Skipped = append(out.Skipped, connector.Skipped{Index: i, Reason: "notification without uri or indexedAt"})
			continue
		}
		note := blueskyNote{URI: head.URI, IndexedAt: indexed.UTC()}
		var n blueskyNotification
		if err := json.Unmarshal(raw, &n); err != nil {
			note.Skip = &connector.Skipped{Index: i, Reason: err.Error()}
			out.Notes = append(out.Notes, note)
			continue
		}
		note.CID = n.CID
		if kind, ok := blueskyReasons[n.Reason]; ok {
			r := blueskyInteraction(n, kind, note.IndexedAt, src, now)
			if err := r.Validate(); err != nil {
				note.Skip = &connector.Skipped{Index: i, Reason: err.Error()}
			} else {
				note.Item = &r
			}
		}
		out.Notes = append(out.Notes, note)
	}
	return out, nil
}

func blueskyInteraction(n blueskyNotification, kind v1.Kind, indexed time.Time, src connector.Source, now time.Time) v1.Received {
	r := v1.Received{
		Brand: src.Brand, Network: "bluesky", Account: src.Account, Kind: kind,
		PlatformID: n.URI, Text: n.Record.Text, CreatedAt: indexed, ReceivedAt: now,
		Source: v1.SourcePoll, SourceID: src.ID,
		Author: v1.Author{ID: n.Author.DID, DisplayName: n.Author.DisplayName},
	}
	r.ID = v1.InteractionID(r.Network, r.PlatformID)
	if n.Author.Handle != "" {
		r.Author.Handle = "@" + n.Author.Handle
	}
	r.Author.Verified = n.Author.Verification != nil && n.Author.Verification.VerifiedStatus == "valid"
	// The record's createdAt is the author's clock: kept unless unreadable
	// or later than when the network saw the post.
	if t, err := time.Parse(time.RFC3339Nano, n.Record.CreatedAt); err == nil && !t.After(indexed) {
		r.CreatedAt = t.UTC()
	}
	if len(n.Record.Langs) > 0 {
		r.Lang = n.Record.Langs[0]
	}
	if n.Record.Reply != nil {
		r.ThreadID, r.ParentID = n.Record.Reply.Root.URI, n.Record.Reply.Parent.URI
		// A reply to the brand's post that also mentions the brand is
		// notified as a mention; it is a reply, as on every network.
		if did, _, ok := blueskyPostKey(r.ParentID); ok && kind == v1.KindMention && src.Account != "" && did == src.Account {
			r.Kind = v1.KindReply
		}
	}
	if n.Reason == "quote" && r.ParentID == "" {
		r.ParentID = n.ReasonSubject // the brand's post being quoted
	}
	if did, rkey, ok := blueskyPostKey(n.URI); ok {
		r.URL = "https://bsky.app/profile/" + did + "/post/" + rkey
	}
	return r
}

// blueskyPostKey splits at://<did>/app.bsky.feed.post/<rkey>.
func blueskyPostKey(uri string) (did, rkey string, ok bool) {
	rest, ok := strings.CutPrefix(uri, "at://")
	if !ok {
		return "", "", false
	}
	parts := strings.Split(rest, "/")
	if len(parts) != 3 || parts[1] != "app.bsky.feed.post" || parts[0] == "" || parts[2] == "" {
		return "", "", false
	}
	return parts[0], parts[2], true
}
