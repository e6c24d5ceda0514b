package drafting

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/secret"
	"github.com/ruche-project/ruche/services/drafting/knowledge"
	"github.com/ruche-project/ruche/services/drafting/voice"
)

// brandDoc is a brand's drafting settings as stored.
type brandDoc struct {
	VoiceVersion int                `json:"voice_version"`
	Voice        query.VoiceProfile `json:"voice"`
	KBVersion    int                `json:"kb_version"`
	Knowledge    []knowledge.Entry  `json:"knowledge"`
	SavedReplies []query.SavedReply `json:"saved_replies"`
	Model        storedModel        `json:"model"`
}

type cachedIndex struct {
	version int
	index   *knowledge.Index
}

type storedModel struct {
	BaseURL        string `json:"base_url,omitempty"`
	Model          string `json:"model,omitempty"`
	EmbeddingModel string `json:"embedding_model,omitempty"`
	SealedKey      []byte `json:"sealed_key,omitempty"`
	TokenBudget    int64  `json:"token_budget"`
}

// Brand is what a draft is written with.
type Brand struct {
	Name         string
	VoiceVersion int
	Voice        query.VoiceProfile
	KBVersion    int
	Knowledge    []knowledge.Entry
	Index        *knowledge.Index
	SavedReplies []query.SavedReply
	Model        storedModel
}

// Brands keeps brands' voice, knowledge and model settings.
type Brands struct {
	kv    jetstream.KeyValue
	usage jetstream.KeyValue
	box   *secret.Box
	now   func() time.Time
	mu    sync.Mutex
	// index caches each brand's BM25 index of its current knowledge version.
	index map[string]cachedIndex
}

func keyAD(brand string) []byte { return []byte("drafting/model-key/" + brand) }

// Get is a brand's settings (defaults when none are saved).
func (b *Brands) Get(ctx context.Context, brand string) (*Brand, error) {
	doc, err := get[brandDoc](ctx, b.kv, brand)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	if doc.VoiceVersion == 0 {
		doc.Voice = voice.Default()
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	ix, ok := b.index[brand]
	if !ok || ix.version != doc.KBVersion {
		ix = cachedIndex{version: doc.KBVersion, index: knowledge.NewIndex(doc.Knowledge)}
		b.index[brand] = ix
	}
	return &Brand{Name: brand, VoiceVersion: doc.VoiceVersion, Voice: doc.Voice, KBVersion: doc.KBVersion, Knowledge: doc.Knowledge,
		Index: ix.index, SavedReplies: doc.SavedReplies, Model: doc.Model}, nil
}

// Settings is the API's view of a brand's settings (no key).
func (b *Brands) Settings(ctx context.Context, brand string) (query.BrandSettings, error) {
	c, err := b.Get(ctx, brand)
	if err != nil {
		return query.BrandSettings{}, err
	}
	out := query.BrandSettings{Brand: brand, VoiceVersion: c.VoiceVersion, Voice: c.Voice, KBVersion: c.KBVersion,
		SavedReplies: c.SavedReplies, Knowledge: []query.KnowledgeEntry{},
		Model: query.ModelSettings{BaseURL: c.Model.BaseURL, Model: c.Model.Model, EmbeddingModel: c.Model.EmbeddingModel, HasKey: len(c.Model.SealedKey) > 0, TokenBudget: c.Model.TokenBudget}}
	for _, e := range c.Knowledge {
		out.Knowledge = append(out.Knowledge, query.KnowledgeEntry(e))
	}
	if out.SavedReplies == nil {
		out.SavedReplies = []query.SavedReply{}
	}
	out.UsageMonth = b.now().UTC().Format("2006-01")
	out.TokensUsed, err = b.Used(ctx, brand)
	return out, err
}

// PutVoice saves the next voice version.
func (b *Brands) PutVoice(ctx context.Context, r query.PutVoiceRequest) error {
	if err := voice.Validate(r.Voice); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	doc, err := update(ctx, b.kv, r.Brand, true, func(d *brandDoc) error {
		if d.VoiceVersion != r.BaseVersion {
			return fmt.Errorf("%w: the voice is at version %d, not %d", ErrConflict, d.VoiceVersion, r.BaseVersion)
		}
		d.VoiceVersion++
		d.Voice = r.Voice
		return nil
	})
	if err != nil {
		return err
	}
	return put(ctx, b.kv, r.Brand+".voice.v"+strconv.Itoa(doc.VoiceVersion), doc.Voice)
}

// PutKnowledge imports the next knowledge-base version.
func (b *Brands) PutKnowledge(ctx context.Context, r query.PutKnowledgeRequest) error {
	lang := r.Lang
	if lang == "" {
		lang = "fr"
	}
	var entries []knowledge.Entry
	var err error
	switch r.Format {
	case "markdown":
		entries, err = knowledge.ImportMarkdown(r.Content, lang)
	case "csv":
		entries, err = knowledge.ImportCSV(strings.NewReader(r.Content), lang)
	case "":
		for _, e := range r.Entries {
			entries = append(entries, knowledge.Entry(e))
		}
		err = knowledge.Validate(entries)
	default:
		err = &knowledge.FieldError{Field: "format", Msg: fmt.Sprintf("%q, want markdown, csv or none (entries)", r.Format)}
	}
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	for i, s := range r.SavedReplies {
		switch {
		case s.ID == "" || s.Text == "":
			return fmt.Errorf("%w: saved_replies[%d]: id and text are required", ErrInvalid, i)
		case s.Lang != "fr" && s.Lang != "en":
			return fmt.Errorf("%w: saved_replies[%d].lang: %q, want fr or en", ErrInvalid, i, s.Lang)
		}
	}
	doc, err := update(ctx, b.kv, r.Brand, true, func(d *brandDoc) error {
		if d.KBVersion != r.BaseVersion {
			return fmt.Errorf("%w: the knowledge base is at version %d, not %d", ErrConflict, d.KBVersion, r.BaseVersion)
		}
		d.KBVersion++
		d.Knowledge, d.SavedReplies = entries, r.SavedReplies
		return nil
	})
	if err != nil {
		return err
	}
	return put(ctx, b.kv, r.Brand+".kb.v"+strconv.Itoa(doc.KBVersion), map[string]any{"knowledge": doc.Knowledge, "saved_replies": doc.SavedReplies})
}

// PutModel sets the brand's endpoint, sealing the key.
func (b *Brands) PutModel(ctx context.Context, r query.PutModelRequest) error {
	if r.BaseURL != "" {
		u, err := url.Parse(r.BaseURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return fmt.Errorf("%w: base_url: not an http(s) URL", ErrInvalid)
		}
		// The URL is shown to every member and named in errors: a key in
		// it would be too. Keys go in api_key, sealed.
		if u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
			return fmt.Errorf("%w: base_url: no credentials, query or fragment in the URL (the key goes in api_key)", ErrInvalid)
		}
		if r.Model == "" {
			return fmt.Errorf("%w: model: required with base_url", ErrInvalid)
		}
	} else if r.EmbeddingModel != "" {
		return fmt.Errorf("%w: embedding_model: needs a base_url", ErrInvalid)
	}
	if r.TokenBudget < 0 {
		return fmt.Errorf("%w: token_budget: must not be negative", ErrInvalid)
	}
	if r.APIKey != "" && b.box == nil {
		return fmt.Errorf("%w: api_key: no secret key is configured to seal it", ErrInvalid)
	}
	_, err := update(ctx, b.kv, r.Brand, true, func(d *brandDoc) error {
		if d.Model.BaseURL != r.BaseURL {
			// The key goes to the endpoint as a bearer token: it does not
			// follow the URL elsewhere (a new key comes with the new URL).
			d.Model.SealedKey = nil
		}
		d.Model.BaseURL, d.Model.Model, d.Model.EmbeddingModel, d.Model.TokenBudget = r.BaseURL, r.Model, r.EmbeddingModel, r.TokenBudget
		if r.APIKey != "" {
			d.Model.SealedKey = b.box.Seal([]byte(r.APIKey), keyAD(r.Brand))
		}
		return nil
	})
	return err
}

