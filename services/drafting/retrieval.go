package drafting

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/services/drafting/knowledge"
	"github.com/ruche-project/ruche/services/drafting/model"
)

// EmbeddingsBucket keeps the embeddings of knowledge-base entries and
// saved replies by content hash ("e.<sha256 of endpoint, model and
// text>"), so a restart or a new knowledge-base version embeds only what
// changed. An interaction's embedding is never kept.
const EmbeddingsBucket = "drafting_embeddings"

// embeddingsTTL lets the vectors of texts no knowledge base holds any more
// go; one still in use is embedded again after it, once.
const embeddingsTTL = 30 * 24 * time.Hour

// maxCachedVectors bounds the vectors kept in memory (about 60 MB at 1,536
// dimensions); past it the cache starts again from the bucket.
const maxCachedVectors = 10_000

// embedder finds vectors: in memory, in the bucket, else from the
// endpoint (metered to the brand).
type embedder struct {
	kv     jetstream.KeyValue
	client *model.Client
	brands *Brands
	log    *slog.Logger
	mu     sync.Mutex
	mem    map[string][]float32
	// fills serialise, per brand, the embedding of missing texts, so that
	// drafts arriving together for a new knowledge base embed it once.
	fills map[string]*sync.Mutex
}

func contentKey(ep model.Endpoint, text string) string {
	h := sha256.Sum256([]byte(ep.BaseURL + "\x00" + ep.EmbeddingModel + "\x00" + text))
	return "e." + hex.EncodeToString(h[:])
}

// known are the vectors of texts already embedded (nil where none is).
func (e *embedder) known(ctx context.Context, keys []string) ([][]float32, error) {
	out := make([][]float32, len(keys))
	var missing []int
	e.mu.Lock()
	for i, k := range keys {
		if out[i] = e.mem[k]; out[i] == nil {
			missing = append(missing, i)
		}
	}
	e.mu.Unlock()
	for _, i := range missing {
		entry, err := e.kv.Get(ctx, keys[i])
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read embedding %s: %w", keys[i], err)
		}
		out[i] = decodeVector(entry.Value())
		e.remember(keys[i], out[i])
	}
	return out, nil
}

func (e *embedder) remember(k string, v []float32) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.mem) >= maxCachedVectors {
		e.mem = map[string][]float32{}
	}
	e.mem[k] = v
}

// stored are the vectors of texts (the brand's knowledge or saved
// replies), embedding and keeping those not seen before. On an error the
// vectors found so far are returned with it.
func (e *embedder) stored(ctx context.Context, brand string, ep model.Endpoint, texts []string) ([][]float32, error) {
	keys := make([]string, len(texts))
	for i, t := range texts {
		keys[i] = contentKey(ep, t)
	}
	vecs, err := e.known(ctx, keys)
	if err != nil || !anyNil(vecs) {
		return vecs, err
	}
	fill := e.fillLock(brand)
	fill.Lock()
	defer fill.Unlock()
	if vecs, err = e.known(ctx, keys); err != nil || !anyNil(vecs) {
		return vecs, err
	}
	var todo []int
	var batch []string
	for i, v := range vecs {
		if v == nil {
			todo = append(todo, i)
			batch = append(batch, texts[i])
		}
	}
	res, err := e.embed(ctx, brand, ep, batch)
	// What was embedded is kept even when the time ran out meanwhile: the
	// next draft goes on from there.
	keep, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	for j, v := range res {
		i := todo[j]
		vecs[i] = v
		e.remember(keys[i], v)
		if _, perr := e.kv.Put(keep, keys[i], encodeVector(v)); perr != nil {
			return vecs, fmt.Errorf("keep embedding %s: %w", keys[i], perr)
		}
	}
	return vecs, err
}

func (e *embedder) fillLock(brand string) *sync.Mutex {
	e.mu.Lock()
	defer e.mu.Unlock()
	l, ok := e.fills[brand]
	if !ok {
		l = &sync.Mutex{}
		e.fills[brand] = l
	}
	return l
}

// embed asks the endpoint and meters the tokens it reports (a metering
// failure is logged, as a completion's is: the vectors are good).
func (e *embedder) embed(ctx context.Context, brand string, ep model.Endpoint, texts []string) ([][]float32, error) {
	res, err := e.client.Embed(ctx, ep, texts)
	if res.Tokens > 0 {
		meter, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if merr := e.brands.Meter(meter, brand, res.Tokens); merr != nil {
			e.log.Warn("meter embeddings", "brand", brand, "error", merr)
		}
	}
	return res.Vectors, err
}

func anyNil(vecs [][]float32) bool {
	for _, v := range vecs {
		if v == nil {
			return true
		}
	}
	return false
}

func encodeVector(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, f := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(f))
	}
	return b
}

