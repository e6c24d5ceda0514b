package inbox

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"
	"golang.org/x/sync/errgroup"

	interaction "github.com/ruche-project/ruche/events/interaction/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/services/analytics/internal/readmodel"
)

// maxFilterValues bounds each list filter.
const maxFilterValues = 50

// sqlFilter is a checked InteractionFilter as SQL conditions on the
// interactions table (alias-free) and their arguments. The conditions on
// the moderation state, replies and case decisions are subqueries over
// per-interaction tables; each holds the marker {ids} (and onlyIDs in its
// arguments) where a listing narrows it to the interactions it is looking
// at, so that the subquery reads those instead of the brand's history.
type sqlFilter struct {
	where []string
	args  []any
}

// onlyIDs marks where the arguments of an {ids} restriction go.
type onlyIDs struct{}

// idsMarker is replaced by a restriction on interaction_id.
const idsMarker = "{ids}"

func (f *sqlFilter) add(cond string, args ...any) {
	f.where = append(f.where, cond)
	f.args = append(f.args, args...)
}

// sql renders the conditions as " AND ..." (empty when there are none),
// each subquery narrowed to the interaction ids that restrict (an SQL
// condition on interaction_id, with its arguments rargs) selects; an empty
// restrict leaves them whole.
func (f sqlFilter) sql(restrict string, rargs ...any) (string, []any) {
	if len(f.where) == 0 {
		return "", nil
	}
	if restrict != "" {
		restrict = " AND " + restrict
	}
	args := make([]any, 0, len(f.args))
	for _, a := range f.args {
		if _, ok := a.(onlyIDs); ok {
			if restrict != "" {
				args = append(args, rargs...)
			}
			continue
		}
		args = append(args, a)
	}
	return "\n\tAND " + strings.ReplaceAll(strings.Join(f.where, "\n\tAND "), idsMarker, restrict), args
}