// APIKey opens the brand's sealed key.
func (b *Brands) APIKey(c *Brand) (string, error) {
	if len(c.Model.SealedKey) == 0 {
		return "", nil
	}
	if b.box == nil {
		return "", errors.New("no secret key to open the model key")
	}
	k, err := b.box.Open(c.Model.SealedKey, keyAD(c.Name))
	return string(k), err
}

func (b *Brands) usageKey(brand string) string {
	return brand + "." + b.now().UTC().Format("2006-01")
}

// Used is the brand's tokens this month.
func (b *Brands) Used(ctx context.Context, brand string) (int64, error) {
	n, err := get[int64](ctx, b.usage, b.usageKey(brand))
	if errors.Is(err, ErrNotFound) {
		return 0, nil
	}
	return n, err
}

// Meter adds tokens to the brand's month.
func (b *Brands) Meter(ctx context.Context, brand string, tokens int64) error {
	_, err := update(ctx, b.usage, b.usageKey(brand), true, func(n *int64) error { *n += tokens; return nil })
	return err
}

// replyText is what of a saved reply a search reads.
func replyText(r query.SavedReply) string {
	return knowledge.Clip(strings.Join(r.Keywords, ", ") + "\n" + r.Text)
}

// SearchReplies ranks the brand's saved replies in lang by the words of q
// they contain (in their id, keywords and text; keywords count double).
func (b *Brands) SearchReplies(ctx context.Context, r query.SearchSavedRepliesRequest) (query.SavedReplies, error) {
	c, err := b.Get(ctx, r.Brand)
	if err != nil {
		return query.SavedReplies{}, err
	}
	return searchRepliesByWords(c.SavedReplies, r), nil
}

func searchRepliesByWords(replies []query.SavedReply, r query.SearchSavedRepliesRequest) query.SavedReplies {
	terms := knowledge.Tokens(r.Q)
	type scored struct {
		reply query.SavedReply
		score int
	}
	var hits []scored
	for _, s := range replies {
		if r.Lang != "" && s.Lang != r.Lang {
			continue
		}
		words := map[string]int{}
		for _, w := range knowledge.Tokens(s.ID + " " + s.Text) {
			words[w] = 1
		}
		for _, w := range knowledge.Tokens(strings.Join(s.Keywords, " ")) {
			words[w] = 2
		}
		score := 0
		for _, t := range terms {
			score += words[t]
		}
		if score > 0 || len(terms) == 0 {
			hits = append(hits, scored{s, score})
		}
	}
	slices.SortStableFunc(hits, func(a, b scored) int { return b.score - a.score })
	out := query.SavedReplies{Replies: []query.SavedReply{}}
	for _, h := range hits {
		out.Replies = append(out.Replies, h.reply)
	}
	return out
}