func decodeVector(b []byte) []float32 {
	v := make([]float32, len(b)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v
}

// message is the text knowledge and saved replies are looked up for: its
// vector is asked of the endpoint once (a failure too is not asked
// again), for both, and kept nowhere.
type message struct {
	text  string
	vec   []float32
	asked bool
	err   error
}

func (s *Service) vectorOf(ctx context.Context, b *Brand, ep model.Endpoint, m *message) ([]float32, error) {
	if !m.asked {
		m.asked = true
		var v [][]float32
		if v, m.err = s.embedder.embed(ctx, b.Name, ep, []string{knowledge.Clip(m.text)}); m.err == nil {
			m.vec = v[0]
		}
	}
	return m.vec, m.err
}

// searchKnowledge finds the k entries in lang that answer text best: by
// embeddings when ep has an embeddings model (the entries' vectors cached
// by content, the text's asked each time and never kept), by BM25 when it
// has none or the embeddings fail (the reason says why).
func (s *Service) searchKnowledge(ctx context.Context, b *Brand, ep *model.Endpoint, m *message, lang string, k int) ([]knowledge.Hit, string) {
	if ep == nil || ep.EmbeddingModel == "" || len(b.Knowledge) == 0 {
		return b.Index.Search(m.text, lang, k), ""
	}
	hits, err := s.nearest(ctx, b, *ep, m, lang, k)
	if err != nil {
		s.log.Warn("knowledge by embeddings failed", "brand", b.Name, "error", err)
		return b.Index.Search(m.text, lang, k), "knowledge found by BM25: embeddings unavailable (" + err.Error() + ")"
	}
	return hits, "knowledge found by embeddings (" + ep.EmbeddingModel + ")"
}

// nearest ranks the brand's entries in lang by embeddings, within a third
// of the draft's model budget (the completion needs the rest); the vectors
// of a knowledge base too large to embed in that time are kept as they
// come, and the next drafts go on from there.
func (s *Service) nearest(ctx context.Context, b *Brand, ep model.Endpoint, m *message, lang string, k int) ([]knowledge.Hit, error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.ModelBudget/3)
	defer cancel()
	entries := b.Index.Entries()
	var texts []string
	var at []int
	for i, e := range entries {
		if e.Lang == lang || e.Lang == "" {
			texts = append(texts, knowledge.EmbeddingText(e))
			at = append(at, i)
		}
	}
	if len(texts) == 0 {
		return nil, nil
	}
	q, err := s.vectorOf(ctx, b, ep, m)
	if err != nil {
		return nil, err
	}
	got, err := s.embedder.stored(ctx, b.Name, ep, texts)
	if err != nil {
		return nil, err
	}
	vecs := make([][]float32, len(entries))
	for j, i := range at {
		vecs[i] = got[j]
	}
	return b.Index.Nearest(q, vecs, lang, k), nil
}

// SearchReplies ranks the brand's saved replies in r.Lang for r.Q: by
// embeddings when its endpoint has an embeddings model and budget left
// (replies' vectors cached by content), else by their words.
func (s *Service) SearchReplies(ctx context.Context, r query.SearchSavedRepliesRequest) (query.SavedReplies, error) {
	b, err := s.brands.Get(ctx, r.Brand)
	if err != nil {
		return query.SavedReplies{}, err
	}
	ep, _ := s.endpoint(ctx, b)
	if strings.TrimSpace(r.Q) == "" || ep == nil || ep.EmbeddingModel == "" {
		return searchRepliesByWords(b.SavedReplies, r), nil
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.ModelTimeout)
	defer cancel()
	replies, err := s.nearestReplies(ctx, b, *ep, &message{text: r.Q}, r.Lang)
	if err != nil {
		s.log.Warn("saved replies by embeddings failed", "brand", b.Name, "error", err)
		return searchRepliesByWords(b.SavedReplies, r), nil
	}
	return query.SavedReplies{Replies: replies}, nil
}

// nearestReplies are the brand's saved replies in lang (all when empty)
// from MinSimilarity to text by embeddings, nearest first.
func (s *Service) nearestReplies(ctx context.Context, b *Brand, ep model.Endpoint, m *message, lang string) ([]query.SavedReply, error) {
	var replies []query.SavedReply
	var texts []string
	for _, sr := range b.SavedReplies {
		if lang == "" || sr.Lang == lang {
			replies = append(replies, sr)
			texts = append(texts, replyText(sr))
		}
	}
	out := []query.SavedReply{}
	if len(replies) == 0 {
		return out, nil
	}
	q, err := s.vectorOf(ctx, b, ep, m)
	if err != nil {
		return nil, err
	}
	vecs, err := s.embedder.stored(ctx, b.Name, ep, texts)
	if err != nil {
		return nil, err
	}
	sims := make([]float64, len(replies))
	order := make([]int, 0, len(replies))
	for i := range replies {
		if sims[i] = knowledge.Cosine(q, vecs[i]); sims[i] >= knowledge.MinSimilarity {
			order = append(order, i)
		}
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(sims[b], sims[a]) })
	for _, i := range order {
		out = append(out, replies[i])
	}
	return out, nil
}

// SearchKnowledge finds the k entries of the brand's knowledge base in lang
// that answer text, as a draft written now would (embeddings when the
// brand's endpoint has an embeddings model and budget left, BM25
// otherwise), with how they were found.
func (s *Service) SearchKnowledge(ctx context.Context, brand, text, lang string, k int) ([]knowledge.Hit, string, error) {
	b, err := s.brands.Get(ctx, brand)
	if err != nil {
		return nil, "", err
	}
	ep, _ := s.endpoint(ctx, b)
	hits, note := s.searchKnowledge(ctx, b, ep, &message{text: text}, lang, k)
	if note == "" {
		note = "knowledge found by BM25"
	}
	return hits, note, nil
}
