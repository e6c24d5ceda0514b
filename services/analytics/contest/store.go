package contest

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/ruche-project/ruche/events"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/services/analytics/internal/readmodel"
)

// maxContestComments bounds the comments one draw reads.
const maxContestComments = 200_000

const contestColumns = "id, brand, network, post_id, rules, seed, algorithm, eligible_authors, eligible_entries, " +
	"excluded_entries, winners, drawn_by, drawn_at"

var contestID = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}$`)

func checkContestRef(brand, id string) error {
	if err := events.ValidateBrand(brand); err != nil {
		return readmodel.BadRequest{Msg: err.Error()}
	}
	if !contestID.MatchString(id) {
		return readmodel.BadRequest{Msg: "contest id must be 1 to 64 lowercase letters, digits or '-'"}
	}
	return nil
}

func checkRules(r query.ContestRules) error {
	switch {
	case !readmodel.ValidToken(r.Network) || r.PostID == "" || len(r.PostID) > 256:
		return readmodel.BadRequest{Msg: "rules.network and rules.post_id are required"}
	case r.Winners < 1 || r.Winners > query.MaxContestWinners:
		return readmodel.BadRequest{Msg: fmt.Sprintf("rules.winners must be from 1 to %d", query.MaxContestWinners)}
	case r.From != nil && r.To != nil && !r.From.Before(*r.To):
		return readmodel.BadRequest{Msg: "rules.from must be before rules.to"}
	case len(r.Keywords) > 20 || len(r.ExcludedAuthors) > 1000:
		return readmodel.BadRequest{Msg: "at most 20 keywords and 1000 excluded authors"}
	}
	return nil
}

// draw runs, stores and returns a draw; an existing id returns the stored
// draw when the rules are the same.
func (s Reader) draw(ctx context.Context, in query.ContestDrawRequest, now time.Time) (query.ContestDraw, error) {
	if in.ID == "" {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		in.ID = "draw-" + hex.EncodeToString(b)
	}
	if err := checkContestRef(in.Brand, in.ID); err != nil {
		return query.ContestDraw{}, err
	}
	if err := checkRules(in.Rules); err != nil {
		return query.ContestDraw{}, err
	}
	if stored, err := s.contest(ctx, in.Brand, in.ID); err == nil {
		a, _ := json.Marshal(stored.Rules)
		b, _ := json.Marshal(in.Rules)
		if !bytes.Equal(a, b) {
			return query.ContestDraw{}, readmodel.BadRequest{Msg: fmt.Sprintf("contest %s was already drawn with other rules", in.ID)}
		}
		return stored, nil
	} else if !errors.As(err, new(readmodel.NotFound)) {
		return query.ContestDraw{}, err
	}
	seed := make([]byte, 32)
	if in.Seed == "" {
		if _, err := rand.Read(seed); err != nil {
			return query.ContestDraw{}, fmt.Errorf("draw seed: %w", err)
		}
	} else if b, err := hex.DecodeString(in.Seed); err != nil || len(b) != 32 {
		return query.ContestDraw{}, readmodel.BadRequest{Msg: "seed must be 64 hex digits"}
	} else {
		seed = b
	}
	cands, err := s.contestComments(ctx, in.Brand, in.Rules)
	if err != nil {
		return query.ContestDraw{}, err
	}
	drawnAt := now.UTC().Truncate(time.Second)
	eligible, excluded := selectEntries(in.Rules, cands, drawnAt)
	d := query.ContestDraw{
		ID: in.ID, Brand: in.Brand, Rules: in.Rules, Seed: hex.EncodeToString(seed), Algorithm: query.ContestAlgorithm,
		DrawnBy: in.DrawnBy, DrawnAt: drawnAt, Eligible: eligible, Excluded: excluded,
		Winners: drawWinners(seed, in.Brand, in.ID, eligible, in.Rules.Winners),
	}
	rules, _ := json.Marshal(d.Rules)
	row := []any{d.ID, d.Brand, d.Rules.Network, d.Rules.PostID, string(rules), d.Seed, d.Algorithm,
		authorIDs(d.Eligible), entryIDs(d.Eligible), exclusions(d.Excluded), authorIDs(d.Winners), d.DrawnBy, d.DrawnAt}
	if err := readmodel.Insert(ctx, s.db, "contest_draws", contestColumns, [][]any{row}); err != nil {
		return query.ContestDraw{}, err
	}
	return d, nil
}

// contestComments reads the comments of the rules' post with their latest verdict.
func (s Reader) contestComments(ctx context.Context, brand string, r query.ContestRules) ([]candidate, error) {
	rows, err := s.db.Conn().Query(ctx, `SELECT id, author_id, author_handle, text, created_at, v FROM (
	SELECT id, author_id, author_handle, text, created_at FROM interactions FINAL
	WHERE brand = ? AND network = ? AND kind IN ('comment', 'reply') AND (thread_id = ? OR parent_id = ?)
) ANY LEFT JOIN (
	SELECT interaction_id AS id, argMax(verdict, version) AS v FROM interaction_state
	WHERE brand = ? AND interaction_id IN (
		SELECT id FROM interactions WHERE brand = ? AND network = ? AND (thread_id = ? OR parent_id = ?))
	GROUP BY interaction_id
) USING id
LIMIT ?`, brand, r.Network, r.PostID, r.PostID, brand, brand, r.Network, r.PostID, r.PostID, maxContestComments+1)
	if err != nil {
		return nil, fmt.Errorf("contest comments of %s: %w", brand, err)
	}
	defer rows.Close()
	var out []candidate
	for rows.Next() {
		var c candidate
		if err := rows.Scan(&c.InteractionID, &c.AuthorID, &c.Handle, &c.Text, &c.CreatedAt, &c.Verdict); err != nil {
			return nil, fmt.Errorf("contest comments of %s: %w", brand, err)
		}
		out = append(out, c)
	}
	if len(out) > maxContestComments {
		return nil, readmodel.BadRequest{Msg: fmt.Sprintf("the post has more than %d comments", maxContestComments)}
	}
	return out, rows.Err()
}

// contest reads a stored draw, or readmodel.NotFound.
func (s Reader) contest(ctx context.Context, brand, id string) (query.ContestDraw, error) {
	var (
		d                             query.ContestDraw
		rules                         string
		eligAuthors, eligEntries, exc []string
		winners                       []string
	)
	err := s.db.Conn().QueryRow(ctx, `SELECT id, brand, rules, seed, algorithm, eligible_authors, eligible_entries,
	excluded_entries, winners, drawn_by, drawn_at FROM contest_draws FINAL WHERE brand = ? AND id = ?`, brand, id).
		Scan(&d.ID, &d.Brand, &rules, &d.Seed, &d.Algorithm, &eligAuthors, &eligEntries, &exc, &winners, &d.DrawnBy, &d.DrawnAt)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return d, readmodel.NotFound{Msg: fmt.Sprintf("contest %s of brand %s not found", id, brand)}
		}
		return d, fmt.Errorf("contest %s of %s: %w", id, brand, err)
	}
	d.DrawnAt = d.DrawnAt.UTC()
	if err := json.Unmarshal([]byte(rules), &d.Rules); err != nil {
		return d, fmt.Errorf("contest %s rules: %w", id, err)
	}
	handles, err := s.handles(ctx, brand, eligEntries)
	if err != nil {
		return d, err
	}
	d.Eligible = []query.ContestEntry{}
	byAuthor := map[string]query.ContestEntry{}
	for i, a := range eligAuthors {
		e := query.ContestEntry{Network: d.Rules.Network, AuthorID: a, Handle: handles[eligEntries[i]], InteractionID: eligEntries[i]}
		d.Eligible = append(d.Eligible, e)
		byAuthor[a] = e
	}
	d.Excluded = []query.ContestExclusion{}
	for _, x := range exc {
		parts := strings.SplitN(x, "\t", 3)
		if len(parts) == 3 {
			d.Excluded = append(d.Excluded, query.ContestExclusion{InteractionID: parts[0], AuthorID: parts[1], Reason: parts[2]})
		}
	}
	d.Winners = []query.ContestEntry{}
	for _, w := range winners {
		d.Winners = append(d.Winners, byAuthor[w])
	}
	return d, nil
}

func (s Reader) handles(ctx context.Context, brand string, ids []string) (map[string]string, error) {
	out := map[string]string{}
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := s.db.Conn().Query(ctx, "SELECT id, any(author_handle) FROM interactions WHERE brand = ? AND id IN ? GROUP BY id", brand, readmodel.InSet(ids))
	if err != nil {
		return nil, fmt.Errorf("handles of %s: %w", brand, err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, h string
		if err := rows.Scan(&id, &h); err != nil {
			return nil, err
		}
		out[id] = h
	}
	return out, rows.Err()
}

// verify re-runs a stored draw.
func (s Reader) verify(ctx context.Context, brand, id string) (query.ContestVerification, error) {
	d, err := s.contest(ctx, brand, id)
	if err != nil {
		return query.ContestVerification{}, err
	}
	seed, err := hex.DecodeString(d.Seed)
	if err != nil {
		return query.ContestVerification{}, fmt.Errorf("contest %s seed: %w", id, err)
	}
	v := query.ContestVerification{ID: id, Winners: authorIDs(drawWinners(seed, brand, id, d.Eligible, d.Rules.Winners))}
	v.WinnersMatch = slices.Equal(v.Winners, authorIDs(d.Winners))
	cands, err := s.contestComments(ctx, brand, d.Rules)
	if err != nil {
		return v, err
	}
	now, _ := selectEntries(d.Rules, cands, d.DrawnAt)
	v.EligibleNow = len(now)
	v.EligibleMatch = slices.Equal(entryIDs(now), entryIDs(d.Eligible)) && slices.Equal(authorIDs(now), authorIDs(d.Eligible))
	return v, nil
}

func authorIDs(es []query.ContestEntry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.AuthorID
	}
	return out
}

func entryIDs(es []query.ContestEntry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.InteractionID
	}
	return out
}

func exclusions(xs []query.ContestExclusion) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = x.InteractionID + "\t" + x.AuthorID + "\t" + x.Reason
	}
	return out
}
