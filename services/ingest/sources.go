package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ruche-project/ruche/events"
	"github.com/ruche-project/ruche/pkg/secret"
	"github.com/ruche-project/ruche/services/ingest/connector"
)

// SourcesBucket is the NATS KV bucket, owned by ingest, that holds sources.
const SourcesBucket = "ingest_sources"

// ErrSourceNotFound is returned for an unknown source id.
var ErrSourceNotFound = errors.New("source not found")

type storedSource struct {
	connector.Source
	SealedSecrets []byte `json:"sealed_secrets"`
}

// Sources is the source store.
type Sources struct {
	kv  jetstream.KeyValue
	box *secret.Box

	// cache holds every source, opened, once Watch has loaded them; the
	// webhook hot path reads it instead of KV (one AES open and two JSON
	// decodes per delivery otherwise).
	mu     sync.RWMutex
	cache  map[string]connector.Source
	synced bool
}

// OpenSources creates or opens the sources bucket.
func OpenSources(ctx context.Context, js jetstream.JetStream, replicas int, box *secret.Box) (*Sources, error) {
	if js == nil || box == nil {
		return nil, errors.New("ingest: nil jetstream or secret box")
	}
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:   SourcesBucket,
		History:  5,
		Storage:  jetstream.FileStorage,
		Replicas: replicas,
	})
	if err != nil {
		return nil, fmt.Errorf("open bucket %s: %w", SourcesBucket, err)
	}
	return &Sources{kv: kv, box: box}, nil
}

func associated(brand, id string) []byte { return []byte(brand + "/" + id) }

// Put creates or replaces a source.
func (s *Sources) Put(ctx context.Context, src connector.Source) error {
	if err := events.ValidateBrand(src.Brand); err != nil {
		return err
	}
	if err := validateSourceID(src.ID); err != nil {
		return err
	}
	if src.Network == "" {
		return errors.New("source network is required")
	}
	if src.CreatedAt.IsZero() {
		src.CreatedAt = time.Now().UTC()
	}
	plain, err := json.Marshal(src.Secrets)
	if err != nil {
		return err
	}
	st := storedSource{Source: src, SealedSecrets: s.box.Seal(plain, associated(src.Brand, src.ID))}
	b, err := json.Marshal(st)
	if err != nil {
		return err
	}
	if _, err := s.kv.Put(ctx, src.ID, b); err != nil {
		return fmt.Errorf("store source %s: %w", src.ID, err)
	}
	return nil
}

// Get returns a source with its secret opened.
func (s *Sources) Get(ctx context.Context, id string) (connector.Source, error) {
	if validateSourceID(id) != nil {
		return connector.Source{}, ErrSourceNotFound
	}
	e, err := s.kv.Get(ctx, id)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return connector.Source{}, ErrSourceNotFound
	}
	if err != nil {
		return connector.Source{}, fmt.Errorf("read source %s: %w", id, err)
	}
	return s.open(id, e.Value())
}

func (s *Sources) open(id string, value []byte) (connector.Source, error) {
	var st storedSource
	if err := json.Unmarshal(value, &st); err != nil {
		return connector.Source{}, fmt.Errorf("decode source %s: %w", id, err)
	}
	plain, err := s.box.Open(st.SealedSecrets, associated(st.Brand, st.ID))
	if err != nil {
		return connector.Source{}, fmt.Errorf("source %s: %w", id, err)
	}
	if err := json.Unmarshal(plain, &st.Source.Secrets); err != nil {
		return connector.Source{}, fmt.Errorf("source %s secrets: %w", id, err)
	}
	return st.Source, nil
}

// Lookup is Get from the in-memory copy kept by Watch; before Watch has
// loaded every source, or for an id it has not seen (created a moment
// ago), it reads KV.
func (s *Sources) Lookup(ctx context.Context, id string) (connector.Source, error) {
	s.mu.RLock()
	src, ok := s.cache[id]
	synced := s.synced
	s.mu.RUnlock()
	if ok && synced {
		return src, nil
	}
	return s.Get(ctx, id)
}

// Current is All from the in-memory copy kept by Watch once it has loaded
// every source (the poll loops rescan every few seconds); before that, All.
func (s *Sources) Current(ctx context.Context) ([]connector.Source, error) {
	s.mu.RLock()
	if !s.synced {
		s.mu.RUnlock()
		return s.All(ctx)
	}
	out := make([]connector.Source, 0, len(s.cache))
	for _, src := range s.cache {
		out = append(out, src)
	}
	s.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// Watch keeps the in-memory copy in step with KV until ctx is done:
// updates, rotations and deletions reach it within milliseconds.
func (s *Sources) Watch(ctx context.Context) error {
	w, err := s.kv.WatchAll(ctx)
	if err != nil {
		if ctx.Err() != nil { // stopped while it started
			return nil
		}
		return fmt.Errorf("watch sources: %w", err)
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
			s.apply(e)
		}
	}
}

func (s *Sources) apply(e jetstream.KeyValueEntry) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cache == nil {
		s.cache = map[string]connector.Source{}
	}
	switch {
	case e == nil: // every existing source has been delivered
		s.synced = true
	case e.Operation() == jetstream.KeyValuePut:
		if src, err := s.open(e.Key(), e.Value()); err == nil {
			s.cache[e.Key()] = src
		} else {
			delete(s.cache, e.Key())
		}
	default: // deleted or purged
		delete(s.cache, e.Key())
	}
}

func validateSourceID(id string) error {
	if len(id) == 0 || len(id) > 64 {
		return fmt.Errorf("source id must be 1 to 64 characters")
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return fmt.Errorf("source id %q may only hold a-z, 0-9, '-' and '_'", id)
		}
	}
	return nil
}

// List returns the sources of brand, sorted by id, with their secrets.
func (s *Sources) List(ctx context.Context, brand string) ([]connector.Source, error) {
	all, err := s.All(ctx)
	if err != nil {
		return nil, err
	}
	var out []connector.Source
	for _, src := range all {
		if src.Brand == brand {
			out = append(out, src)
		}
	}
	return out, nil
}

// Delete removes a source of brand; a source of another brand is not found.
func (s *Sources) Delete(ctx context.Context, brand, id string) error {
	src, err := s.Get(ctx, id)
	if err != nil {
		return err
	}
	if src.Brand != brand {
		return ErrSourceNotFound
	}
	if err := s.kv.Delete(ctx, id); err != nil {
		return fmt.Errorf("delete source %s: %w", id, err)
	}
	return nil
}

// All returns every brand's sources, sorted by id.
func (s *Sources) All(ctx context.Context) ([]connector.Source, error) {
	lister, err := s.kv.ListKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("list sources: %w", err)
	}
	var out []connector.Source
	for id := range lister.Keys() {
		src, err := s.Get(ctx, id)
		if errors.Is(err, ErrSourceNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, src)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}
