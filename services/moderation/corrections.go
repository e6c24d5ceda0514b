package moderation

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	casev1 "github.com/ruche-project/ruche/events/case/v1"
	v1 "github.com/ruche-project/ruche/events/interaction/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/services/moderation/feedback"
	"github.com/ruche-project/ruche/services/moderation/policy"
)

// CorrectionsBucket keeps every brand's corrections of the automatic
// labels, "<brand>.<base64url(interaction id)>" → case.corrected.v1 (the
// latest correction of an interaction). It has no TTL: corrections are what
// a brand's moderators taught; each replica watches it into its memory.
const CorrectionsBucket = "moderation_corrections"

// corrections stores corrections and keeps them in memory for the
// decisions.
type corrections struct {
	kv     jetstream.KeyValue
	memory *feedback.Memory
	log    *slog.Logger
}

func openCorrections(ctx context.Context, js jetstream.JetStream, replicas int, log *slog.Logger) (*corrections, error) {
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: CorrectionsBucket, History: 1, Storage: jetstream.FileStorage, Replicas: max(replicas, 1),
		Description: "moderation: moderators' corrections of the automatic labels",
	})
	if err != nil {
		return nil, fmt.Errorf("open bucket %s: %w", CorrectionsBucket, err)
	}
	return &corrections{kv: kv, memory: feedback.NewMemory(), log: log}, nil
}

func correctionKey(brand, interactionID string) string {
	return brand + "." + base64.RawURLEncoding.EncodeToString([]byte(interactionID))
}

// watch keeps the memory in step with the bucket (every replica's
// corrections) until ctx is done.
func (c *corrections) watch(ctx context.Context) error {
	w, err := c.kv.WatchAll(ctx)
	if err != nil {
		return fmt.Errorf("watch %s: %w", CorrectionsBucket, err)
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
			if e == nil {
				continue // initial values loaded
			}
			brand, enc, _ := strings.Cut(e.Key(), ".")
			if e.Operation() != jetstream.KeyValuePut {
				if id, err := base64.RawURLEncoding.DecodeString(enc); err == nil {
					c.memory.Delete(brand, string(id))
				}
				continue
			}
			var corr casev1.Corrected
			if err := json.Unmarshal(e.Value(), &corr); err != nil {
				c.log.Error("load correction", "key", e.Key(), "error", err)
				continue
			}
			c.memory.Put(corr, e.Revision())
		}
	}
}

// save stores corr and puts it in this replica's memory at once, so the
// next decision here sees it (the others' memory follows the watch).
func (c *corrections) save(ctx context.Context, corr casev1.Corrected) error {
	val, err := json.Marshal(corr)
	if err != nil {
		return err
	}
	rev, err := c.kv.Put(ctx, correctionKey(corr.Brand, corr.InteractionID), val)
	if err != nil {
		return fmt.Errorf("store correction of %s: %w", corr.InteractionID, err)
	}
	c.memory.Put(corr, rev)
	return nil
}

// correct records a moderator's correction of an interaction's automatic
// labels: they are the labels moderation gives the interaction now (under
// the brand's policy and corrections), each label to remove must be among
// them and each to add must not. The correction is published
// (case.corrected.v1) and stored, and decides the labels of the next
// similar texts of the brand.
func (s *Service) correct(ctx context.Context, in query.CorrectCaseRequest, source string) (casev1.Corrected, error) {
	if err := checkCase(in.Brand, in.InteractionID, in.Moderator); err != nil {
		return casev1.Corrected{}, err
	}
	var ce *casev1.CorrectionError
	if err := casev1.CheckCorrection(in.Add, in.Remove); errors.As(err, &ce) {
		return casev1.Corrected{}, &policy.FieldError{Rule: -1, Field: ce.Field, Msg: ce.Msg}
	}
	if len(in.Add)+len(in.Remove) == 0 {
		return casev1.Corrected{}, &policy.FieldError{Rule: -1, Field: "add", Msg: "or remove must name a label to correct"}
	}
	if len(in.Reason) > 2000 {
		return casev1.Corrected{}, &policy.FieldError{Rule: -1, Field: "reason", Msg: "is longer than 2000 bytes"}
	}
	r, found, err := s.lookup.Interaction(ctx, in.Brand, in.InteractionID)
	if err != nil {
		return casev1.Corrected{}, fmt.Errorf("look up %s: %w", in.InteractionID, err)
	}
	if !found {
		return casev1.Corrected{}, fmt.Errorf("%w: brand %s has no interaction %s", ErrNotFound, in.Brand, in.InteractionID)
	}
	m, err := s.automatic(r)
	if err != nil {
		return casev1.Corrected{}, err
	}
	for _, f := range []struct {
		field  string
		labels []string
	}{{"remove", in.Remove}, {"add", in.Add}} {
		field := f.field
		for i, l := range f.labels {
			if hasLabel(m.Labels, l) != (field == "remove") {
				what := "is not among"
				if field == "add" {
					what = "is already one of"
				}
				return casev1.Corrected{}, &policy.FieldError{Rule: -1, Field: fmt.Sprintf("%s[%d]", field, i),
					Msg: fmt.Sprintf("%q %s the automatic labels %v", l, what, m.Labels)}
			}
		}
	}
	return s.record(ctx, in, r, m, source)
}

