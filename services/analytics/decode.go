package analytics

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ruche-project/ruche/events"
	auditv1 "github.com/ruche-project/ruche/events/audit/v1"
	casev1 "github.com/ruche-project/ruche/events/case/v1"
	community "github.com/ruche-project/ruche/events/community/v1"
	draftv1 "github.com/ruche-project/ruche/events/draft/v1"
	interaction "github.com/ruche-project/ruche/events/interaction/v1"
	publish "github.com/ruche-project/ruche/events/publish/v1"
	reply "github.com/ruche-project/ruche/events/reply/v1"
)

// errUndecodable marks a message that no retry can make storable.
var errUndecodable = errors.New("undecodable event")

// decoded is one message turned into the row it stores: exactly one of
// interaction, state and other is set.
type decoded struct {
	env         events.Envelope
	interaction *interactionRow
	state       *stateRow
	other       *tableRow
}

// decode checks a message's envelope (headers read through get), its subject
// and its body, and maps it to its row. Every error wraps errUndecodable.
func decode(subject string, get func(string) string, body []byte, now time.Time) (decoded, error) {
	bad := func(format string, args ...any) (decoded, error) {
		return decoded{}, fmt.Errorf("%w: %s", errUndecodable, fmt.Sprintf(format, args...))
	}
	env, err := events.EnvelopeFromHeaders(get, "")
	if err != nil {
		return bad("%v", err)
	}
	if want := "." + env.Brand; !strings.HasSuffix(subject, want) {
		return bad("subject %s does not end with the envelope's brand %q", subject, env.Brand)
	}
	d := decoded{env: env}
	switch env.Type {
	case interaction.Received{}.Name():
		var r interaction.Received
		if err := json.Unmarshal(body, &r); err != nil {
			return bad("decode %s: %v", env.Type, err)
		}
		if err := r.Validate(); err != nil {
			return bad("%s: %v", env.Type, err)
		}
		if r.Brand != env.Brand {
			return bad("%s brand %q differs from the envelope's %q", env.Type, r.Brand, env.Brand)
		}
		row := receivedRow(r, now)
		d.interaction = &row
	case interaction.Moderated{}.Name():
		var m interaction.Moderated
		if err := json.Unmarshal(body, &m); err != nil {
			return bad("decode %s: %v", env.Type, err)
		}
		switch {
		case m.Brand != env.Brand:
			return bad("%s brand %q differs from the envelope's %q", env.Type, m.Brand, env.Brand)
		case m.InteractionID == "":
			return bad("%s has no interaction_id", env.Type)
		case m.ModeratedAt.IsZero():
			return bad("%s has no moderated_at", env.Type)
		}
		row := moderatedRow(m, env.ID, now)
		d.state = &row
	case interaction.Updated{}.Name():
		var e interaction.Updated
		if err := decodeValid(body, &e, env.Brand, func() (string, error) { return e.Brand, e.Validate() }); err != nil {
			return bad("%s: %v", env.Type, err)
		}
		row := editRow(e, now)
		d.other = &row
	case interaction.Deleted{}.Name():
		var e interaction.Deleted
		if err := decodeValid(body, &e, env.Brand, func() (string, error) { return e.Brand, e.Validate() }); err != nil {
			return bad("%s: %v", env.Type, err)
		}
		row := deletionRow(e, now)
		d.other = &row
	case reply.Sent{}.Name():
		var e reply.Sent
		if err := decodeValid(body, &e, env.Brand, func() (string, error) { return e.Brand, e.Validate() }); err != nil {
			return bad("%s: %v", env.Type, err)
		}
		row := replyRow(e, now)
		d.other = &row
	case casev1.Decided{}.Name():
		var e casev1.Decided
		if err := decodeValid(body, &e, env.Brand, func() (string, error) { return e.Brand, validDecided(e) }); err != nil {
			return bad("%s: %v", env.Type, err)
		}
		row := caseDecisionRow(e, now)
		d.other = &row
	case casev1.Corrected{}.Name():
		var e casev1.Corrected
		if err := decodeValid(body, &e, env.Brand, func() (string, error) { return e.Brand, e.Validate() }); err != nil {
			return bad("%s: %v", env.Type, err)
		}
		row := correctionRow(e, now)
		d.other = &row
	case community.FollowersCounted{}.Name():
		var e community.FollowersCounted
		if err := decodeValid(body, &e, env.Brand, func() (string, error) { return e.Brand, e.Validate() }); err != nil {
			return bad("%s: %v", env.Type, err)
		}
		row := snapshotRow(e, now)
		d.other = &row
	case community.PostMetrics{}.Name():
		var e community.PostMetrics
		if err := decodeValid(body, &e, env.Brand, func() (string, error) { return e.Brand, e.Validate() }); err != nil {
			return bad("%s: %v", env.Type, err)
		}
		row := postMetricsRow(e, now)
		d.other = &row
	case publish.Succeeded{}.Name():
		var e publish.Succeeded
		if err := decodeValid(body, &e, env.Brand, func() (string, error) { return e.Brand, validOutcome(e.ID, e.RequestID, e.Kind, e.PublishedAt) }); err != nil {
			return bad("%s: %v", env.Type, err)
		}
		row := succeededRow(e, now)
		d.other = &row
	case publish.Failed{}.Name():
		var e publish.Failed
		if err := decodeValid(body, &e, env.Brand, func() (string, error) { return e.Brand, validOutcome(e.ID, e.RequestID, e.Kind, e.FailedAt) }); err != nil {
			return bad("%s: %v", env.Type, err)
		}
		row := failedRow(e, now)
		d.other = &row
	case community.LinkClicked{}.Name():
		var e community.LinkClicked
		if err := decodeValid(body, &e, env.Brand, func() (string, error) { return e.Brand, e.Validate() }); err != nil {
			return bad("%s: %v", env.Type, err)
		}
		row := linkClickRow(e, now)
		d.other = &row
	case community.Followed{}.Name():
		var e community.Followed
		if err := decodeValid(body, &e, env.Brand, func() (string, error) { return e.Brand, e.Validate() }); err != nil {
			return bad("%s: %v", env.Type, err)
		}
		row := followerRow(e, now)
		d.other = &row
	case draftv1.Created{}.Name():
		var e draftv1.Created
		if err := decodeValid(body, &e, env.Brand, func() (string, error) { return e.Brand, required(e.ID, e.DraftID, e.InteractionID) }); err != nil {
			return bad("%s: %v", env.Type, err)
		}
		row := draftRow(e, now)
		d.other = &row
	case draftv1.Approved{}.Name():
		var e draftv1.Approved
		if err := decodeValid(body, &e, env.Brand, func() (string, error) { return e.Brand, required(e.ID, e.DraftID, e.InteractionID) }); err != nil {
			return bad("%s: %v", env.Type, err)
		}
		row := approvedRow(e, now)
		d.other = &row
	case draftv1.Rejected{}.Name():
		var e draftv1.Rejected
		if err := decodeValid(body, &e, env.Brand, func() (string, error) { return e.Brand, required(e.ID, e.DraftID, e.InteractionID) }); err != nil {
			return bad("%s: %v", env.Type, err)
		}
		row := rejectedRow(e, now)
		d.other = &row
	case auditv1.Recorded{}.Name():
		var e auditv1.Recorded
		if err := decodeValid(body, &e, env.Brand, func() (string, error) { return e.Brand, required(e.ID, e.Action) }); err != nil {
			return bad("%s: %v", env.Type, err)
		}
		row := auditRow(e, now)
		d.other = &row
	default:
		return bad("type %q is not stored by analytics", env.Type)
	}
	return d, nil
}

