// Package auditlog searches a brand's audit log as the analytics sink
// stores it (audit_log): by actor, action and time, newest first. The
// RUCHE_AUDIT stream stays the record; this is its index.
package auditlog

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ruche-project/ruche/events"
	auditv1 "github.com/ruche-project/ruche/events/audit/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/clickhouse"
	"github.com/ruche-project/ruche/pkg/obs"
	"github.com/ruche-project/ruche/services/analytics/internal/readmodel"
)

// Reader searches the audit log.
type Reader struct{ db *clickhouse.DB }

// NewReader reads from db.
func NewReader(db *clickhouse.DB) Reader { return Reader{db: db} }

// cursor is the last record of a page: "<Unix ms>.<id>".
func parseCursor(c string) (int64, string, error) {
	ms, id, ok := strings.Cut(c, ".")
	n, err := strconv.ParseInt(ms, 10, 64)
	if !ok || err != nil || id == "" {
		return 0, "", readmodel.FieldError{Field: "cursor", Msg: "must be the next_cursor of a previous page"}
	}
	return n, id, nil
}

// Search answers a page of matching records, newest first.
func (r Reader) Search(ctx context.Context, in query.SearchAuditRequest) (query.AuditSearchResult, error) {
	out := query.AuditSearchResult{Items: []auditv1.Recorded{}}
	if err := events.ValidateBrand(in.Brand); err != nil {
		return out, readmodel.FieldError{Field: "brand", Msg: err.Error()}
	}
	limit := in.Limit
	switch {
	case limit == 0:
		limit = 100
	case limit < 0 || limit > 1000:
		return out, readmodel.FieldError{Field: "limit", Msg: "must be 1 to 1000"}
	}
	where := []string{"brand = ?"}
	args := []any{in.Brand}
	if in.Actor != "" {
		where, args = append(where, "(actor = ? OR lowerUTF8(actor_email) = lowerUTF8(?))"), append(args, in.Actor, in.Actor)
	}
	if in.Action != "" {
		where, args = append(where, "action = ?"), append(args, in.Action)
	}
	if in.Since != nil {
		where, args = append(where, "at >= ?"), append(args, in.Since.UTC().Truncate(time.Second))
	}
	if in.Until != nil {
		where, args = append(where, "at <= ?"), append(args, in.Until.UTC())
	}
	if in.Cursor != "" {
		ms, id, err := parseCursor(in.Cursor)
		if err != nil {
			return out, err
		}
		// (at, at_ms, id) below the cursor's, newest first.
		where = append(where, "(toUInt64(toUInt32(at)) * 1000 + at_ms < ? OR toUInt64(toUInt32(at)) * 1000 + at_ms = ? AND id < ?)")
		args = append(args, uint64(ms), uint64(ms), id)
	}
	args = append(args, limit+1)
	rows, err := r.db.Conn().Query(obs.WithBrand(ctx, in.Brand), `SELECT id, at, at_ms, actor, actor_email, via, key_id, action, method, route, path,
	target, status, ip, user_agent, before, after
FROM audit_log FINAL WHERE `+strings.Join(where, " AND ")+`
ORDER BY at DESC, at_ms DESC, id DESC LIMIT ?`, args...)
	if err != nil {
		return out, fmt.Errorf("audit log of %s: %w", in.Brand, err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			rec           auditv1.Recorded
			ms, status    uint16
			before, after string
		)
		if err := rows.Scan(&rec.ID, &rec.At, &ms, &rec.Actor, &rec.ActorEmail, &rec.Via, &rec.KeyID, &rec.Action, &rec.Method,
			&rec.Route, &rec.Path, &rec.Target, &status, &rec.IP, &rec.UserAgent, &before, &after); err != nil {
			return out, fmt.Errorf("audit log of %s: %w", in.Brand, err)
		}
		rec.Brand, rec.Status = in.Brand, int(status)
		rec.At = rec.At.UTC().Add(time.Duration(ms) * time.Millisecond)
		if before != "" {
			rec.Before = json.RawMessage(before)
		}
		if after != "" {
			rec.After = json.RawMessage(after)
		}
		out.Items = append(out.Items, rec)
	}
	if err := rows.Err(); err != nil {
		return out, err
	}
	if len(out.Items) > limit {
		out.Items = out.Items[:limit]
		last := out.Items[limit-1]
		out.NextCursor = strconv.FormatInt(last.At.UnixMilli(), 10) + "." + last.ID
	}
	return out, nil
}