// parseFilter checks in and turns it into conditions for brand.
func parseFilter(brand string, in query.InteractionFilter) (sqlFilter, error) {
	var f sqlFilter
	lists := []struct {
		name   string
		values []string
		valid  func(string) bool
	}{
		{"networks", in.Networks, readmodel.ValidToken},
		{"kinds", in.Kinds, func(k string) bool { return slices.Contains(interaction.Kinds, interaction.Kind(k)) }},
		{"verdicts", in.Verdicts, readmodel.ValidToken},
		{"statuses", in.Statuses, func(s string) bool {
			return s == query.StatusOpen || s == query.StatusResponded || s == query.StatusClosed
		}},
		{"sentiments", in.Sentiments, readmodel.ValidToken},
		{"intents", in.Intents, readmodel.ValidToken},
		{"labels", in.Labels, readmodel.ValidToken},
	}
	for _, l := range lists {
		if len(l.values) > maxFilterValues {
			return f, readmodel.BadRequest{Msg: fmt.Sprintf("%s: at most %d values", l.name, maxFilterValues)}
		}
		for _, v := range l.values {
			if !l.valid(v) {
				return f, readmodel.BadRequest{Msg: fmt.Sprintf("%s: %q is not a valid value", l.name, v)}
			}
		}
	}
	if len(in.Networks) > 0 {
		f.add("network IN ?", readmodel.InSet(in.Networks))
	}
	if len(in.Kinds) > 0 {
		f.add("kind IN ?", readmodel.InSet(in.Kinds))
	}
	if in.AuthorID != "" {
		f.add("author_id = ?", in.AuthorID)
	}
	if in.From != nil && in.To != nil && !in.From.Before(*in.To) {
		return f, readmodel.BadRequest{Msg: "from must be before to"}
	}
	if in.From != nil {
		f.add("created_at >= toDateTime(?)", in.From.Unix())
	}
	if in.To != nil {
		f.add("created_at < toDateTime(?)", in.To.Unix())
	}
	if in.Text != "" {
		if len(in.Text) > readmodel.MaxSearchText {
			return f, readmodel.BadRequest{Msg: fmt.Sprintf("text: at most %d bytes", readmodel.MaxSearchText)}
		}
		// The current text: the latest edit's when the author edited it.
		needle := readmodel.Fold(strings.TrimSpace(in.Text))
		edited := "SELECT interaction_id FROM interaction_edits WHERE brand = ?" + idsMarker
		f.add("(position("+readmodel.FoldSQL("text")+", ?) > 0 AND id NOT IN ("+edited+") OR id IN ("+edited+
			" GROUP BY interaction_id HAVING position("+readmodel.FoldSQL("argMax(text, version)")+", ?) > 0))",
			needle, brand, onlyIDs{}, brand, onlyIDs{}, needle)
	}

	// Conditions on the labels: the latest of the interaction's
	// moderations and of the labels moderators' corrections left
	// (migration 0017), in one subquery.
	var labels []string
	var largs []any
	for _, set := range [][]string{readmodel.Prefixed("sentiment:", in.Sentiments), readmodel.Prefixed("intent:", in.Intents), in.Labels} {
		if len(set) > 0 {
			labels = append(labels, "hasAny(argMax(labels, version), ?)")
			largs = append(largs, set)
		}
	}
	if len(labels) > 0 {
		f.add(`id IN (SELECT interaction_id FROM (
		SELECT interaction_id, labels, version FROM interaction_state_by_id WHERE brand = ?`+idsMarker+`
		UNION ALL
		SELECT interaction_id, labels, version FROM label_corrections WHERE brand = ?`+idsMarker+`
	) GROUP BY interaction_id HAVING `+strings.Join(labels, " AND ")+")", append([]any{brand, onlyIDs{}, brand, onlyIDs{}}, largs...)...)
	}

	// Conditions on the latest moderation state, in one subquery.
	var having []string
	var hargs []any
	if len(in.Verdicts) > 0 {
		having = append(having, "argMax(verdict, version) IN ?")
		hargs = append(hargs, readmodel.InSet(in.Verdicts))
	}
	if in.MinPriority != nil {
		having = append(having, "argMax(priority, version) >= ?")
		hargs = append(hargs, int32(*in.MinPriority))
	}
	if in.MaxPriority != nil {
		having = append(having, "argMax(priority, version) <= ?")
		hargs = append(hargs, int32(*in.MaxPriority))
	}
	if in.Queue != "" {
		if !readmodel.ValidToken(in.Queue) {
			return f, readmodel.BadRequest{Msg: fmt.Sprintf("queue: %q is not a valid value", in.Queue)}
		}
		having = append(having, "has(argMax(actions, version), ?)")
		hargs = append(hargs, "route:"+in.Queue)
	}
	if len(having) > 0 {
		f.add("id IN (SELECT interaction_id FROM interaction_state_by_id WHERE brand = ?"+idsMarker+" GROUP BY interaction_id HAVING "+
			strings.Join(having, " AND ")+")", append([]any{brand, onlyIDs{}}, hargs...)...)
	}

	switch in.Assignee {
	case "":
	case query.Unassigned:
		f.add("id NOT IN (SELECT interaction_id FROM case_decisions WHERE brand = ?"+idsMarker+" AND decision = 'assign' GROUP BY interaction_id HAVING argMax(assignee, version) != '')", brand, onlyIDs{})
	default:
		f.add("id IN (SELECT interaction_id FROM case_decisions WHERE brand = ?"+idsMarker+" AND decision = 'assign' GROUP BY interaction_id HAVING argMax(assignee, version) = ?)", brand, onlyIDs{}, in.Assignee)
	}

	if len(in.Statuses) > 0 && len(in.Statuses) < 3 {
		responded := "id IN (SELECT interaction_id FROM replies WHERE brand = ?" + idsMarker + ")"
		deleted := "id IN (SELECT interaction_id FROM interaction_deletions WHERE brand = ?" + idsMarker + ")"
		closed := "id IN (SELECT interaction_id FROM case_decisions WHERE brand = ?" + idsMarker + " GROUP BY interaction_id HAVING argMax(decision, version) IN ?)"
		var ors []string
		var oargs []any
		for _, s := range readmodel.Dedupe(in.Statuses) {
			switch s {
			case query.StatusResponded:
				ors = append(ors, responded)
				oargs = append(oargs, brand, onlyIDs{})
			case query.StatusClosed:
				ors = append(ors, "(NOT "+responded+" AND "+closed+")")
				oargs = append(oargs, brand, onlyIDs{}, brand, onlyIDs{}, readmodel.InSet(readmodel.ClosingDecisions))
			case query.StatusOpen:
				ors = append(ors, "(NOT "+responded+" AND NOT "+closed+" AND NOT "+deleted+")")
				oargs = append(oargs, brand, onlyIDs{}, brand, onlyIDs{}, readmodel.InSet(readmodel.ClosingDecisions), brand, onlyIDs{})
			}
		}
		f.add("("+strings.Join(ors, " OR ")+")", oargs...)
	}
	return f, nil
}

