// Package person answers what analytics holds about one author (GDPR art. 15
// and 20: the export) and erases it (art. 17): the author's rows are
// pseudonymised where counts depend on them, deleted where nothing does.
package person

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ruche-project/ruche/events"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/clickhouse"
	"github.com/ruche-project/ruche/pkg/obs"
	"github.com/ruche-project/ruche/services/analytics/inbox"
	"github.com/ruche-project/ruche/services/analytics/internal/readmodel"
)

// Reader reads one author's data.
type Reader struct {
	db    *clickhouse.DB
	inbox inbox.Reader
	// erasures answers the erasure requests already carried out for a
	// subject key (nil: none known).
	erasures func(key string) []string
}

// NewReader reads from db; erasures (may be nil) names the requests
// carried out for a subject key.
func NewReader(db *clickhouse.DB, in inbox.Reader, erasures func(key string) []string) Reader {
	return Reader{db: db, inbox: in, erasures: erasures}
}

// maxAuthorID bounds an author id (networks' ids are far shorter).
const maxAuthorID = 256

func checkRequest(in query.PersonRequest) error {
	if err := events.ValidateBrand(in.Brand); err != nil {
		return readmodel.FieldError{Field: "brand", Msg: err.Error()}
	}
	if !readmodel.ValidToken(in.Network) {
		return readmodel.FieldError{Field: "network", Msg: "is required (a network name such as mastodon)"}
	}
	if in.AuthorID == "" || len(in.AuthorID) > maxAuthorID {
		return readmodel.FieldError{Field: "author_id", Msg: fmt.Sprintf("is required (at most %d bytes)", maxAuthorID)}
	}
	return nil
}

// Export answers everything analytics holds about the author.
func (r Reader) Export(ctx context.Context, in query.PersonRequest) (query.PersonData, error) {
	if err := checkRequest(in); err != nil {
		return query.PersonData{}, err
	}
	ctx = obs.WithBrand(ctx, in.Brand)
	out := query.PersonData{Network: in.Network, AuthorID: in.AuthorID, Interactions: []query.PersonInteraction{},
		CaseDecisions: []query.PersonCaseDecision{}, Replies: []query.PersonReply{}, ContestEntries: []query.PersonContestEntry{},
		Follows: []query.PersonFollow{}}
	items, err := r.inbox.Where(ctx, in.Brand, "network = ? AND author_id = ?", "ORDER BY created_at, id LIMIT ?",
		in.Network, in.AuthorID, query.MaxPersonInteractions+1)
	if err != nil {
		return out, err
	}
	if len(items) > query.MaxPersonInteractions {
		items, out.Truncated = items[:query.MaxPersonInteractions], true
	}
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = it.ID
		p := query.PersonInteraction{Interaction: it}
		if it.EditedAt != nil {
			if p.Edits, err = r.inbox.TextHistory(ctx, in.Brand, it.ID); err != nil {
				return out, err
			}
		}
		out.Interactions = append(out.Interactions, p)
	}
	if len(ids) > 0 {
		if out.CaseDecisions, err = r.caseDecisions(ctx, in.Brand, ids); err != nil {
			return out, err
		}
		if out.Replies, err = r.replies(ctx, in.Brand, ids); err != nil {
			return out, err
		}
	}
	if out.ContestEntries, err = r.contestEntries(ctx, in); err != nil {
		return out, err
	}
	if out.Follows, err = r.follows(ctx, in); err != nil {
		return out, err
	}
	if r.erasures != nil {
		out.Erasures = r.erasures(subjectKey(in))
	}
	return out, nil
}

func (r Reader) caseDecisions(ctx context.Context, brand string, ids []string) ([]query.PersonCaseDecision, error) {
	out := []query.PersonCaseDecision{}
	rows, err := r.db.Conn().Query(ctx, `SELECT interaction_id, decision, moderator, assignee, reason, decided_at
FROM case_decisions FINAL WHERE brand = ? AND interaction_id IN ? ORDER BY decided_at, id`, brand, readmodel.InSet(ids))
	if err != nil {
		return nil, fmt.Errorf("case decisions of an author of %s: %w", brand, err)
	}
	defer rows.Close()
	for rows.Next() {
		var d query.PersonCaseDecision
		if err := rows.Scan(&d.InteractionID, &d.Decision, &d.Moderator, &d.Assignee, &d.Reason, &d.DecidedAt); err != nil {
			return nil, fmt.Errorf("case decisions of an author of %s: %w", brand, err)
		}
		d.DecidedAt = d.DecidedAt.UTC()
		out = append(out, d)
	}
	return out, rows.Err()
}

