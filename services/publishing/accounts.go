package publishing

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ruche-project/ruche/events"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/rpc"
	"github.com/ruche-project/ruche/pkg/secret"
)

// Account bucket names.
const (
	AccountsBucket = "publishing_accounts"
	HealthBucket   = "publishing_account_health"
)

// Account is a connected network account with its token opened (in memory
// only, never logged).
type Account struct {
	ID       string
	Brand    string
	Network  string
	Handle   string
	Settings map[string]string
	Token    string
}

// String never shows the token.
func (a Account) String() string { return a.Brand + "/" + a.ID + " (" + a.Network + ")" }

type accountRecord struct {
	ID       string            `json:"id"`
	Brand    string            `json:"brand"`
	Network  string            `json:"network"`
	Handle   string            `json:"handle,omitempty"`
	Settings map[string]string `json:"settings,omitempty"`
	// Token is sealed with the account (brand, id, network) as associated
	// data: copied onto another account it does not open.
	Token     []byte    `json:"token,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func (r accountRecord) ad() []byte {
	return []byte("publishing-account\x00" + r.Brand + "\x00" + r.ID + "\x00" + r.Network)
}

// health is an account's publishing health.
type health struct {
	LastSuccess      time.Time `json:"last_success,omitzero"`
	LastError        time.Time `json:"last_error,omitzero"`
	LastErrorText    string    `json:"last_error_text,omitempty"`
	RateLimitedUntil time.Time `json:"rate_limited_until,omitzero"`
}

// Accounts stores connected accounts and their health.
type Accounts struct {
	kv     jetstream.KeyValue
	health jetstream.KeyValue
	box    *secret.Box
	now    func() time.Time
}

// OpenAccounts opens (creating) the account buckets.
func OpenAccounts(ctx context.Context, js jetstream.JetStream, replicas int, box *secret.Box) (*Accounts, error) {
	if box == nil {
		return nil, errors.New("publishing: nil secret box")
	}
	kv, err := openBucket(ctx, js, replicas, AccountsBucket, 2, "publishing: connected network accounts (tokens sealed)")
	if err != nil {
		return nil, err
	}
	h, err := openBucket(ctx, js, replicas, HealthBucket, 1, "publishing: account health (last success, last error, rate limit)")
	if err != nil {
		return nil, err
	}
	return &Accounts{kv: kv, health: h, box: box, now: time.Now}, nil
}

func accountKey(brand, id string) string { return brand + "." + id }

// validateAccountID checks that an account id is a key token.
func validateAccountID(id string) error {
	if id == "" || len(id) > 64 {
		return rpc.BadRequest("account.id", "must be 1 to 64 characters")
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return rpc.BadRequest("account.id", "%q may only hold a-z, 0-9, '-' and '_'", id)
		}
	}
	return nil
}

// Put creates or replaces an account; an empty token keeps the stored one
// while the API URL stays the same (a rotation is a put with the new
// token: the next call uses it).
func (a *Accounts) Put(ctx context.Context, spec query.AccountSpec) (query.AccountView, error) {
	if err := events.ValidateBrand(spec.Brand); err != nil {
		return query.AccountView{}, rpc.BadRequest("account.brand", "%s", err.Error())
	}
	if err := validateAccountID(spec.ID); err != nil {
		return query.AccountView{}, err
	}
	if _, ok := networks[spec.Network]; !ok {
		return query.AccountView{}, rpc.BadRequest("account.network", "%q is not one of %v", spec.Network, networkNames())
	}
	if u := spec.Settings[SettingURL]; u != "" {
		p, err := url.Parse(u)
		switch {
		case err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "":
			return query.AccountView{}, rpc.BadRequest("account.settings.url", "must be an http(s) URL")
		case p.User != nil || p.RawQuery != "" || p.ForceQuery || p.Fragment != "":
			// Settings are shown to every member: the token goes in token.
			return query.AccountView{}, rpc.BadRequest("account.settings.url", "no credentials, query or fragment in the URL (the token goes in token)")
		}
	}
	key := accountKey(spec.Brand, spec.ID)
	now := a.now().UTC()
	rec := accountRecord{ID: spec.ID, Brand: spec.Brand, Network: spec.Network, Handle: spec.Handle, Settings: spec.Settings, CreatedAt: now, UpdatedAt: now}
	var rev uint64
	if old, err := a.kv.Get(ctx, key); err == nil {
		var prev accountRecord
		if err := json.Unmarshal(old.Value(), &prev); err != nil {
			return query.AccountView{}, fmt.Errorf("decode account %s: %w", key, err)
		}
		if prev.Network != spec.Network {
			return query.AccountView{}, rpc.Conflict("account %s is on %s: delete it to connect another network", spec.ID, prev.Network)
		}
		rec.CreatedAt, rev = prev.CreatedAt, old.Revision()
		if prev.Settings[SettingURL] == spec.Settings[SettingURL] {
			// The token is sent to the URL: it never follows it elsewhere.
			rec.Token = prev.Token
		}
	} else if !errors.Is(err, jetstream.ErrKeyNotFound) {
		return query.AccountView{}, fmt.Errorf("read account %s: %w", key, err)
	}
	if spec.Token != "" {
		rec.Token = a.box.Seal([]byte(spec.Token), rec.ad())
	}
	b, err := json.Marshal(rec)
	if err != nil {
		return query.AccountView{}, err
	}
	if rev == 0 {
		_, err = a.kv.Create(ctx, key, b)
	} else {
		_, err = a.kv.Update(ctx, key, b, rev)
	}
	if err != nil {
		return query.AccountView{}, rpc.Conflict("account %s changed meanwhile, try again", spec.ID)
	}
	return a.view(ctx, rec), nil
}

// Delete disconnects an account.
func (a *Accounts) Delete(ctx context.Context, brand, id string) error {
	key := accountKey(brand, id)
	if _, err := a.kv.Get(ctx, key); errors.Is(err, jetstream.ErrKeyNotFound) {
		return rpc.NotFound("no account %q for brand %s", id, brand)
	}
	if err := a.kv.Delete(ctx, key); err != nil {
		return fmt.Errorf("delete account %s: %w", key, err)
	}
	_ = a.health.Delete(ctx, key)
	return nil
}

// records lists a brand's accounts, sorted by id.
func (a *Accounts) records(ctx context.Context, brand string) ([]accountRecord, error) {
	return a.matching(ctx, brand+".*")
}

// all lists every brand's accounts.
func (a *Accounts) all(ctx context.Context) ([]accountRecord, error) {
	return a.matching(ctx, "*.*")
}

// matching lists the accounts whose keys match filter, sorted by id.
func (a *Accounts) matching(ctx context.Context, filter string) ([]accountRecord, error) {
	lister, err := a.kv.ListKeysFiltered(ctx, filter)
	if err != nil {
		return nil, fmt.Errorf("list accounts %s: %w", filter, err)
	}
	var keys []string
	for k := range lister.Keys() {
		keys = append(keys, k)
	}
	var out []accountRecord
	for _, k := range keys {
		kve, err := a.kv.Get(ctx, k)
		if err != nil {
			continue
		}
		var r accountRecord
		if err := json.Unmarshal(kve.Value(), &r); err != nil {
			return nil, fmt.Errorf("decode account %s: %w", k, err)
		}
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// List lists a brand's accounts with their health.
func (a *Accounts) List(ctx context.Context, brand string) ([]query.AccountView, error) {
	recs, err := a.records(ctx, brand)
	if err != nil {
		return nil, err
	}
	out := make([]query.AccountView, 0, len(recs))
	for _, r := range recs {
		out = append(out, a.view(ctx, r))
	}
	return out, nil
}

// ErrNoAccount is returned by Resolve when the brand has no such account.
var ErrNoAccount = errors.New("no connected account")

// Resolve finds the account to act from: id, or (id empty) the brand's
// first account on network, and opens its token.
func (a *Accounts) Resolve(ctx context.Context, brand, network, id string) (Account, error) {
	recs, err := a.records(ctx, brand)
	if err != nil {
		return Account{}, err
	}
	for _, r := range recs {
		if r.Network != network || id != "" && r.ID != id {
			continue
		}
		acct := Account{ID: r.ID, Brand: r.Brand, Network: r.Network, Handle: r.Handle, Settings: r.Settings}
		if len(r.Token) > 0 {
			tok, err := a.box.Open(r.Token, r.ad())
			if err != nil {
				return Account{}, fmt.Errorf("open token of account %s: %w", acct, err)
			}
			acct.Token = string(tok)
		}
		return acct, nil
	}
	if id != "" {
		return Account{}, fmt.Errorf("%w: %s has no account %q on %s", ErrNoAccount, brand, id, network)
	}
	return Account{}, fmt.Errorf("%w: %s has no %s account", ErrNoAccount, brand, network)
}

func (a *Accounts) readHealth(ctx context.Context, key string) (health, uint64) {
	var h health
	kve, err := a.health.Get(ctx, key)
	if err != nil {
		return h, 0
	}
	_ = json.Unmarshal(kve.Value(), &h)
	return h, kve.Revision()
}

// RateLimitedUntil is when the account may be asked again (zero: now).
// Every replica reads it from the bucket, so a limit one replica met holds
// for all, and across restarts.
func (a *Accounts) RateLimitedUntil(ctx context.Context, acct Account) time.Time {
	h, _ := a.readHealth(ctx, accountKey(acct.Brand, acct.ID))
	return h.RateLimitedUntil
}

// Record updates an account's health after a call: err nil is a success; a
// rate limit sets the time before which no request is made.
func (a *Accounts) Record(ctx context.Context, acct Account, err error) error {
	key := accountKey(acct.Brand, acct.ID)
	now := a.now().UTC()
	for range 5 {
		h, rev := a.readHealth(ctx, key)
		var ne *NetworkError
		switch {
		case err == nil:
			h.LastSuccess = now
		case errors.As(err, &ne) && !ne.RetryAt.IsZero():
			h.LastError, h.LastErrorText = now, ne.Error()
			if ne.RetryAt.After(h.RateLimitedUntil) {
				h.RateLimitedUntil = ne.RetryAt
			}
		default:
			h.LastError, h.LastErrorText = now, err.Error()
		}
		b, _ := json.Marshal(h)
		var werr error
		if rev == 0 {
			_, werr = a.health.Create(ctx, key, b)
		} else {
			_, werr = a.health.Update(ctx, key, b, rev)
		}
		if werr == nil {
			return nil
		}
	}
	return fmt.Errorf("record health of %s: too many concurrent updates", acct)
}

func (a *Accounts) view(ctx context.Context, r accountRecord) query.AccountView {
	v := query.AccountView{ID: r.ID, Brand: r.Brand, Network: r.Network, Handle: r.Handle, Settings: r.Settings,
		HasToken: len(r.Token) > 0, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
	h, _ := a.readHealth(ctx, accountKey(r.Brand, r.ID))
	v.Health.Status = query.HealthUnknown
	if !h.LastSuccess.IsZero() {
		t := h.LastSuccess
		v.Health.LastSuccess, v.Health.Status = &t, query.HealthOK
	}
	if !h.LastError.IsZero() {
		t := h.LastError
		v.Health.LastError, v.Health.LastErrorText = &t, h.LastErrorText
		if h.LastError.After(h.LastSuccess) {
			v.Health.Status = query.HealthUnhealthy
		}
	}
	if h.RateLimitedUntil.After(a.now()) {
		t := h.RateLimitedUntil
		v.Health.RateLimitedUntil = &t
	}
	return v
}