// The listing is newest received first, but interactions is sorted by
// (brand, created_at, id): ordering a brand by received_at there means
// reading (FINAL) its whole history for every page. interactions_by_received
// (migration 0008, filled by a materialized view) holds the key of every
// stored copy sorted by (brand, received_at, received_ms, id), so a page
// reads time slices of it through its primary key: the first slice is the
// last hour before the cursor (or now; eight hours under a filter), each
// next one is eight times wider
// than the previous, until the page is full or the slice reaches the oldest
// interaction stored (of any brand: the parts' metadata says it at once).
//
// In a slice, candidates are copies in listing order (with the filters when
// there are any, applied to each copy); the copies of the candidates' keys
// are then read through the primary key of interactions and collapsed as
// FINAL does, then filtered, as the whole listing used to be. A collapsed row is listed where its own copy stands
// when that falls in the stretch of the listing the batch covers: a copy
// superseded by a later one with another received_at is listed where the
// later one stands, and identical copies are listed once. (For the few
// milliseconds between the insert and the view's write, a superseding copy
// whose predecessor lies in an older stretch is not listed yet.) Conditions on the
// moderation state, replies and decisions read only the ids of the slice or
// of the candidates.
const (
	firstSlice  = time.Hour
	sliceGrowth = 8
)

// copyKey is one stored copy of an interaction: its key in interactions
// (created_at, id) and its place in the listing (received_at, ms, id).
type copyKey struct {
	created  uint32
	id       string
	received uint32
	ms       uint16
}

func (k copyKey) cursor() cursor {
	return cursor{ReceivedMS: int64(k.received)*1000 + int64(k.ms), ID: k.id}
}

// slice is a half-open range [lo, hi) of received_at seconds; hi 0 is none.
type slice struct{ lo, hi uint32 }

func (sl slice) sql(column string) (string, []any) {
	if sl.hi == 0 {
		return column + " >= toDateTime(?)", []any{sl.lo}
	}
	return column + " >= toDateTime(?) AND " + column + " < toDateTime(?)", []any{sl.lo, sl.hi}
}

// afterSQL is the condition on the listing order that continues after c.
func afterSQL(c *cursor) (string, []any) {
	if c == nil {
		return "", nil
	}
	sec, ms := c.seconds(), c.millis()
	return `
	AND (received_at < toDateTime(?)
		OR (received_at = toDateTime(?) AND (received_ms < ? OR (received_ms = ? AND id < ?))))`, []any{sec, sec, ms, ms, c.ID}
}