// decodeValid unmarshals body into v, then checks it (check returns the
// event's brand and its validation error) against the envelope's brand.
func decodeValid(body []byte, v any, envBrand string, check func() (string, error)) error {
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("decode: %v", err)
	}
	brand, err := check()
	if err != nil {
		return err
	}
	if brand != envBrand {
		return fmt.Errorf("brand %q differs from the envelope's %q", brand, envBrand)
	}
	return nil
}

// required fails when one of the values is empty.
func required(values ...string) error {
	for _, v := range values {
		if v == "" {
			return errors.New("id, draft_id and interaction_id (audit: id and action) are required")
		}
	}
	return nil
}

// validDecided checks what analytics needs of a case decision.
func validDecided(d casev1.Decided) error {
	switch {
	case d.ID == "" || d.InteractionID == "":
		return errors.New("id and interaction_id are required")
	case !d.Decision.Valid():
		return fmt.Errorf("decision %q is unknown", d.Decision)
	case d.DecidedAt.IsZero():
		return errors.New("decided_at is required")
	}
	return nil
}

// validOutcome checks what analytics needs of a publish outcome.
func validOutcome(id, requestID string, kind publish.Kind, at time.Time) error {
	switch {
	case id == "" || requestID == "":
		return errors.New("id and request_id are required")
	case kind == "":
		return errors.New("kind is required")
	case at.IsZero():
		return errors.New("the outcome's time is required")
	}
	return nil
}
