package person

import (
	"context"
	"fmt"
	"time"

	privacyv1 "github.com/ruche-project/ruche/events/privacy/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/services/analytics/internal/readmodel"
)

func subjectKey(in query.PersonRequest) string {
	return privacyv1.SubjectKey(in.Brand, in.Network, in.AuthorID)
}

// InteractionIDs lists every interaction of the author stored (any copy).
func (r Reader) InteractionIDs(ctx context.Context, in query.PersonRequest) ([]string, error) {
	if err := checkRequest(in); err != nil {
		return nil, err
	}
	rows, err := r.db.Conn().Query(ctx, "SELECT DISTINCT id FROM interactions WHERE brand = ? AND network = ? AND author_id = ?",
		in.Brand, in.Network, in.AuthorID)
	if err != nil {
		return nil, fmt.Errorf("interactions of an author of %s: %w", in.Brand, err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// erasedTables are the tables Erase changes: it waits for their mutations.
var erasedTables = []string{"interactions", "interaction_rows", "interactions_by_author", "interaction_edits", "followers", "drafts", "draft_reviews"}

// Erase pseudonymises the author in every table analytics holds: their
// interactions keep their ids, times, kinds and moderation (the brand's
// counts do not change) under the pseudonym, with no text, handle, name,
// URL or audience; the edits, drafts and reviews of ids lose their text
// (the brand's replies name the person); the follows are
// deleted (nothing counts them). Contest draws are the contest's legal
// record and are kept (query.PersonContestEntry). It returns once
// ClickHouse has carried the mutations out (18.16 has no mutations_sync:
// system.mutations is polled).
func (r Reader) Erase(ctx context.Context, in query.PersonRequest, pseudonym string, ids []string) error {
	if err := checkRequest(in); err != nil {
		return err
	}
	if pseudonym == "" {
		return readmodel.FieldError{Field: "pseudonym", Msg: "is required"}
	}
	conn := r.db.Conn()
	if err := conn.Exec(ctx, `ALTER TABLE interactions UPDATE author_id = ?, author_handle = '', author_name = '',
	author_followers = 0, author_verified = 0, text = '', url = ''
WHERE brand = ? AND network = ? AND author_id = ?`, pseudonym, in.Brand, in.Network, in.AuthorID); err != nil {
		return fmt.Errorf("erase the interactions of an author of %s: %w", in.Brand, err)
	}
	// The item panel's copy of the interactions (migration 0016).
	if err := conn.Exec(ctx, `ALTER TABLE interaction_rows UPDATE author_id = ?, author_handle = '', author_name = '', text = '', url = ''
WHERE brand = ? AND network = ? AND author_id = ?`, pseudonym, in.Brand, in.Network, in.AuthorID); err != nil {
		return fmt.Errorf("erase the inbox rows of an author of %s: %w", in.Brand, err)
	}
	// Rows the sink pseudonymised already keep their place: only the text
	// of the interaction's edits is left to blank.
	if len(ids) > 0 {
		for _, table := range []string{"interaction_edits", "drafts", "draft_reviews"} {
			if err := conn.Exec(ctx, "ALTER TABLE "+table+" UPDATE text = '' WHERE brand = ? AND interaction_id IN ?",
				in.Brand, readmodel.InSet(ids)); err != nil {
				return fmt.Errorf("erase the texts of %s of an author of %s: %w", table, in.Brand, err)
			}
		}
	}
	if err := conn.Exec(ctx, "ALTER TABLE followers DELETE WHERE brand = ? AND network = ? AND follower_id = ?",
		in.Brand, in.Network, in.AuthorID); err != nil {
		return fmt.Errorf("erase the follows of an author of %s: %w", in.Brand, err)
	}
	// The inbox's author lookup has the author's id in its sorting key,
	// which a mutation cannot change: its rows are copied under the
	// pseudonym, then deleted (a repeat copies what is left, which
	// collapses with the first copy).
	if err := conn.Exec(ctx, `INSERT INTO interactions_by_author (brand, network, author_id, created_at, id, kind, received_at, received_ms, inserted_at)
SELECT brand, network, ?, created_at, id, kind, received_at, received_ms, inserted_at FROM interactions_by_author
WHERE brand = ? AND network = ? AND author_id = ?`, pseudonym, in.Brand, in.Network, in.AuthorID); err != nil {
		return fmt.Errorf("erase the author lookup of an author of %s: %w", in.Brand, err)
	}
	if err := conn.Exec(ctx, "ALTER TABLE interactions_by_author DELETE WHERE brand = ? AND network = ? AND author_id = ?",
		in.Brand, in.Network, in.AuthorID); err != nil {
		return fmt.Errorf("erase the author lookup of an author of %s: %w", in.Brand, err)
	}
	return r.waitMutations(ctx)
}

// mutationPoll is how often waitMutations asks system.mutations.
const mutationPoll = 100 * time.Millisecond

// waitMutations returns once no mutation of erasedTables is pending.
func (r Reader) waitMutations(ctx context.Context) error {
	for {
		var pending uint64
		if err := r.db.Conn().QueryRow(ctx, `SELECT count() FROM system.mutations
WHERE database = currentDatabase() AND table IN ? AND is_done = 0`, readmodel.InSet(erasedTables)).Scan(&pending); err != nil {
			return fmt.Errorf("wait for the erasure's mutations: %w", err)
		}
		if pending == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for the erasure's mutations: %w", ctx.Err())
		case <-time.After(mutationPoll):
		}
	}
}