// listInteractions returns one page of a brand's interactions, newest
// received first, with their latest moderation state, and the cursor of the
// next page ("" on the last).
func (s Reader) listInteractions(ctx context.Context, p listParams) (query.ListInteractionsResponse, error) {
	need := p.limit + 1
	top := uint32(time.Now().Unix()) + 1
	sl := slice{}
	if p.after != nil {
		top = uint32(max(p.after.seconds()+1, 1))
		sl.hi = top
	}
	var (
		items  []query.Interaction
		oldest uint32 // the oldest received_at stored, read when first needed
		span   = uint64(firstSlice / time.Second)
	)
	if len(p.filter.where) > 0 {
		// A filter keeps a share of each slice: its first slice is the
		// second one's width, one round of queries fewer for most pages.
		span *= sliceGrowth
	}
	for {
		sl.lo = top - uint32(min(span, uint64(top)))
		found, err := s.sliceItems(ctx, p, sl, need-len(items))
		if err != nil {
			return query.ListInteractionsResponse{}, fmt.Errorf("list interactions of %s: %w", p.brand, err)
		}
		items = append(items, found...)
		if len(items) >= need || sl.lo == 0 {
			break
		}
		if oldest == 0 {
			// The oldest received_at of every brand, from the parts'
			// metadata: a bound below the brand's own (reading that one
			// scans the brand's copies), reached in a few slices more.
			var parts uint64
			if err := s.db.Conn().QueryRow(ctx, `SELECT count(), toUInt32(min(min_time)) FROM system.parts
WHERE database = currentDatabase() AND table = 'interactions_by_received' AND active`).Scan(&parts, &oldest); err != nil {
				return query.ListInteractionsResponse{}, fmt.Errorf("list interactions of %s: %w", p.brand, err)
			}
			if parts == 0 {
				break
			}
		}
		if sl.lo <= oldest {
			break
		}
		top, sl.hi, span = sl.lo, sl.lo, min(span, uint64(top))*sliceGrowth
	}
	resp := query.ListInteractionsResponse{Items: items}
	if len(items) > p.limit {
		resp.Items = items[:p.limit]
		resp.NextCursor = cursorAfter(resp.Items[p.limit-1]).encode()
	}
	if err := s.join(ctx, p.brand, resp.Items); err != nil {
		return query.ListInteractionsResponse{}, err
	}
	if resp.Items == nil {
		resp.Items = []query.Interaction{}
	}
	return resp, nil
}

// sliceItems returns up to want interactions of sl that the listing shows,
// in its order, after p's cursor. A batch lists the collapsed rows of its
// candidates whose own copy falls in the stretch of the listing the batch
// covers: the candidates' copies that are not superseded and, when a copy
// is superseded by one the materialized view has not written yet (for a few
// milliseconds after the insert), that one too.
func (s Reader) sliceItems(ctx context.Context, p listParams, sl slice, want int) ([]query.Interaction, error) {
	var (
		out   []query.Interaction
		after = p.after
	)
	for {
		batch := want - len(out) + 8 + want/4 // room for superseded copies
		cands, err := s.candidates(ctx, p, sl, after, batch)
		if err != nil || len(cands) == 0 {
			return out, err
		}
		rows, err := s.collapsed(ctx, p, cands)
		if err != nil {
			return nil, err
		}
		full := len(cands) == batch
		last := cands[len(cands)-1]
		var found []copyKey
		for k := range rows {
			if k.received < sl.lo || (sl.hi != 0 && k.received >= sl.hi) ||
				(after != nil && !k.olderThan(after.seconds(), after.millis(), after.ID)) || (full && k.olderThan(int64(last.received), last.ms, last.id)) {
				continue // another stretch lists it
			}
			found = append(found, k)
		}
		slices.SortFunc(found, func(a, b copyKey) int {
			if a.olderThan(int64(b.received), b.ms, b.id) {
				return 1
			}
			return -1
		})
		for _, k := range found {
			out = append(out, rows[k])
			if len(out) == want {
				return out, nil
			}
		}
		if !full {
			return out, nil
		}
		c := last.cursor()
		after = &c
	}
}

// olderThan reports whether k comes after (received, ms, id) in the
// listing, which is newest first.
func (k copyKey) olderThan(received int64, ms uint16, id string) bool {
	switch {
	case int64(k.received) != received:
		return int64(k.received) < received
	case k.ms != ms:
		return k.ms < ms
	}
	return k.id < id
}

