package analytics

import (
	"time"

	interaction "github.com/ruche-project/ruche/events/interaction/v1"
)

// interactionColumns and stateColumns name the columns every insert lists:
// on ClickHouse 18.16 a batch without a column list has no columns.
const (
	interactionColumns = "id, brand, network, account, kind, platform_id, thread_id, parent_id, " +
		"author_id, author_handle, author_name, author_followers, author_verified, text, lang, url, " +
		"created_at, received_at, received_ms, source, source_id, inserted_at"
	stateColumns = "brand, interaction_id, event_id, network, labels, verdict, actions, priority, " +
		"sla_due, rule_hits, policy_version, moderated_at, version, inserted_at"
)

// interactionRow is one row of the interactions table.
type interactionRow struct {
	ID, Brand, Network, Account, Kind, PlatformID, ThreadID, ParentID string
	AuthorID, AuthorHandle, AuthorName                                string
	AuthorFollowers                                                   int64
	AuthorVerified                                                    uint8
	Text, Lang, URL                                                   string
	CreatedAt, ReceivedAt                                             time.Time
	ReceivedMS                                                        uint16
	Source, SourceID                                                  string
	InsertedAt                                                        time.Time
}

// values are the row's values in the order of interactionColumns.
func (r interactionRow) values() []any {
	return []any{r.ID, r.Brand, r.Network, r.Account, r.Kind, r.PlatformID, r.ThreadID, r.ParentID,
		r.AuthorID, r.AuthorHandle, r.AuthorName, r.AuthorFollowers, r.AuthorVerified, r.Text, r.Lang, r.URL,
		r.CreatedAt, r.ReceivedAt, r.ReceivedMS, r.Source, r.SourceID, r.InsertedAt}
}

// stateRow is one row of the interaction_state table.
type stateRow struct {
	Brand, InteractionID, EventID, Network string
	Labels                                 []string
	Verdict                                string
	Actions                                []string
	Priority                               int32
	SLADue                                 *time.Time
	RuleHits                               []string
	PolicyVersion                          uint32
	ModeratedAt                            time.Time
	Version                                uint64
	InsertedAt                             time.Time
	// CreatedAt is the interaction's, when the decision carries it; not a
	// column: it files the row under its day for the rollup (rollup.go).
	CreatedAt time.Time
}

// values are the row's values in the order of stateColumns.
func (r stateRow) values() []any {
	return []any{r.Brand, r.InteractionID, r.EventID, r.Network, r.Labels, r.Verdict, r.Actions, r.Priority,
		r.SLADue, r.RuleHits, r.PolicyVersion, r.ModeratedAt, r.Version, r.InsertedAt}
}

// receivedRow maps interaction.received.v1 to its row. DateTime keeps whole
// seconds; the milliseconds of received_at go to ReceivedMS.
func receivedRow(r interaction.Received, now time.Time) interactionRow {
	received := r.ReceivedAt.UTC()
	var verified uint8
	if r.Author.Verified {
		verified = 1
	}
	return interactionRow{
		ID: r.ID, Brand: r.Brand, Network: r.Network, Account: r.Account, Kind: string(r.Kind),
		PlatformID: r.PlatformID, ThreadID: r.ThreadID, ParentID: r.ParentID,
		AuthorID: r.Author.ID, AuthorHandle: r.Author.Handle, AuthorName: r.Author.DisplayName,
		AuthorFollowers: r.Author.Followers, AuthorVerified: verified,
		Text: r.Text, Lang: r.Lang, URL: r.URL,
		CreatedAt:  r.CreatedAt.UTC().Truncate(time.Second),
		ReceivedAt: received.Truncate(time.Second),
		ReceivedMS: uint16(received.Nanosecond() / int(time.Millisecond)),
		Source:     string(r.Source), SourceID: r.SourceID,
		InsertedAt: now.UTC().Truncate(time.Second),
	}
}

// moderatedRow maps interaction.moderated.v1 to its row. The version is the
// decision time in milliseconds: the latest decision is the current state.
func moderatedRow(m interaction.Moderated, eventID string, now time.Time) stateRow {
	var due *time.Time
	if m.SLADue != nil {
		d := m.SLADue.UTC().Truncate(time.Second)
		due = &d
	}
	return stateRow{
		Brand: m.Brand, InteractionID: m.InteractionID, EventID: eventID, Network: m.Network,
		Labels: nonNil(m.Labels), Verdict: string(m.Verdict), Actions: nonNil(m.Actions),
		Priority: int32(m.Priority), SLADue: due, RuleHits: nonNil(m.RuleHits),
		PolicyVersion: uint32(max(m.PolicyVersion, 0)),
		ModeratedAt:   m.ModeratedAt.UTC().Truncate(time.Second),
		Version:       uint64(max(m.ModeratedAt.UnixMilli(), 0)),
		InsertedAt:    now.UTC().Truncate(time.Second),
		CreatedAt:     m.InteractionCreatedAt.UTC().Truncate(time.Second),
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
