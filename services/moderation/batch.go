package moderation

import (
	"context"
	"fmt"
	"runtime"
	"sync"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ruche-project/ruche/events"
	v1 "github.com/ruche-project/ruche/events/interaction/v1"
	"github.com/ruche-project/ruche/pkg/bus"
	"github.com/ruche-project/ruche/services/moderation/classify"
	"github.com/ruche-project/ruche/services/moderation/policy"
)

// BatchSize is the most received interactions moderated at once: the
// guard reads of a batch take one batched request, its decisions and guard
// records one round of asynchronous publications each, instead of one round
// trip per interaction.
const BatchSize = 128

// pending is one interaction of a batch on its way to a decision.
type pending struct {
	d        *bus.Delivery[v1.Received]
	policy   policy.Policy
	key      string
	decision v1.Moderated
	assessed Assessment
	err      error
	// first is the index of the batch's first delivery with the same key
	// (a duplicate is settled as that one is), or -1.
	first int
	// decided is set when the guard says the interaction was decided before.
	decided bool
	// edit is set when the text is an edit (interaction.updated): the
	// decision's id and guard key then name the text.
	edit bool
}

// handleBatch moderates a batch of received interactions, idempotently: the
// decision is a pure function of the interaction and the policy version, its
// event id (ModeratedID) is the Nats-Msg-Id (JetStream drops a duplicate
// inside the duplicate window), and past that window the decisions bucket
// says it was already decided (a re-polled item, a backfill, a webhook
// retried hours later). Two deliveries of one interaction in a batch make
// one decision.
func (s *Service) handleBatch(ctx context.Context, batch []bus.Delivery[v1.Received]) []error {
	return s.moderate(ctx, batch, false)
}

// moderate decides a batch of interactions; edits says their texts are
// edits of interactions decided before.
func (s *Service) moderate(ctx context.Context, batch []bus.Delivery[v1.Received], edits bool) []error {
	// The texts classified for this batch, read until its last line.
	var texts classify.Batch
	defer texts.Release()
	items := make([]pending, len(batch))
	byKey := map[string]int{}
	for i := range batch {
		it := &items[i]
		it.d, it.first, it.edit = &batch[i], -1, edits
		r := batch[i].Event
		p, err := s.policies.Policy(r.Brand)
		if err != nil {
			it.err = fmt.Errorf("policy of brand %s: %w", r.Brand, err)
			continue
		}
		it.policy, it.key = p, decisionKey(r.Brand, r.ID, p.Version())
		if edits {
			it.key += "." + v1.TextHash(r.Text)
		}
		if j, ok := byKey[it.key]; ok {
			it.first = j
			continue
		}
		byKey[it.key] = i
	}
	s.readGuards(ctx, items)
	s.decideAll(&texts, items)
	s.secondOpinions(ctx, items)

	// Decisions, then guard records, each as one round of publications.
	futures := make([]jetstream.PubAckFuture, len(items))
	for i := range items {
		it := &items[i]
		if !it.todo() {
			continue
		}
		env, err := events.NewEnvelope(it.decision, it.decision.ID, it.decision.Brand, it.decision.ModeratedAt)
		if err != nil {
			it.err = bus.Permanent(err)
			continue
		}
		if futures[i], err = s.router.Publisher().PublishEventAsync(it.d.Ctx, it.decision, env); err != nil {
			it.err = fmt.Errorf("publish decision for %s: %w", it.d.Event.ID, err)
		}
	}
	for i, err := range s.router.Publisher().Wait(ctx, futures) {
		if err != nil {
			items[i].err = fmt.Errorf("publish decision for %s: %w", items[i].d.Event.ID, err)
		}
	}
	records := make([]jetstream.PubAckFuture, len(items))
	for i := range items {
		if it := &items[i]; it.todo() {
			records[i], it.err = s.decisions.recordAsync(it.key, it.decision.ID)
		}
	}
	for i, err := range s.decisions.waitRecords(ctx, records) {
		if err != nil {
			items[i].err = err
		}
	}

	errs := make([]error, len(items))
	for i := range items {
		it := &items[i]
		if it.first >= 0 {
			errs[i] = items[it.first].err
			continue
		}
		errs[i] = it.err
		if it.todo() && !it.edit {
			s.crisis.observe(it.d.Event, it.assessed.Result)
			s.log.DebugContext(it.d.Ctx, "moderated", "brand", it.d.Event.Brand, "event_id", it.decision.ID, "verdict", it.decision.Verdict, "priority", it.decision.Priority)
		}
	}
	return errs
}

// todo says the item still has a decision to publish and record.
func (it *pending) todo() bool { return it.err == nil && it.first < 0 && !it.decided }

// readGuards asks the decisions bucket about every first occurrence of a
// key: in one batched read, or with one Get each for a few keys
// (decidedMany).
func (s *Service) readGuards(ctx context.Context, items []pending) {
	var keys []string
	var asked []*pending
	for i := range items {
		if it := &items[i]; it.err == nil && it.first < 0 {
			keys, asked = append(keys, it.key), append(asked, it)
		}
	}
	if len(keys) == 0 {
		return
	}
	ids, errs := s.decisions.decidedMany(ctx, keys)
	for j, it := range asked {
		switch {
		case errs[j] != nil:
			it.err = errs[j]
		case ids[j] != "":
			it.decided = true
			s.log.DebugContext(it.d.Ctx, "already decided", "brand", it.d.Event.Brand, "interaction_id", it.d.Event.ID, "event_id", ids[j])
		}
	}
}

// decideAll classifies the items to decide in texts, on every core.
func (s *Service) decideAll(texts *classify.Batch, items []pending) {
	now := s.now()
	workers := min(runtime.GOMAXPROCS(0), len(items))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(items); i += workers {
				it := &items[i]
				if !it.todo() {
					continue
				}
				it.decision, it.assessed = decide(texts, it.d.Event, it.policy, now, s.corrections.memory)
				if it.edit {
					it.decision.ID = v1.ModeratedEditID(it.d.Event.ID, it.decision.PolicyVersion, it.d.Event.Text)
				}
			}
		})
	}
	wg.Wait()
	for i := range items {
		if it := &items[i]; it.todo() {
			it.decision.Labels = coordinated(s.swarms, it.d.Event, it.decision.Labels)
		}
	}
}
