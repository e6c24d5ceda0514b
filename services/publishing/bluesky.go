package publishing

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	publishv1 "github.com/ruche-project/ruche/events/publish/v1"
)

// Bluesky publishes through an atproto PDS (account setting "url", default
// https://bsky.social; handle and an app password as token). Posts and
// replies are app.bsky.feed.post records created with a deterministic rkey
// (a TID from the first attempt's time and the idempotency key), so a retry
// can never make a second post, and reconciliation reads the record back
// (com.atproto.repo.getRecord). Links become facets. Hiding a reply is the
// thread's threadgate (hiddenReplies), which only the thread's author — the
// brand — can write; delete is deleteRecord.
type Bluesky struct {
	endpoint

	mu       sync.Mutex
	sessions map[string]blueskySession // by account key
}

type blueskySession struct {
	DID       string `json:"did"`
	Handle    string `json:"handle"`
	AccessJwt string `json:"accessJwt"`
}

// NewBluesky returns the Bluesky connector.
func NewBluesky(client *http.Client) *Bluesky {
	return &Bluesky{endpoint: newEndpoint(client), sessions: map[string]blueskySession{}}
}

// Name implements Network.
func (*Bluesky) Name() string { return "bluesky" }

const (
	bskyPost       = "app.bsky.feed.post"
	bskyThreadgate = "app.bsky.feed.threadgate"
)

func pds(acct Account) string {
	if u := acct.Settings[SettingURL]; u != "" {
		return strings.TrimRight(u, "/")
	}
	return "https://bsky.social"
}

// xrpc calls one XRPC method with the account's session, creating it (and
// creating it again once when the network says it expired).
func (b *Bluesky) xrpc(ctx context.Context, acct Account, method, nsid string, params url.Values, body, out any) error {
	u := pds(acct) + "/xrpc/" + nsid
	if len(params) > 0 {
		u += "?" + params.Encode()
	}
	data, err := b.authorized(ctx, acct, func() (*http.Request, error) { return jsonRequest(method, u, body) })
	if err != nil || out == nil {
		return err
	}
	return decodeBody(data, out)
}

// authorized sends the request newReq makes with the account's session,
// creating it (and creating it again once when the network says it
// expired).
func (b *Bluesky) authorized(ctx context.Context, acct Account, newReq func() (*http.Request, error)) ([]byte, error) {
	for try := 0; ; try++ {
		sess, err := b.session(ctx, acct, try > 0)
		if err != nil {
			return nil, err
		}
		req, err := newReq()
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", "Bearer "+sess.AccessJwt)
		data, err := b.call(ctx, req, ParseXRPCError)
		var ne *NetworkError
		if errors.As(err, &ne) && (ne.Code == "ExpiredToken" || ne.Code == "InvalidToken") && try == 0 {
			continue
		}
		return data, err
	}
}

func (b *Bluesky) session(ctx context.Context, acct Account, renew bool) (blueskySession, error) {
	key := acct.Brand + "/" + acct.ID
	b.mu.Lock()
	s, ok := b.sessions[key]
	b.mu.Unlock()
	if ok && !renew {
		return s, nil
	}
	req, err := jsonRequest(http.MethodPost, pds(acct)+"/xrpc/com.atproto.server.createSession",
		map[string]string{"identifier": acct.Handle, "password": acct.Token})
	if err != nil {
		return s, err
	}
	data, err := b.call(ctx, req, ParseXRPCError)
	if err != nil {
		return s, err
	}
	if err := decodeBody(data, &s); err != nil {
		return s, err
	}
	if s.DID == "" || s.AccessJwt == "" {
		return s, &NetworkError{Code: "bad_response", Reason: "createSession answered no did or accessJwt"}
	}
	b.mu.Lock()
	b.sessions[key] = s
	b.mu.Unlock()
	return s, nil
}

type strongRef struct {
	URI string `json:"uri"`
	CID string `json:"cid"`
}

