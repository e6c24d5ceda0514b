package publishing

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	publishv1 "github.com/ruche-project/ruche/events/publish/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
)

// Ledger bucket names.
const (
	LedgerBucket = "publishing_ledger"
	DueBucket    = "publishing_due"
)

// State of a ledger entry.
type State string

// States.
const (
	StateQueued    State = "queued"
	StateSending   State = "sending"
	StatePublished State = "published"
	StateFailed    State = "failed"
	// StateReconciling: a call was made and its answer lost (a crash, a
	// timeout); the network is asked what exists before anything is sent.
	StateReconciling State = "reconciling"
)

// Entry is one target of a request (one network account) in the ledger.
type Entry struct {
	RequestID     string         `json:"request_id"`
	Brand         string         `json:"brand"`
	Kind          publishv1.Kind `json:"kind"`
	Network       string         `json:"network"`
	Account       string         `json:"account"`
	InteractionID string         `json:"interaction_id,omitempty"`
	TargetID      string         `json:"target_id,omitempty"`
	Text          string         `json:"text,omitempty"`
	// SentText is Text with its links shortened (links.go), when the
	// brand shortens them: what every attempt sends.
	SentText string `json:"sent_text,omitempty"`
	Lang     string `json:"lang,omitempty"`
	// Media of a post, and the network's reference of each once uploaded
	// (recorded before the post is sent: a retry does not upload again).
	Media     []publishv1.Media `json:"media,omitempty"`
	MediaRefs []string          `json:"media_refs,omitempty"`
	// FirstComment of a post: once the post is published it becomes its
	// own entry, a reply to the post (CommentOf names the post's entry;
	// PostText and PostMedia are what its approval covered with it).
	FirstComment string            `json:"first_comment,omitempty"`
	CommentOf    string            `json:"comment_of,omitempty"`
	PostText     string            `json:"post_text,omitempty"`
	PostMedia    []publishv1.Media `json:"post_media,omitempty"`
	RequestedBy  string            `json:"requested_by,omitempty"`
	ApprovalID   string            `json:"approval_id,omitempty"`
	ApprovedBy   string            `json:"approved_by,omitempty"`
	// Key is the idempotency key sent with every attempt.
	Key   string `json:"key"`
	State State  `json:"state"`
	// PlatformID and URL are the network's, once published.
	PlatformID string `json:"platform_id,omitempty"`
	URL        string `json:"url,omitempty"`
	// Code and Reason of the last failure (the network's, or publishing's).
	Code      string `json:"code,omitempty"`
	Reason    string `json:"reason,omitempty"`
	Retryable bool   `json:"retryable,omitempty"`
	// Uncertain: the last call failed in a way that may have acted anyway
	// (a timeout, a 5xx): the next attempt asks the network first.
	Uncertain bool `json:"uncertain,omitempty"`
	// DeadLetter: retries ran out (or the refusal is final); only a retry
	// asked through the API sends it again.
	DeadLetter bool `json:"dead_letter,omitempty"`
	Attempts   int  `json:"attempts"`
	// RetryBase is Attempts when a retry was asked through the API: the
	// new round gets MaxAttempts of its own.
	RetryBase     int       `json:"retry_base,omitempty"`
	NextAttemptAt time.Time `json:"next_attempt_at,omitzero"`
	FirstSentAt   time.Time `json:"first_sent_at,omitzero"`
	SendingSince  time.Time `json:"sending_since,omitzero"`
	// Erased: the reply answered a person since erased; its text is gone
	// (privacy.go).
	Erased bool `json:"erased,omitempty"`
	// Reported: the outcome event is published (a crash between the ledger
	// write and the event leaves it false, and the retry loop reports it).
	Reported  bool      `json:"reported,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// sent is the text the network receives.
func (e *Entry) sent() string {
	if e.SentText != "" {
		return e.SentText
	}
	return e.Text
}

// approved is what the entry's approval must cover, and as which kind: a
// first comment was approved with its post.
func (e *Entry) approved() (publishv1.Kind, publishv1.Variant) {
	if e.CommentOf != "" {
		return publishv1.KindPost, publishv1.Variant{Text: e.PostText, Media: e.PostMedia, FirstComment: e.Text}
	}
	return e.Kind, publishv1.Variant{Text: e.Text, Media: e.Media, FirstComment: e.FirstComment}
}

// firstCommentSuffix makes a post's request id its first comment's.
const firstCommentSuffix = "#first-comment"

// firstComment is the entry of a published post's first comment: a reply
// to the post, from the same account, under the post's approval.
func (e *Entry) firstComment(now time.Time) (string, *Entry) {
	rid := e.RequestID + firstCommentSuffix
	c := &Entry{RequestID: rid, Brand: e.Brand, Kind: publishv1.KindReply, Network: e.Network, Account: e.Account,
		TargetID: e.PlatformID, Text: e.FirstComment, Lang: e.Lang, CommentOf: e.RequestID, PostText: e.Text, PostMedia: e.Media,
		RequestedBy: e.RequestedBy, ApprovalID: e.ApprovalID, Key: idempotencyKey(e.Brand, rid, e.Network, e.Account),
		State: StateQueued, CreatedAt: now, UpdatedAt: now}
	return entryKey(e.Brand, rid, e.Network, accountToken(e.Account)), c
}

// done is true when nothing more will happen to the entry without a retry
// asked through the API.
func (e *Entry) done() bool {
	return e.State == StatePublished || e.State == StateFailed && (!e.Retryable || e.DeadLetter)
}

// view is the entry as the API shows it.
func (e *Entry) view() query.LedgerTarget {
	t := query.LedgerTarget{
		RequestID: e.RequestID, Kind: e.Kind, Network: e.Network, Account: e.Account, State: string(e.State),
		PlatformID: e.PlatformID, URL: e.URL, Code: e.Code, Reason: e.Reason, Retryable: e.Retryable, DeadLetter: e.DeadLetter,
		Attempts: e.Attempts, UpdatedAt: e.UpdatedAt,
	}
	if !e.NextAttemptAt.IsZero() && e.State == StateFailed && !e.DeadLetter {
		at := e.NextAttemptAt
		t.NextAttemptAt = &at
	}
	return t
}

// Ledger is the publish ledger: entries in one KV bucket, each changed with
// a compare-and-set on its revision, and the due index beside it.
type Ledger struct {
	js  jetstream.JetStream
	kv  jetstream.KeyValue
	due jetstream.KeyValue
}

// OpenLedger opens (creating) the ledger's buckets.
func OpenLedger(ctx context.Context, js jetstream.JetStream, replicas int) (*Ledger, error) {
	kv, err := openBucket(ctx, js, replicas, LedgerBucket, 8, "publishing: one entry per publish request and network account (intent, then result)")
	if err != nil {
		return nil, err
	}
	due, err := openBucket(ctx, js, replicas, DueBucket, 1, "publishing: ledger entries to come back to, with the time")
	if err != nil {
		return nil, err
	}
	return &Ledger{js: js, kv: kv, due: due}, nil
}

// openBucket opens (creating or updating) one of publishing's KV buckets.
func openBucket(ctx context.Context, js jetstream.JetStream, replicas int, bucket string, history uint8, description string) (jetstream.KeyValue, error) {
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: bucket, History: history, Storage: jetstream.FileStorage, Replicas: max(replicas, 1), Description: description,
	})
	if err != nil {
		return nil, fmt.Errorf("open bucket %s: %w", bucket, err)
	}
	return kv, nil
}

// requestKey is the ledger key prefix of a request: request ids are free
// text, so they are hashed into a key token.
func requestKey(brand, requestID string) string {
	return brand + "." + hashToken(requestID)
}

// entryKey is the ledger key of a request's target.
func entryKey(brand, requestID, network, account string) string {
	return requestKey(brand, requestID) + "." + network + "." + account
}

// idempotencyKey is what the network sees: the same for every attempt of a
// request's target, and not the request id itself (which may be long or
// carry characters a network refuses).
func idempotencyKey(brand, requestID, network, account string) string {
	sum := sha256.Sum256([]byte(brand + "\x00" + requestID + "\x00" + network + "\x00" + account))
	return "ruche-" + hex.EncodeToString(sum[:16])
}

// ErrNoEntry is returned by Get for a key that is not in the ledger.
var ErrNoEntry = errors.New("no ledger entry")

// Get reads an entry and its revision.
func (l *Ledger) Get(ctx context.Context, key string) (*Entry, uint64, error) {
	kve, err := l.kv.Get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, 0, ErrNoEntry
	}
	if err != nil {
		return nil, 0, fmt.Errorf("read ledger %s: %w", key, err)
	}
	var e Entry
	if err := json.Unmarshal(kve.Value(), &e); err != nil {
		return nil, 0, fmt.Errorf("decode ledger %s: %w", key, err)
	}
	return &e, kve.Revision(), nil
}

// Create records a new entry; it returns false when the key exists.
func (l *Ledger) Create(ctx context.Context, key string, e *Entry) (bool, error) {
	b, err := json.Marshal(e)
	if err != nil {
		return false, err
	}
	if _, err := l.kv.Create(ctx, key, b); err != nil {
		if errors.Is(err, jetstream.ErrKeyExists) {
			return false, nil
		}
		return false, fmt.Errorf("record intent %s: %w", key, err)
	}
	return true, l.markDue(ctx, key, e)
}

// ErrConflict is returned by Update when the entry changed since it was
// read (another replica moved it).
var ErrConflict = errors.New("ledger entry changed concurrently")

// Update writes e over revision rev, then keeps the due index in step.
func (l *Ledger) Update(ctx context.Context, key string, e *Entry, rev uint64) (uint64, error) {
	b, err := json.Marshal(e)
	if err != nil {
		return 0, err
	}
	next, err := l.kv.Update(ctx, key, b, rev)
	if err != nil {
		var apiErr *jetstream.APIError
		if errors.As(err, &apiErr) && apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence {
			return 0, ErrConflict
		}
		return 0, fmt.Errorf("write ledger %s: %w", key, err)
	}
	return next, l.markDue(ctx, key, e)
}

// Rewrite is Update that also drops the entry's earlier revisions (the
// bucket keeps 8): one message that rolls the key's subject up, so what an
// erasure removed is in no revision. It is a compare-and-set on rev as
// Update is.
func (l *Ledger) Rewrite(ctx context.Context, key string, e *Entry, rev uint64) (uint64, error) {
	b, err := json.Marshal(e)
	if err != nil {
		return 0, err
	}
	msg := nats.NewMsg("$KV." + LedgerBucket + "." + key)
	msg.Data = b
	msg.Header.Set(jetstream.MsgRollup, jetstream.MsgRollupSubject)
	ack, err := l.js.PublishMsg(ctx, msg, jetstream.WithExpectLastSequencePerSubject(rev))
	if err != nil {
		var apiErr *jetstream.APIError
		if errors.As(err, &apiErr) && apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence {
			return 0, ErrConflict
		}
		return 0, fmt.Errorf("rewrite ledger %s: %w", key, err)
	}
	return ack.Sequence, l.markDue(ctx, key, e)
}

// markDue keeps the due index: an entry not done (or not yet reported) is
// due at its next attempt, or when a call in flight would have timed out.
func (l *Ledger) markDue(ctx context.Context, key string, e *Entry) error {
	if e.done() && e.Reported {
		if err := l.due.Delete(ctx, key); err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
			return fmt.Errorf("clear due %s: %w", key, err)
		}
		return nil
	}
	at := e.NextAttemptAt
	if at.IsZero() || e.done() {
		at = e.UpdatedAt
	}
	if _, err := l.due.Put(ctx, key, []byte(at.UTC().Format(time.RFC3339Nano))); err != nil {
		return fmt.Errorf("mark due %s: %w", key, err)
	}
	return nil
}

// Due lists the keys due at now.
func (l *Ledger) Due(ctx context.Context, now time.Time) ([]string, error) {
	lister, err := l.due.ListKeys(ctx)
	if err != nil {
		if errors.Is(err, jetstream.ErrNoKeysFound) {
			return nil, nil
		}
		return nil, err
	}
	var keys []string
	for k := range lister.Keys() {
		keys = append(keys, k)
	}
	var out []string
	for _, k := range keys {
		kve, err := l.due.Get(ctx, k)
		if err != nil {
			continue // cleared meanwhile
		}
		at, err := time.Parse(time.RFC3339Nano, string(kve.Value()))
		if err != nil || !at.After(now) {
			out = append(out, k)
		}
	}
	return out, nil
}

// Targets reads every entry of a request (or, with requestID empty, of a
// brand), keyed.
func (l *Ledger) Targets(ctx context.Context, brand, requestID string) (map[string]*Entry, error) {
	filter := brand + ".>"
	if requestID != "" {
		filter = requestKey(brand, requestID) + ".>"
	}
	lister, err := l.kv.ListKeysFiltered(ctx, filter)
	if err != nil {
		return nil, fmt.Errorf("list ledger %s: %w", filter, err)
	}
	var keys []string
	for k := range lister.Keys() {
		keys = append(keys, k)
	}
	out := map[string]*Entry{}
	for _, k := range keys {
		e, _, err := l.Get(ctx, k)
		if errors.Is(err, ErrNoEntry) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out[k] = e
	}
	return out, nil
}

// hashToken turns free text (a request or approval id) into a key token.
func hashToken(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:12])
}