// candidates are the next n copies of sl after the cursor, in listing
// order: from interactions_by_received without filters, else from
// interactions narrowed to the slice's keys.
func (s Reader) candidates(ctx context.Context, p listParams, sl slice, after *cursor, n int) ([]copyKey, error) {
	inSlice, sargs := sl.sql("received_at")
	afterCond, aargs := afterSQL(after)
	var (
		q    string
		args []any
	)
	if len(p.filter.where) == 0 {
		q = `SELECT toUInt32(created_at), id, toUInt32(received_at), received_ms FROM interactions_by_received
WHERE brand = ? AND ` + inSlice + afterCond
		args = append(append([]any{p.brand}, sargs...), aargs...)
	} else {
		keys := "SELECT created_at, id FROM interactions_by_received WHERE brand = ? AND " + inSlice + afterCond
		keyArgs := append(append([]any{p.brand}, sargs...), aargs...)
		filter, fargs := p.filter.sql("interaction_id IN (SELECT id FROM interactions_by_received WHERE brand = ? AND "+inSlice+")",
			append([]any{p.brand}, sargs...)...)
		q = `SELECT toUInt32(created_at), id, toUInt32(received_at), received_ms FROM interactions
WHERE brand = ? AND (created_at, id) IN (` + keys + `)
	AND ` + inSlice + afterCond + filter
		args = append(append(append(append([]any{p.brand}, keyArgs...), sargs...), aargs...), fargs...)
	}
	q += `
ORDER BY received_at DESC, received_ms DESC, id DESC
LIMIT ?`
	rows, err := s.db.Conn().Query(ctx, q, append(args, n)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []copyKey
	for rows.Next() {
		var k copyKey
		if err := rows.Scan(&k.created, &k.id, &k.received, &k.ms); err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// collapsed reads every copy of cands' keys, collapses them as FINAL does
// and returns the rows that pass p's filters by the copy they collapsed to.
func (s Reader) collapsed(ctx context.Context, p listParams, cands []copyKey) (map[copyKey]query.Interaction, error) {
	set := make([]any, len(cands))
	ids := make([]any, len(cands))
	for i, k := range cands {
		set[i] = ch.GroupSet{Value: []any{k.created, k.id}}
		ids[i] = k.id
	}
	filter, fargs := p.filter.sql("interaction_id IN ?", ch.GroupSet{Value: ids})
	return s.collapse(ctx, "interactions", p.brand, "(created_at, id) IN ?", []any{ch.GroupSet{Value: set}}, filter, fargs)
}

// collapse reads every copy of the keys that the condition keys (with its
// arguments kargs) selects from table (interactions, or its copy
// interaction_rows), collapses them as FINAL does
// (ReplacingMergeTree(inserted_at): the highest inserted_at wins, then the
// copy of the part written last) and returns the rows that pass filter (""
// or " AND ..." conditions, with fargs) by the copy they collapsed to.
// FINAL itself reads every column of the keys' granules; without it, the
// key condition runs as PREWHERE and only the copies are read.
func (s Reader) collapse(ctx context.Context, table, brand, keys string, kargs []any, filter string, fargs []any) (map[copyKey]query.Interaction, error) {
	rows, err := s.db.Conn().Query(ctx, "SELECT "+interactionFields+", toUInt32(inserted_at), _part, (1"+filter+`) AS passes
FROM `+table+`
WHERE brand = ? AND `+keys, append(append(fargs, brand), kargs...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	type copyRow struct {
		it       query.Interaction
		inserted uint32
		block    uint64
		passes   bool
	}
	winners := map[[2]string]copyRow{}
	for rows.Next() {
		var (
			c      copyRow
			part   string
			passes uint8
		)
		if c.it, err = scanInteraction(rows, &c.inserted, &part, &passes); err != nil {
			return nil, err
		}
		c.block, c.passes = partMinBlock(part), passes == 1
		k := [2]string{c.it.CreatedAt.Format(time.RFC3339), c.it.ID}
		if w, ok := winners[k]; !ok || c.inserted > w.inserted || (c.inserted == w.inserted && c.block >= w.block) {
			winners[k] = c
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make(map[copyKey]query.Interaction, len(winners))
	for _, w := range winners {
		if w.passes {
			ms := w.it.ReceivedAt.Nanosecond() / int(time.Millisecond)
			out[copyKey{created: uint32(w.it.CreatedAt.Unix()), id: w.it.ID, received: uint32(w.it.ReceivedAt.Unix()), ms: uint16(ms)}] = w.it
		}
	}
	return out, nil
}

// partMinBlock is the first block number of a MergeTree part name
// (partition_minblock_maxblock_level): of two parts of one partition, the
// one written later has the higher number.
func partMinBlock(part string) uint64 {
	f := strings.Split(part, "_")
	if len(f) < 4 {
		return 0
	}
	n, _ := strconv.ParseUint(f[len(f)-3], 10, 64)
	return n
}

// joinStates fills the moderation fields of items from the latest state of
// each: argMax over version, whether or not the parts have merged yet.
func (s Reader) joinStates(ctx context.Context, brand string, items []query.Interaction) error {
	if len(items) == 0 {
		return nil
	}
	ids, byID := indexByID(items)
	rows, err := s.db.Conn().Query(ctx, `SELECT interaction_id,
	argMax(verdict, version), argMax(labels, version), argMax(priority, version)
FROM interaction_state_by_id
WHERE brand = ? AND interaction_id IN ?
GROUP BY interaction_id`, brand, ch.GroupSet{Value: ids})
	if err != nil {
		return fmt.Errorf("moderation state of %s: %w", brand, err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id, verdict string
			labels      []string
			priority    int32
		)
		if err := rows.Scan(&id, &verdict, &labels, &priority); err != nil {
			return fmt.Errorf("moderation state of %s: %w", brand, err)
		}
		for _, i := range byID[id] {
			items[i].Verdict, items[i].Labels, items[i].Priority = verdict, labels, int(priority)
		}
	}
	return rows.Err()
}

// join fills the edits, deletions and moderation of items, the three read
// at once (each writes its own fields).
func (s Reader) join(ctx context.Context, brand string, items []query.Interaction) error {
	if len(items) == 0 {
		return nil
	}
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return s.joinEdits(gctx, brand, items) })
	g.Go(func() error { return s.joinDeletions(gctx, brand, items) })
	g.Go(func() error { return s.joinStates(gctx, brand, items) })
	return g.Wait()
}

// joinEdits shows the latest edit's text of each edited item, with its
// edited_at.
func (s Reader) joinEdits(ctx context.Context, brand string, items []query.Interaction) error {
	ids, byID := indexByID(items)
	rows, err := s.db.Conn().Query(ctx, `SELECT interaction_id, argMax(text, version), argMax(lang, version), max(edited_at)
FROM interaction_edits
WHERE brand = ? AND interaction_id IN ?
GROUP BY interaction_id`, brand, ch.GroupSet{Value: ids})
	if err != nil {
		return fmt.Errorf("edits of %s: %w", brand, err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id, text, lang string
			at             time.Time
		)
		if err := rows.Scan(&id, &text, &lang, &at); err != nil {
			return fmt.Errorf("edits of %s: %w", brand, err)
		}
		at = at.UTC()
		for _, i := range byID[id] {
			items[i].Text, items[i].EditedAt = text, &at
			if lang != "" {
				items[i].Lang = lang
			}
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("edits of %s: %w", brand, err)
	}
	return nil
}

// joinDeletions marks the deleted items.
func (s Reader) joinDeletions(ctx context.Context, brand string, items []query.Interaction) error {
	ids, byID := indexByID(items)
	drows, err := s.db.Conn().Query(ctx, `SELECT interaction_id, min(deleted_at)
FROM interaction_deletions
WHERE brand = ? AND interaction_id IN ?
GROUP BY interaction_id`, brand, ch.GroupSet{Value: ids})
	if err != nil {
		return fmt.Errorf("deletions of %s: %w", brand, err)
	}
	defer drows.Close()
	for drows.Next() {
		var (
			id string
			at time.Time
		)
		if err := drows.Scan(&id, &at); err != nil {
			return fmt.Errorf("deletions of %s: %w", brand, err)
		}
		at = at.UTC()
		for _, i := range byID[id] {
			items[i].DeletedAt = &at
		}
	}
	if err := drows.Err(); err != nil {
		return fmt.Errorf("deletions of %s: %w", brand, err)
	}
	return nil
}

// indexByID lists the ids of items (as query arguments) and where each
// stands in items.
func indexByID(items []query.Interaction) ([]any, map[string][]int) {
	ids := make([]any, len(items))
	byID := make(map[string][]int, len(items))
	for i := range items {
		ids[i] = items[i].ID
		byID[items[i].ID] = append(byID[items[i].ID], i)
	}
	return ids, byID
}
