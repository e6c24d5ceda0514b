package readmodel

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"

	"github.com/ruche-project/ruche/pkg/clickhouse"
)

// EngagementKinds are the public conversation addressed to the brand. DMs
// are private, listening hits are not addressed to the brand, posts are the
// brand's own.
var EngagementKinds = []string{"comment", "reply", "mention", "review"}

// InSet binds values as the right side of IN: a slice alone would be bound
// as one array literal.
func InSet(values []string) ch.GroupSet {
	set := make([]any, len(values))
	for i, v := range values {
		set[i] = v
	}
	return ch.GroupSet{Value: set}
}

// Prefixed is values each with prefix in front.
func Prefixed(prefix string, values []string) []string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = prefix + v
	}
	return out
}

// Dedupe is s sorted without repeats.
func Dedupe(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return slices.Compact(out)
}

// ReceivedAt rebuilds a received_at from its stored second and milliseconds.
func ReceivedAt(sec time.Time, ms uint16) time.Time {
	return sec.UTC().Add(time.Duration(ms) * time.Millisecond)
}

// MaxSearchText is the longest search text or keyword, in bytes.
const MaxSearchText = 200

// token is what the values of enumerations and names may hold (they are
// bound as arguments; this only refuses what no producer sends).
var token = regexp.MustCompile(`^[A-Za-z0-9_.:@-]{1,64}$`)

// ValidToken reports whether s may be an enumeration value or a name.
func ValidToken(s string) bool { return token.MatchString(s) }

// DefaultListLimit is the page size when a request sets none.
const DefaultListLimit = 50

// ClosingDecisions are the case decisions after which no reply is owed.
var ClosingDecisions = []string{"close", "hide", "spam"}

// Insert writes rows into table as one batch naming its columns.
func Insert(ctx context.Context, db *clickhouse.DB, table, columns string, rows [][]any) error {
	batch, err := db.Conn().PrepareBatch(ctx, "INSERT INTO "+table+" ("+columns+")")
	if err != nil {
		return fmt.Errorf("insert into %s: %w", table, err)
	}
	for _, r := range rows {
		if err := batch.Append(r...); err != nil {
			_ = batch.Abort()
			return fmt.Errorf("insert into %s: %w", table, err)
		}
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("insert into %s: %w", table, err)
	}
	return nil
}
