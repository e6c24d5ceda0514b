package publishing

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	community "github.com/ruche-project/ruche/events/community/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/rpc"
)

// LinksBucket holds the short links ("code.<code>": the recorded target),
// the brands' link settings ("settings.<brand>") and the key that hashes
// visitors' addresses ("visitor_key", drawn once).
const LinksBucket = "publishing_links"

// codeAlphabet and codeLength make codes of 16 base-62 characters drawn
// from crypto/rand: about 95 bits, not guessable, not enumerable.
const (
	codeAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	codeLength   = 16
)

// linkRecord is one short link: where it leads and what carried it.
type linkRecord struct {
	Code      string    `json:"code"`
	Brand     string    `json:"brand"`
	RequestID string    `json:"request_id"`
	Network   string    `json:"network"`
	Account   string    `json:"account,omitempty"`
	Target    string    `json:"target"`
	CreatedAt time.Time `json:"created_at"`
}

// Links are the short links and their settings.
type Links struct {
	kv   jetstream.KeyValue
	base string
	key  []byte
	now  func() time.Time
}

// OpenLinks opens (creating) the links bucket and its visitor key; base is
// the public prefix of short links ("" turns shortening off).
func OpenLinks(ctx context.Context, js jetstream.JetStream, replicas int, base string, now func() time.Time) (*Links, error) {
	kv, err := openBucket(ctx, js, replicas, LinksBucket, 1, "publishing: short links (code → recorded target), brands' link settings, the visitor key")
	if err != nil {
		return nil, err
	}
	l := &Links{kv: kv, base: base, now: now}
	fresh := make([]byte, 32)
	_, _ = rand.Read(fresh)
	if _, err := kv.Create(ctx, "visitor_key", []byte(hex.EncodeToString(fresh))); err != nil && !errors.Is(err, jetstream.ErrKeyExists) {
		return nil, fmt.Errorf("create the visitor key: %w", err)
	}
	kve, err := kv.Get(ctx, "visitor_key") // the first replica's key wins
	if err != nil {
		return nil, fmt.Errorf("read the visitor key: %w", err)
	}
	if l.key, err = hex.DecodeString(string(kve.Value())); err != nil {
		return nil, fmt.Errorf("decode the visitor key: %w", err)
	}
	return l, nil
}

// Settings reads a brand's settings (off when none are saved).
func (l *Links) Settings(ctx context.Context, brand string) (query.LinkSettings, error) {
	s := query.LinkSettings{Brand: brand}
	kve, err := l.kv.Get(ctx, "settings."+brand)
	switch {
	case errors.Is(err, jetstream.ErrKeyNotFound):
	case err != nil:
		return s, fmt.Errorf("read link settings of %s: %w", brand, err)
	default:
		if err := json.Unmarshal(kve.Value(), &s); err != nil {
			return s, fmt.Errorf("decode link settings of %s: %w", brand, err)
		}
	}
	s.BaseURL = l.base
	return s, nil
}

// PutSettings saves a brand's settings.
func (l *Links) PutSettings(ctx context.Context, s query.LinkSettings) (query.LinkSettings, error) {
	if err := brandOK(s.Brand); err != nil {
		return s, err
	}
	s.BaseURL = ""
	b, err := json.Marshal(s)
	if err != nil {
		return s, err
	}
	if _, err := l.kv.Put(ctx, "settings."+s.Brand, b); err != nil {
		return s, fmt.Errorf("save link settings of %s: %w", s.Brand, err)
	}
	s.BaseURL = l.base
	return s, nil
}

// Shorten replaces every http(s) link of text by a new short link when the
// brand has shortening on, recording each target first. Called once per
// ledger entry, before its intent is recorded: every attempt sends the
// same text.
func (l *Links) Shorten(ctx context.Context, e *Entry) (string, error) {
	if l.base == "" {
		return e.Text, nil
	}
	set, err := l.Settings(ctx, e.Brand)
	if err != nil || !set.Shorten {
		return e.Text, err
	}
	var out strings.Builder
	last := 0
	for _, m := range linkRE.FindAllStringIndex(e.Text, -1) {
		link := e.Text[m[0]:m[1]]
		if strings.HasPrefix(link, l.base) {
			continue // already one of ours
		}
		target, err := withUTM(link, e.Network, set.UTM)
		if err != nil {
			continue // not a URL a browser could follow: left as written
		}
		code, err := l.record(ctx, linkRecord{Brand: e.Brand, RequestID: e.RequestID, Network: e.Network, Account: e.Account, Target: target})
		if err != nil {
			return "", err
		}
		out.WriteString(e.Text[last:m[0]])
		out.WriteString(l.base + code)
		last = m[1]
	}
	out.WriteString(e.Text[last:])
	return out.String(), nil
}