// automatic is the decision moderation takes on r now: under the brand's
// policy and with its corrections.
func (s *Service) automatic(r v1.Received) (v1.Moderated, error) {
	p, err := s.policies.Policy(r.Brand)
	if err != nil {
		return v1.Moderated{}, fmt.Errorf("policy of brand %s: %w", r.Brand, err)
	}
	m, _ := decide(nil, r, p, s.now(), s.corrections.memory)
	return m, nil
}

// record publishes and stores the correction in of r's automatic decision m.
func (s *Service) record(ctx context.Context, in query.CorrectCaseRequest, r v1.Received, m v1.Moderated, source string) (casev1.Corrected, error) {
	now := s.now().UTC()
	reasons := map[string][]string{}
	for _, l := range m.Labels {
		if slices.ContainsFunc(in.Remove, func(x string) bool { return casev1.CoversLabel(x, l) }) {
			reasons[l] = m.LabelReasons[l]
		}
	}
	corr := casev1.Corrected{
		ID: casev1.CorrectedID(in.InteractionID, r.Text, in.Add, in.Remove), InteractionID: in.InteractionID, Brand: in.Brand,
		Moderator: in.Moderator, Text: r.Text, Lang: r.Lang, Labels: m.Labels, LabelReasons: reasons,
		Add: in.Add, Remove: in.Remove, Source: source, Reason: in.Reason, CorrectedAt: now,
	}
	if err := s.cases.publish(ctx, corr, corr.ID, corr.Brand, now); err != nil {
		return casev1.Corrected{}, err
	}
	if err := s.corrections.save(ctx, corr); err != nil {
		return casev1.Corrected{}, err
	}
	return corr, nil
}

func hasLabel(labels []string, c string) bool {
	return slices.ContainsFunc(labels, func(l string) bool { return casev1.CoversLabel(c, l) })
}

// caseCorrectionTimeout bounds the correction a case decision implies.
const caseCorrectionTimeout = 3 * time.Second

// correctFromCase records the correction a case decision implies when it
// disagrees with the automatic labels: approve on spam or toxicity removes
// them, spam on a text not labelled spam adds it. The decision stands
// whatever happens here; a correction that fails is logged.
func (s *Service) correctFromCase(ctx context.Context, d casev1.Decided) {
	// The moderator waits for the decision: the correction gets a few
	// seconds of it, not the request's whole budget.
	ctx, cancel := context.WithTimeout(ctx, caseCorrectionTimeout)
	defer cancel()
	var add, remove []string
	switch d.Decision {
	case casev1.DecisionApprove:
		remove = []string{"spam", "toxicity"}
	case casev1.DecisionSpam:
		add = []string{"spam"}
	default:
		return
	}
	r, found, err := s.lookup.Interaction(ctx, d.Brand, d.InteractionID)
	if err != nil || !found {
		s.log.WarnContext(ctx, "no correction from the case decision: interaction not found", "brand", d.Brand, "interaction_id", d.InteractionID, "error", err)
		return
	}
	m, err := s.automatic(r)
	if err != nil {
		s.log.WarnContext(ctx, "no correction from the case decision", "brand", d.Brand, "error", err)
		return
	}
	add = slices.DeleteFunc(add, func(l string) bool { return hasLabel(m.Labels, l) })
	remove = slices.DeleteFunc(remove, func(l string) bool { return !hasLabel(m.Labels, l) })
	if len(add)+len(remove) == 0 {
		return // the moderator agrees with the automatic labels
	}
	req := query.CorrectCaseRequest{Brand: d.Brand, InteractionID: d.InteractionID, Moderator: d.Moderator, Add: add, Remove: remove, Reason: d.Reason}
	if _, err := s.record(ctx, req, r, m, casev1.CorrectionCase); err != nil {
		s.log.WarnContext(ctx, "correction from the case decision", "brand", d.Brand, "interaction_id", d.InteractionID, "error", err)
	}
}

// listCorrections is a brand's corrections report.
func (s *Service) listCorrections(_ context.Context, in query.ListCorrectionsRequest) (query.ListCorrectionsResponse, error) {
	if err := brandErr(in.Brand); err != nil {
		return query.ListCorrectionsResponse{}, err
	}
	switch {
	case in.Limit < 0 || in.Limit > 1000:
		return query.ListCorrectionsResponse{}, &policy.FieldError{Rule: -1, Field: "limit", Msg: "must be between 1 and 1000"}
	case in.Limit == 0:
		in.Limit = 50
	}
	if len(in.InteractionIDs) > query.MaxCorrectionIDs {
		return query.ListCorrectionsResponse{}, &policy.FieldError{Rule: -1, Field: "interaction_ids", Msg: fmt.Sprintf("at most %d", query.MaxCorrectionIDs)}
	}
	all := s.corrections.memory.Corrections(in.Brand)
	if len(in.InteractionIDs) > 0 {
		wanted := make(map[string]bool, len(in.InteractionIDs))
		for _, id := range in.InteractionIDs {
			wanted[id] = true
		}
		all = slices.DeleteFunc(slices.Clone(all), func(c casev1.Corrected) bool { return !wanted[c.InteractionID] })
	}
	return query.ListCorrectionsResponse{Total: len(all), Labels: feedback.Report(all), Corrections: all[:min(in.Limit, len(all))]}, nil
}
