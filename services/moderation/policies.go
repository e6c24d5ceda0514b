package moderation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/services/moderation/policy"
)

// PoliciesBucket holds every brand's policy versions, "<brand>.v<N>" (never
// changed once created: the history), and the version in force,
// "<brand>.active".
const PoliciesBucket = "moderation_policies"

// Typed errors of the stores, mapped to micro error codes in one place.
var (
	ErrConflict = errors.New("conflict")
	ErrNotFound = errors.New("not found")
)

// activeRecord is the value of "<brand>.active".
type activeRecord struct {
	Version     int       `json:"version"`
	ActivatedBy string    `json:"activated_by,omitempty"`
	ActivatedAt time.Time `json:"activated_at"`
}

// PolicyStore keeps brand policies as versioned data in NATS KV and serves
// the one in force to the consumer from memory, kept current by a watch on
// "*.active" (so every replica follows an activation within milliseconds).
type PolicyStore struct {
	kv  jetstream.KeyValue
	log *slog.Logger
	now func() time.Time

	mu     sync.RWMutex
	active map[string]policy.Policy
	ready  bool
}

// OpenPolicyStore creates or opens the bucket.
func OpenPolicyStore(ctx context.Context, js jetstream.JetStream, replicas int, log *slog.Logger) (*PolicyStore, error) {
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: PoliciesBucket, History: 1, Storage: jetstream.FileStorage, Replicas: max(replicas, 1),
		Description: "moderation: brand policy versions and the active one",
	})
	if err != nil {
		return nil, fmt.Errorf("open bucket %s: %w", PoliciesBucket, err)
	}
	return &PolicyStore{kv: kv, log: log, now: time.Now, active: map[string]policy.Policy{}}, nil
}

func versionKey(brand string, v int) string { return brand + ".v" + strconv.Itoa(v) }
func activeKey(brand string) string         { return brand + ".active" }

// Policy implements Policies: the brand's active version, the built-in
// policy when none is active.
func (s *PolicyStore) Policy(brand string) (policy.Policy, error) {
	s.mu.RLock()
	p, ok := s.active[brand]
	ready := s.ready
	s.mu.RUnlock()
	if ok {
		return p, nil
	}
	if ready {
		return policy.Default, nil
	}
	// Before the watch has loaded everything, read through.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return s.load(ctx, brand)
}

// load reads the brand's active policy from the bucket.
func (s *PolicyStore) load(ctx context.Context, brand string) (policy.Policy, error) {
	e, err := s.kv.Get(ctx, activeKey(brand))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return policy.Default, nil
	}
	if err != nil {
		return nil, err
	}
	return s.compileActive(ctx, brand, e.Value())
}

func (s *PolicyStore) compileActive(ctx context.Context, brand string, value []byte) (policy.Policy, error) {
	var a activeRecord
	if err := json.Unmarshal(value, &a); err != nil {
		return nil, fmt.Errorf("active policy of %s: %w", brand, err)
	}
	if a.Version == 0 {
		return policy.Default, nil
	}
	v, err := s.Version(ctx, brand, a.Version)
	if err != nil {
		return nil, err
	}
	return policy.Compile(v.Document, v.Version)
}

// Watch keeps the in-memory active policies current until ctx is done.
func (s *PolicyStore) Watch(ctx context.Context) error {
	w, err := s.kv.Watch(ctx, "*.active")
	if err != nil {
		return fmt.Errorf("watch %s: %w", PoliciesBucket, err)
	}
	defer func() { _ = w.Stop() }()
	for {
		select {
		case <-ctx.Done():
			return nil
		case e, ok := <-w.Updates():
			if !ok {
				return nil
			}
			if e == nil { // initial values loaded
				s.mu.Lock()
				s.ready = true
				s.mu.Unlock()
				continue
			}
			brand := strings.TrimSuffix(e.Key(), ".active")
			if e.Operation() != jetstream.KeyValuePut {
				s.mu.Lock()
				delete(s.active, brand)
				s.mu.Unlock()
				continue
			}
			p, err := s.compileActive(ctx, brand, e.Value())
			if err != nil {
				s.log.Error("load active policy", "brand", brand, "error", err)
				continue
			}
			s.mu.Lock()
			s.active[brand] = p
			s.mu.Unlock()
		}
	}
}

// Version reads one saved version.
func (s *PolicyStore) Version(ctx context.Context, brand string, version int) (query.PolicyVersion, error) {
	e, err := s.kv.Get(ctx, versionKey(brand, version))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return query.PolicyVersion{}, fmt.Errorf("%w: policy version %d of brand %s", ErrNotFound, version, brand)
	}
	if err != nil {
		return query.PolicyVersion{}, err
	}
	var v query.PolicyVersion
	if err := json.Unmarshal(e.Value(), &v); err != nil {
		return v, fmt.Errorf("policy version %d of %s: %w", version, brand, err)
	}
	return v, nil
}

