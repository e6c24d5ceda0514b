package analytics

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ruche-project/ruche/events"
	interaction "github.com/ruche-project/ruche/events/interaction/v1"
)

// errUndecodable marks a message that no retry can make storable.
var errUndecodable = errors.New("undecodable event")

// decoded is one message turned into the row it stores: exactly one of
// interaction and state is set.
type decoded struct {
	env         events.Envelope
	interaction *interactionRow
	state       *stateRow
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
	default:
		return bad("type %q is not stored by analytics", env.Type)
	}
	return d, nil
}
