package analytics

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	ch "github.com/ClickHouse/clickhouse-go/v2"

	interaction "github.com/ruche-project/ruche/events/interaction/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
)

// MaxSearchText bounds the text filter, in bytes.
const MaxSearchText = 200

// maxFilterValues bounds each list filter.
const maxFilterValues = 50

// closingDecisions are the case decisions after which no reply is owed.
var closingDecisions = []string{"close", "hide", "spam"}

// sqlFilter is a checked InteractionFilter as SQL conditions on the
// interactions table (alias-free) and their arguments.
type sqlFilter struct {
	where []string
	args  []any
}

func (f *sqlFilter) add(cond string, args ...any) {
	f.where = append(f.where, cond)
	f.args = append(f.args, args...)
}

// sql renders the conditions as " AND ..." (empty when there are none).
func (f sqlFilter) sql() string {
	if len(f.where) == 0 {
		return ""
	}
	return "\n\tAND " + strings.Join(f.where, "\n\tAND ")
}

// parseFilter checks in and turns it into conditions for brand.
func parseFilter(brand string, in query.InteractionFilter) (sqlFilter, error) {
	var f sqlFilter
	lists := []struct {
		name   string
		values []string
		valid  func(string) bool
	}{
		{"networks", in.Networks, validToken},
		{"kinds", in.Kinds, func(k string) bool { return slices.Contains(interaction.Kinds, interaction.Kind(k)) }},
		{"verdicts", in.Verdicts, validToken},
		{"statuses", in.Statuses, func(s string) bool {
			return s == query.StatusOpen || s == query.StatusResponded || s == query.StatusClosed
		}},
		{"sentiments", in.Sentiments, validToken},
		{"intents", in.Intents, validToken},
	}
	for _, l := range lists {
		if len(l.values) > maxFilterValues {
			return f, badRequest{fmt.Sprintf("%s: at most %d values", l.name, maxFilterValues)}
		}
		for _, v := range l.values {
			if !l.valid(v) {
				return f, badRequest{fmt.Sprintf("%s: %q is not a valid value", l.name, v)}
			}
		}
	}
	if len(in.Networks) > 0 {
		f.add("network IN ?", inSet(in.Networks))
	}
	if len(in.Kinds) > 0 {
		f.add("kind IN ?", inSet(in.Kinds))
	}
	if in.AuthorID != "" {
		f.add("author_id = ?", in.AuthorID)
	}
	if in.From != nil && in.To != nil && !in.From.Before(*in.To) {
		return f, badRequest{"from must be before to"}
	}
	if in.From != nil {
		f.add("created_at >= toDateTime(?)", in.From.Unix())
	}
	if in.To != nil {
		f.add("created_at < toDateTime(?)", in.To.Unix())
	}
	if in.Text != "" {
		if len(in.Text) > MaxSearchText {
			return f, badRequest{fmt.Sprintf("text: at most %d bytes", MaxSearchText)}
		}
		f.add("position("+foldSQL("text")+", ?) > 0", fold(strings.TrimSpace(in.Text)))
	}

	// Conditions on the latest moderation state, in one subquery.
	var having []string
	var hargs []any
	if len(in.Verdicts) > 0 {
		having = append(having, "argMax(verdict, version) IN ?")
		hargs = append(hargs, inSet(in.Verdicts))
	}
	if len(in.Sentiments) > 0 {
		having = append(having, "hasAny(argMax(labels, version), ?)")
		hargs = append(hargs, prefixed("sentiment:", in.Sentiments))
	}
	if len(in.Intents) > 0 {
		having = append(having, "hasAny(argMax(labels, version), ?)")
		hargs = append(hargs, prefixed("intent:", in.Intents))
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
		if !validToken(in.Queue) {
			return f, badRequest{fmt.Sprintf("queue: %q is not a valid value", in.Queue)}
		}
		having = append(having, "has(argMax(actions, version), ?)")
		hargs = append(hargs, "route:"+in.Queue)
	}
	if len(having) > 0 {
		f.add("id IN (SELECT interaction_id FROM interaction_state WHERE brand = ? GROUP BY interaction_id HAVING "+
			strings.Join(having, " AND ")+")", append([]any{brand}, hargs...)...)
	}

	switch in.Assignee {
	case "":
	case query.Unassigned:
		f.add("id NOT IN (SELECT interaction_id FROM case_decisions WHERE brand = ? AND decision = 'assign' GROUP BY interaction_id HAVING argMax(assignee, version) != '')", brand)
	default:
		f.add("id IN (SELECT interaction_id FROM case_decisions WHERE brand = ? AND decision = 'assign' GROUP BY interaction_id HAVING argMax(assignee, version) = ?)", brand, in.Assignee)
	}

	if len(in.Statuses) > 0 && len(in.Statuses) < 3 {
		responded := "id IN (SELECT interaction_id FROM replies WHERE brand = ?)"
		closed := "id IN (SELECT interaction_id FROM case_decisions WHERE brand = ? GROUP BY interaction_id HAVING argMax(decision, version) IN ?)"
		var ors []string
		var oargs []any
		for _, s := range dedupe(in.Statuses) {
			switch s {
			case query.StatusResponded:
				ors = append(ors, responded)
				oargs = append(oargs, brand)
			case query.StatusClosed:
				ors = append(ors, "(NOT "+responded+" AND "+closed+")")
				oargs = append(oargs, brand, brand, inSet(closingDecisions))
			case query.StatusOpen:
				ors = append(ors, "(NOT "+responded+" AND NOT "+closed+")")
				oargs = append(oargs, brand, brand, inSet(closingDecisions))
			}
		}
		f.add("("+strings.Join(ors, " OR ")+")", oargs...)
	}
	return f, nil
}

// token is what the values of enumerations and names may hold (they are
// bound as arguments; this only refuses what no producer sends).
var token = regexp.MustCompile(`^[A-Za-z0-9_.:@-]{1,64}$`)

func validToken(s string) bool { return token.MatchString(s) }

// inSet binds values as the right side of IN: a slice alone would be bound
// as one array literal.
func inSet(values []string) ch.GroupSet {
	set := make([]any, len(values))
	for i, v := range values {
		set[i] = v
	}
	return ch.GroupSet{Value: set}
}

func prefixed(prefix string, values []string) []string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = prefix + v
	}
	return out
}

func dedupe(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return slices.Compact(out)
}