// record stores a link under a fresh code.
func (l *Links) record(ctx context.Context, r linkRecord) (string, error) {
	for range 3 {
		r.Code, r.CreatedAt = newCode(), l.now().UTC()
		b, err := json.Marshal(r)
		if err != nil {
			return "", err
		}
		_, err = l.kv.Create(ctx, "code."+r.Code, b)
		if errors.Is(err, jetstream.ErrKeyExists) {
			continue // drawn twice: draw again
		}
		if err != nil {
			return "", fmt.Errorf("record short link: %w", err)
		}
		return r.Code, nil
	}
	return "", errors.New("record short link: no free code after 3 draws")
}

// newCode draws a code, each character uniform over the alphabet (bytes
// past the last whole multiple of 62 are drawn again).
func newCode() string {
	out := make([]byte, 0, codeLength)
	buf := make([]byte, 2*codeLength)
	for len(out) < codeLength {
		_, _ = rand.Read(buf)
		for _, b := range buf {
			if int(b) < 256/len(codeAlphabet)*len(codeAlphabet) && len(out) < codeLength {
				out = append(out, codeAlphabet[int(b)%len(codeAlphabet)])
			}
		}
	}
	return string(out)
}

// validCode is true for a code Shorten could have drawn.
func validCode(code string) bool {
	if len(code) != codeLength {
		return false
	}
	for i := 0; i < len(code); i++ {
		if !strings.ContainsRune(codeAlphabet, rune(code[i])) {
			return false
		}
	}
	return true
}

// withUTM is link with the UTM parameters (when utm), refused unless it is
// an absolute http(s) URL.
func withUTM(link, network string, utm bool) (string, error) {
	u, err := url.Parse(link)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("%q is not an http(s) URL", link)
	}
	if !utm {
		return u.String(), nil
	}
	q := u.Query()
	for k, v := range map[string]string{"utm_source": network, "utm_medium": "social", "utm_campaign": "ruche"} {
		if !q.Has(k) {
			q.Set(k, v)
		}
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// visitor is the keyed hash of an address.
func (l *Links) visitor(address string) string {
	m := hmac.New(sha256.New, l.key)
	m.Write([]byte(address))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

// open resolves a click and counts it (a bot's is not counted): only a
// recorded target is ever answered, so /l/ cannot redirect anywhere else.
func (s *Service) open(ctx context.Context, r query.OpenLinkRequest) (query.OpenLinkResponse, error) {
	if !validCode(r.Code) {
		return query.OpenLinkResponse{}, rpc.NotFound("no short link %q", r.Code)
	}
	kve, err := s.links.kv.Get(ctx, "code."+r.Code)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return query.OpenLinkResponse{}, rpc.NotFound("no short link %q", r.Code)
	}
	if err != nil {
		return query.OpenLinkResponse{}, fmt.Errorf("read short link: %w", err)
	}
	var rec linkRecord
	if err := json.Unmarshal(kve.Value(), &rec); err != nil {
		return query.OpenLinkResponse{}, fmt.Errorf("decode short link %s: %w", r.Code, err)
	}
	out := query.OpenLinkResponse{Target: rec.Target}
	if r.Bot {
		return out, nil
	}
	if r.Address == "" {
		return out, rpc.BadRequest("address", "the visitor's address is required to count a click")
	}
	at := s.now().UTC()
	nonce := make([]byte, 4)
	_, _ = rand.Read(nonce)
	c := community.LinkClicked{ID: community.LinkClickedID(r.Code, at, hex.EncodeToString(nonce)), Brand: rec.Brand, Code: r.Code,
		Network: rec.Network, Account: rec.Account, RequestID: rec.RequestID, Target: rec.Target, Visitor: s.links.visitor(r.Address), ClickedAt: at}
	if err := s.emit(ctx, c, c.ID, c.Brand, at); err != nil {
		return out, fmt.Errorf("count click: %w", err)
	}
	out.Counted = true
	return out, nil
}
