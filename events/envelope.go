package events

import (
	"errors"
	"fmt"
	"iter"
	"maps"
	"strconv"
	"strings"
	"time"
)

// Header names of the envelope.
const (
	// HeaderID carries the event id.
	HeaderID = "Ruche-Event-Id"
	// HeaderDedupID is JetStream's duplicate-detection header (Nats-Msg-Id):
	// DedupID(brand, event id), so that JetStream drops a duplicate published
	// inside the stream's duplicate window. The brand is part of it because
	// event ids come from networks, and one post can concern two brands.
	HeaderDedupID       = "Nats-Msg-Id"
	HeaderType          = "Ruche-Type"
	HeaderVersion       = "Ruche-Version"
	HeaderBrand         = "Ruche-Brand"
	HeaderOccurredAt    = "Ruche-Occurred-At"
	HeaderCorrelationID = "Ruche-Correlation-Id"
	HeaderCausationID   = "Ruche-Causation-Id"
	HeaderTraceparent   = "traceparent"
)

// Event is implemented by every contract. Name returns the versioned wire name,
// e.g. "interaction.received.v1".
type Event interface {
	Name() string
}

// Envelope is the metadata that travels with every event, as NATS headers.
type Envelope struct {
	ID            string
	Type          string
	Version       int
	Brand         string
	OccurredAt    time.Time
	CorrelationID string
	CausationID   string
	Traceparent   string
}

// ErrInvalidEnvelope is returned when an envelope misses a required field.
var ErrInvalidEnvelope = errors.New("invalid envelope")

// NewEnvelope builds the envelope of e for brand with the given event id. The
// type and version are derived from e.Name().
func NewEnvelope(e Event, id, brand string, occurredAt time.Time) (Envelope, error) {
	n, err := ParseName(e.Name())
	if err != nil {
		return Envelope{}, err
	}
	env := Envelope{ID: id, Type: e.Name(), Version: n.Version, Brand: brand, OccurredAt: occurredAt.UTC()}
	return env, env.Validate()
}

// Validate checks that the envelope carries what every consumer relies on.
func (e Envelope) Validate() error {
	switch {
	case e.ID == "":
		return fmt.Errorf("%w: missing event id", ErrInvalidEnvelope)
	case e.Type == "":
		return fmt.Errorf("%w: missing type", ErrInvalidEnvelope)
	case e.Version < 1:
		return fmt.Errorf("%w: version must be >= 1", ErrInvalidEnvelope)
	}
	if err := ValidateBrand(e.Brand); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidEnvelope, err)
	}
	return nil
}

// Headers renders the envelope as header key/values (empty values omitted).
func (e Envelope) Headers() map[string]string { return maps.Collect(e.HeaderPairs()) }

// HeaderPairs yields the envelope's header key/values (empty values
// omitted), for a publisher that writes them straight into a message.
func (e Envelope) HeaderPairs() iter.Seq2[string, string] {
	return func(yield func(string, string) bool) {
		pairs := [...][2]string{
			{HeaderID, e.ID},
			{HeaderDedupID, DedupID(e.Brand, e.ID)},
			{HeaderType, e.Type},
			{HeaderVersion, strconv.Itoa(e.Version)},
			{HeaderBrand, e.Brand},
			{HeaderOccurredAt, ""},
			{HeaderCorrelationID, e.CorrelationID},
			{HeaderCausationID, e.CausationID},
			{HeaderTraceparent, e.Traceparent},
		}
		if !e.OccurredAt.IsZero() {
			pairs[5][1] = e.OccurredAt.UTC().Format(time.RFC3339Nano)
		}
		for _, p := range pairs {
			if p[1] != "" && !yield(p[0], p[1]) {
				return
			}
		}
	}
}

// EnvelopeFromHeaders reads an envelope back from headers; get returns the
// value of one header ("" when absent). id is used when the event id header
// is empty (the transport's message id).
func EnvelopeFromHeaders(get func(string) string, id string) (Envelope, error) {
	e := Envelope{
		ID:            get(HeaderID),
		Type:          get(HeaderType),
		Brand:         get(HeaderBrand),
		CorrelationID: get(HeaderCorrelationID),
		CausationID:   get(HeaderCausationID),
		Traceparent:   get(HeaderTraceparent),
	}
	if e.ID == "" {
		e.ID = id
	}
	if v := get(HeaderVersion); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return e, fmt.Errorf("%w: version %q: %w", ErrInvalidEnvelope, v, err)
		}
		e.Version = n
	}
	if v := get(HeaderOccurredAt); v != "" {
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return e, fmt.Errorf("%w: occurred-at %q: %w", ErrInvalidEnvelope, v, err)
		}
		e.OccurredAt = t
	}
	return e, e.Validate()
}

// DedupID is the Nats-Msg-Id of an event: its brand and its id.
func DedupID(brand, id string) string { return brand + "/" + id }

// ValidateBrand checks that a brand id can be a subject token: lowercase
// letters, digits, '-' and '_', 1 to 64 characters.
func ValidateBrand(brand string) error {
	return validateToken("brand", brand)
}

func validateToken(what, s string) error {
	if s == "" || len(s) > 64 {
		return fmt.Errorf("%s must be 1 to 64 characters, got %d", what, len(s))
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return fmt.Errorf("%s %q may only hold a-z, 0-9, '-' and '_'", what, s)
		}
	}
	return nil
}

// Name is a parsed wire name: domain, event and version.
type Name struct {
	Domain  string
	Event   string
	Version int
}

// ParseName splits "interaction.received.v1" into its parts.
func ParseName(s string) (Name, error) {
	parts := strings.Split(s, ".")
	if len(parts) != 3 || !strings.HasPrefix(parts[2], "v") {
		return Name{}, fmt.Errorf("event name %q: want <domain>.<event>.v<N>", s)
	}
	v, err := strconv.Atoi(parts[2][1:])
	if err != nil || v < 1 {
		return Name{}, fmt.Errorf("event name %q: bad version", s)
	}
	if err := validateToken("domain", parts[0]); err != nil {
		return Name{}, err
	}
	if err := validateToken("event", parts[1]); err != nil {
		return Name{}, err
	}
	return Name{Domain: parts[0], Event: parts[1], Version: v}, nil
}