// Do implements Network.
func (b *Bluesky) Do(ctx context.Context, acct Account, a Action) (Result, error) {
	sess, err := b.session(ctx, acct, false)
	if err != nil {
		return Result{}, err
	}
	switch a.Kind {
	case publishv1.KindPost, publishv1.KindReply:
		rkey := TID(a.FirstSentAt, a.Key)
		record := map[string]any{"$type": bskyPost, "text": a.Text, "createdAt": a.FirstSentAt.UTC().Format(time.RFC3339Nano)}
		if a.Lang != "" {
			record["langs"] = []string{a.Lang}
		}
		mentions, err := b.mentionFacets(ctx, acct, a.Text)
		if err != nil {
			return Result{}, err
		}
		if f := append(linkFacets(a.Text), mentions...); len(f) > 0 {
			record["facets"] = f
		}
		if len(a.MediaRefs) > 0 {
			images := make([]map[string]any, len(a.MediaRefs))
			for i, ref := range a.MediaRefs {
				images[i] = map[string]any{"alt": a.Media[i].AltText, "image": json.RawMessage(ref)}
			}
			record["embed"] = map[string]any{"$type": "app.bsky.embed.images", "images": images}
		}
		if a.Kind == publishv1.KindReply {
			parent, root, err := b.replyRefs(ctx, acct, a.TargetID)
			if err != nil {
				return Result{}, err
			}
			record["reply"] = map[string]strongRef{"root": root, "parent": parent}
		}
		var ref strongRef
		err = b.xrpc(ctx, acct, http.MethodPost, "com.atproto.repo.createRecord", nil,
			map[string]any{"repo": sess.DID, "collection": bskyPost, "rkey": rkey, "record": record}, &ref)
		if err != nil {
			return Result{}, err
		}
		return Result{PlatformID: ref.URI, URL: postURL(sess.Handle, rkey)}, nil
	case publishv1.KindDelete:
		repo, coll, rkey, err := parseATURI(a.TargetID)
		if err != nil {
			return Result{}, err
		}
		err = b.xrpc(ctx, acct, http.MethodPost, "com.atproto.repo.deleteRecord", nil, map[string]string{"repo": repo, "collection": coll, "rkey": rkey}, nil)
		return Result{PlatformID: a.TargetID}, err
	case publishv1.KindHide, publishv1.KindUnhide:
		return Result{PlatformID: a.TargetID}, b.gate(ctx, acct, sess, a)
	}
	return Result{}, Unsupported("bluesky", a.Kind, "unknown action")
}

// UploadMedia implements MediaUploader: com.atproto.repo.uploadBlob with
// the file as the body; the reference kept is the blob object the PDS
// answers, embedded as is in the post's app.bsky.embed.images (alt text
// beside it). The PDS enforces an image's limit (1,000,000 bytes) when the
// post references it: createRecord answers BlobTooLarge. Video goes
// through Bluesky's video service, which publishing does not speak yet: a
// video is refused, saying so. An unreferenced blob is deleted by the PDS
// within minutes, so a lost answer leaves nothing visible.
func (b *Bluesky) UploadMedia(ctx context.Context, acct Account, f MediaFile, _ string) (string, error) {
	if f.Kind == "video" {
		return "", Unsupported("bluesky", publishv1.KindPost, "publishing uploads images to Bluesky, not videos (app.bsky.embed.video needs Bluesky's video service)")
	}
	data, err := b.authorized(ctx, acct, func() (*http.Request, error) {
		req, err := http.NewRequest(http.MethodPost, pds(acct)+"/xrpc/com.atproto.repo.uploadBlob", bytes.NewReader(f.Data))
		if err == nil {
			req.Header.Set("Content-Type", f.Type)
		}
		return req, err
	})
	if err != nil {
		return "", err
	}
	var out struct {
		Blob json.RawMessage `json:"blob"`
	}
	if err := decodeBody(data, &out); err != nil {
		return "", err
	}
	if len(out.Blob) == 0 || !json.Valid(out.Blob) || out.Blob[0] != '{' {
		return "", &NetworkError{Code: "bad_response", Reason: "uploadBlob answered no blob"}
	}
	return string(out.Blob), nil
}

// replyRefs reads the parent post to answer and the root of its thread.
func (b *Bluesky) replyRefs(ctx context.Context, acct Account, parentURI string) (parent, root strongRef, err error) {
	repo, coll, rkey, err := parseATURI(parentURI)
	if err != nil {
		return parent, root, err
	}
	var rec struct {
		URI   string `json:"uri"`
		CID   string `json:"cid"`
		Value struct {
			Reply *struct {
				Root strongRef `json:"root"`
			} `json:"reply"`
		} `json:"value"`
	}
	if err := b.xrpc(ctx, acct, http.MethodGet, "com.atproto.repo.getRecord", url.Values{"repo": {repo}, "collection": {coll}, "rkey": {rkey}}, nil, &rec); err != nil {
		return parent, root, err
	}
	parent = strongRef{URI: rec.URI, CID: rec.CID}
	root = parent
	if rec.Value.Reply != nil && rec.Value.Reply.Root.URI != "" {
		root = rec.Value.Reply.Root
	}
	return parent, root, nil
}