func (r Reader) replies(ctx context.Context, brand string, ids []string) ([]query.PersonReply, error) {
	out := []query.PersonReply{}
	rows, err := r.db.Conn().Query(ctx, `SELECT interaction_id, id, platform_id, private, agent, automated, sent_at
FROM replies FINAL WHERE brand = ? AND interaction_id IN ? ORDER BY sent_at, id`, brand, readmodel.InSet(ids))
	if err != nil {
		return nil, fmt.Errorf("replies to an author of %s: %w", brand, err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			p                  query.PersonReply
			private, automated uint8
		)
		if err := rows.Scan(&p.InteractionID, &p.ID, &p.PlatformID, &private, &p.Agent, &automated, &p.SentAt); err != nil {
			return nil, fmt.Errorf("replies to an author of %s: %w", brand, err)
		}
		p.Private, p.Automated, p.SentAt = private == 1, automated == 1, p.SentAt.UTC()
		out = append(out, p)
	}
	return out, rows.Err()
}

// contestEntries reads the draws the author was eligible for, won or was
// excluded from ("<interaction>\t<author>\t<reason>" entries).
func (r Reader) contestEntries(ctx context.Context, in query.PersonRequest) ([]query.PersonContestEntry, error) {
	out := []query.PersonContestEntry{}
	rows, err := r.db.Conn().Query(ctx, `SELECT id, post_id, eligible_authors, eligible_entries, excluded_entries, winners, drawn_at
FROM contest_draws FINAL
WHERE brand = ? AND network = ? AND (has(eligible_authors, ?) OR arrayExists(x -> position(x, ?) > 0, excluded_entries))
ORDER BY drawn_at, id`, in.Brand, in.Network, in.AuthorID, "\t"+in.AuthorID+"\t")
	if err != nil {
		return nil, fmt.Errorf("contest draws of %s: %w", in.Brand, err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id, post                            string
			authors, entries, excluded, winners []string
			at                                  time.Time
		)
		if err := rows.Scan(&id, &post, &authors, &entries, &excluded, &winners, &at); err != nil {
			return nil, fmt.Errorf("contest draws of %s: %w", in.Brand, err)
		}
		e := query.PersonContestEntry{ContestID: id, PostID: post, DrawnAt: at.UTC()}
		for i, a := range authors {
			if a == in.AuthorID && i < len(entries) {
				e.Eligible, e.InteractionID = true, entries[i]
			}
		}
		for _, w := range winners {
			e.Winner = e.Winner || w == in.AuthorID
		}
		for _, x := range excluded {
			if parts := strings.SplitN(x, "\t", 3); len(parts) == 3 && parts[1] == in.AuthorID {
				e.Excluded = parts[2]
				if e.InteractionID == "" {
					e.InteractionID = parts[0]
				}
			}
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

func (r Reader) follows(ctx context.Context, in query.PersonRequest) ([]query.PersonFollow, error) {
	out := []query.PersonFollow{}
	rows, err := r.db.Conn().Query(ctx, `SELECT account, follower_handle, follower_name, follower_followers, followed_at
FROM followers FINAL WHERE brand = ? AND network = ? AND follower_id = ? ORDER BY followed_at, account`, in.Brand, in.Network, in.AuthorID)
	if err != nil {
		return nil, fmt.Errorf("follows of an author of %s: %w", in.Brand, err)
	}
	defer rows.Close()
	for rows.Next() {
		var f query.PersonFollow
		if err := rows.Scan(&f.Account, &f.Handle, &f.Name, &f.Followers, &f.FollowedAt); err != nil {
			return nil, fmt.Errorf("follows of an author of %s: %w", in.Brand, err)
		}
		f.FollowedAt = f.FollowedAt.UTC()
		out = append(out, f)
	}
	return out, rows.Err()
}