// versions lists the brand's saved version numbers, ascending.
func (s *PolicyStore) versions(ctx context.Context, brand string) ([]int, error) {
	lister, err := s.kv.ListKeysFiltered(ctx, brand+".*")
	if err != nil {
		return nil, err
	}
	var out []int
	for k := range lister.Keys() {
		if n, err := strconv.Atoi(strings.TrimPrefix(k, brand+".v")); err == nil && strings.HasPrefix(k, brand+".v") {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out, nil
}

// Active is the version in force (0: built-in) and its KV revision.
func (s *PolicyStore) Active(ctx context.Context, brand string) (int, uint64, error) {
	e, err := s.kv.Get(ctx, activeKey(brand))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return 0, 0, nil
	}
	if err != nil {
		return 0, 0, err
	}
	var a activeRecord
	if err := json.Unmarshal(e.Value(), &a); err != nil {
		return 0, 0, err
	}
	return a.Version, e.Revision(), nil
}

// Get answers GetPolicyRequest.
func (s *PolicyStore) Get(ctx context.Context, brand string, version int) (query.GetPolicyResponse, error) {
	resp := query.GetPolicyResponse{Brand: brand, Versions: []query.PolicyVersionInfo{}, Builtin: policy.BuiltinRules}
	vs, err := s.versions(ctx, brand)
	if err != nil {
		return resp, err
	}
	if resp.Active, _, err = s.Active(ctx, brand); err != nil {
		return resp, err
	}
	for _, n := range vs {
		v, err := s.Version(ctx, brand, n)
		if err != nil {
			return resp, err
		}
		resp.Versions = append(resp.Versions, query.PolicyVersionInfo{Version: n, SavedBy: v.SavedBy, SavedAt: v.SavedAt, Note: v.Document.Note})
		resp.Latest = n
	}
	if version == 0 {
		version = resp.Active
	}
	if version != 0 {
		v, err := s.Version(ctx, brand, version)
		if err != nil {
			return resp, err
		}
		resp.Policy = &v
	}
	return resp, nil
}

// Save validates doc and stores it as the version after base. Creating the
// version's key is the compare-and-set: when another editor saved version
// base+1 first, or base is not the latest version, it fails with
// ErrConflict. The new version is not active until activated.
func (s *PolicyStore) Save(ctx context.Context, brand string, base int, doc query.PolicyDocument, by string) (query.PolicyVersion, error) {
	if _, err := policy.Compile(doc, base+1); err != nil {
		return query.PolicyVersion{}, err
	}
	vs, err := s.versions(ctx, brand)
	if err != nil {
		return query.PolicyVersion{}, err
	}
	latest := 0
	if len(vs) > 0 {
		latest = vs[len(vs)-1]
	}
	if base != latest {
		return query.PolicyVersion{}, fmt.Errorf("%w: base_version %d is not the latest version of brand %s (%d): reload and apply your change to it", ErrConflict, base, brand, latest)
	}
	v := query.PolicyVersion{Brand: brand, Version: base + 1, Document: doc, SavedBy: by, SavedAt: s.now().UTC()}
	b, err := json.Marshal(v)
	if err != nil {
		return v, err
	}
	if _, err := s.kv.Create(ctx, versionKey(brand, v.Version), b); err != nil {
		if errors.Is(err, jetstream.ErrKeyExists) {
			return v, fmt.Errorf("%w: version %d of brand %s was saved by someone else meanwhile", ErrConflict, v.Version, brand)
		}
		return v, err
	}
	return v, nil
}

// Activate puts a saved version (or 0, the built-in policy) in force, with a
// compare-and-set on the active key's revision.
func (s *PolicyStore) Activate(ctx context.Context, brand string, version int, by string) error {
	if version < 0 {
		return &policy.FieldError{Rule: -1, Field: "version", Msg: "is negative"}
	}
	if version > 0 {
		if _, err := s.Version(ctx, brand, version); err != nil {
			return err
		}
	}
	_, rev, err := s.Active(ctx, brand)
	if err != nil {
		return err
	}
	b, _ := json.Marshal(activeRecord{Version: version, ActivatedBy: by, ActivatedAt: s.now().UTC()})
	if rev == 0 {
		_, err = s.kv.Create(ctx, activeKey(brand), b)
	} else {
		_, err = s.kv.Update(ctx, activeKey(brand), b, rev)
	}
	if errors.Is(err, jetstream.ErrKeyExists) || isWrongSequence(err) {
		return fmt.Errorf("%w: the active policy of brand %s changed meanwhile", ErrConflict, brand)
	}
	return err
}

// isWrongSequence reports a lost compare-and-set on Update.
func isWrongSequence(err error) bool {
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence
}