// gate adds (hide) or removes (unhide) a reply in its thread's threadgate
// hiddenReplies, with a compare-and-swap on the gate's cid.
func (b *Bluesky) gate(ctx context.Context, acct Account, sess blueskySession, a Action) error {
	_, root, err := b.replyRefs(ctx, acct, a.TargetID)
	if err != nil {
		return err
	}
	rootRepo, _, rootKey, err := parseATURI(root.URI)
	if err != nil {
		return err
	}
	if rootRepo != sess.DID {
		return &NetworkError{Code: "not_thread_author", Permanent: true,
			Reason: "Bluesky hides a reply only through the thread's threadgate, which only the thread's author can write; this thread is " + rootRepo + "'s"}
	}
	var gate struct {
		CID   string         `json:"cid"`
		Value map[string]any `json:"value"`
	}
	err = b.xrpc(ctx, acct, http.MethodGet, "com.atproto.repo.getRecord", url.Values{"repo": {sess.DID}, "collection": {bskyThreadgate}, "rkey": {rootKey}}, nil, &gate)
	var ne *NetworkError
	if errors.As(err, &ne) && ne.Code == "RecordNotFound" {
		gate.Value, err = map[string]any{"$type": bskyThreadgate, "post": root.URI, "createdAt": b.now().UTC().Format(time.RFC3339Nano)}, nil
	}
	if err != nil {
		return err
	}
	hidden := []string{}
	if raw, ok := gate.Value["hiddenReplies"].([]any); ok {
		for _, h := range raw {
			if s, ok := h.(string); ok && s != a.TargetID {
				hidden = append(hidden, s)
			}
		}
	}
	if a.Kind == publishv1.KindHide {
		hidden = append(hidden, a.TargetID)
	}
	gate.Value["hiddenReplies"] = hidden
	body := map[string]any{"repo": sess.DID, "collection": bskyThreadgate, "rkey": rootKey, "record": gate.Value}
	if gate.CID != "" {
		body["swapRecord"] = gate.CID
	}
	return b.xrpc(ctx, acct, http.MethodPost, "com.atproto.repo.putRecord", nil, body, nil)
}

// Find implements Network: the post's rkey is known, so is its record.
func (b *Bluesky) Find(ctx context.Context, acct Account, a Action) (Result, bool, error) {
	if a.Kind != publishv1.KindPost && a.Kind != publishv1.KindReply {
		return Result{}, false, ErrCannotFind
	}
	if a.FirstSentAt.IsZero() {
		return Result{}, false, nil // never sent
	}
	sess, err := b.session(ctx, acct, false)
	if err != nil {
		return Result{}, false, err
	}
	rkey := TID(a.FirstSentAt, a.Key)
	var ref strongRef
	err = b.xrpc(ctx, acct, http.MethodGet, "com.atproto.repo.getRecord", url.Values{"repo": {sess.DID}, "collection": {bskyPost}, "rkey": {rkey}}, nil, &ref)
	var ne *NetworkError
	switch {
	case errors.As(err, &ne) && ne.Code == "RecordNotFound":
		return Result{}, false, nil
	case err != nil:
		return Result{}, false, err
	}
	return Result{PlatformID: ref.URI, URL: postURL(sess.Handle, rkey)}, true, nil
}

func postURL(handle, rkey string) string {
	return "https://bsky.app/profile/" + handle + "/post/" + rkey
}

// parseATURI splits at://<repo>/<collection>/<rkey>.
func parseATURI(uri string) (repo, collection, rkey string, err error) {
	parts := strings.Split(strings.TrimPrefix(uri, "at://"), "/")
	if !strings.HasPrefix(uri, "at://") || len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		return "", "", "", &NetworkError{Code: "bad_target", Permanent: true, Reason: fmt.Sprintf("%q is not an at://repo/collection/rkey URI", uri)}
	}
	return parts[0], parts[1], parts[2], nil
}

// tidAlphabet is base32-sortable, as atproto TIDs use.
const tidAlphabet = "234567abcdefghijklmnopqrstuvwxyz"

// TID is the record key of a post first sent at t with idempotency key
// key: a valid atproto TID (53 bits of microseconds, 10 bits of clock id)
// whose clock id comes from the key, so every attempt uses the same rkey.
func TID(t time.Time, key string) string {
	sum := sha256.Sum256([]byte(key))
	clock := uint64(binary.BigEndian.Uint16(sum[:2])) & 0x3ff
	v := (uint64(t.UnixMicro())&(1<<53-1))<<10 | clock
	out := make([]byte, 13)
	for i := 12; i >= 0; i-- {
		out[i] = tidAlphabet[v&31]
		v >>= 5
	}
	return string(out)
}

var linkRE = regexp.MustCompile(`https?://[^\s<>"]+[^\s<>".,;:!?)\]]`)

// linkFacets marks the links of text (byte offsets, as atproto counts).
func linkFacets(text string) []map[string]any {
	var out []map[string]any
	for _, m := range linkRE.FindAllStringIndex(text, -1) {
		out = append(out, map[string]any{
			"index":    map[string]int{"byteStart": m[0], "byteEnd": m[1]},
			"features": []map[string]string{{"$type": "app.bsky.richtext.facet#link", "uri": text[m[0]:m[1]]}},
		})
	}
	return out
}

// mentionRE is atproto's mention of a handle: "@" and a domain name, at the
// start or after a space or an opening parenthesis (group 1 is the
// mention).
var mentionRE = regexp.MustCompile(`(?:^|[\s(])(@(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)`)

// mentionFacets marks the mentions of text whose handle resolves
// (com.atproto.identity.resolveHandle) with the account's DID; a handle
// that does not resolve stays plain text, as Bluesky's own app leaves it.
func (b *Bluesky) mentionFacets(ctx context.Context, acct Account, text string) ([]map[string]any, error) {
	var out []map[string]any
	for _, m := range mentionRE.FindAllStringSubmatchIndex(text, -1) {
		start, end := m[2], m[3]
		var r struct {
			DID string `json:"did"`
		}
		err := b.xrpc(ctx, acct, http.MethodGet, "com.atproto.identity.resolveHandle", url.Values{"handle": {text[start+1 : end]}}, nil, &r)
		var ne *NetworkError
		switch {
		case errors.As(err, &ne) && ne.Permanent && ne.Status == http.StatusBadRequest:
			continue // no such handle
		case err != nil:
			return nil, err
		case r.DID == "":
			continue
		}
		out = append(out, map[string]any{
			"index":    map[string]int{"byteStart": start, "byteEnd": end},
			"features": []map[string]string{{"$type": "app.bsky.richtext.facet#mention", "did": r.DID}},
		})
	}
	return out, nil
}

// ParseXRPCError reads an XRPC error body: {"error": "InvalidRequest",
// "message": "..."}.
func ParseXRPCError(body []byte) (code, reason string) {
	var e struct {
		Error   string `json:"error"`
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &e) != nil {
		return "", strings.TrimSpace(string(body[:min(len(body), 200)]))
	}
	return e.Error, e.Message
}

// PostCounts implements MetricsReader: app.bsky.feed.getPosts (25 URIs a
// request; likeCount, replyCount, repostCount and quoteCount — shares are
// reposts and quotes); Bluesky counts no impressions or clicks. A deleted
// post is left out of the answer.
func (b *Bluesky) PostCounts(ctx context.Context, acct Account, ids []string) (map[string]Counts, error) {
	out := map[string]Counts{}
	for _, part := range chunks(ids, 25) {
		var page struct {
			Posts []struct {
				URI     string `json:"uri"`
				Likes   int64  `json:"likeCount"`
				Replies int64  `json:"replyCount"`
				Reposts int64  `json:"repostCount"`
				Quotes  int64  `json:"quoteCount"`
			} `json:"posts"`
		}
		if err := b.xrpc(ctx, acct, http.MethodGet, "app.bsky.feed.getPosts", url.Values{"uris": part}, nil, &page); err != nil {
			return nil, err
		}
		for _, p := range page.Posts {
			out[p.URI] = Counts{Reactions: count(p.Likes), Comments: count(p.Replies), Shares: count(p.Reposts + p.Quotes)}
		}
	}
	return out, nil
}

// Audience implements MetricsReader: app.bsky.actor.getProfile of the
// session's DID (followersCount, followsCount).
func (b *Bluesky) Audience(ctx context.Context, acct Account) (Audience, error) {
	sess, err := b.session(ctx, acct, false)
	if err != nil {
		return Audience{}, err
	}
	var p struct {
		Followers int64 `json:"followersCount"`
		Follows   int64 `json:"followsCount"`
	}
	err = b.xrpc(ctx, acct, http.MethodGet, "app.bsky.actor.getProfile", url.Values{"actor": {sess.DID}}, nil, &p)
	return Audience{Followers: p.Followers, Following: p.Follows}, err
}
