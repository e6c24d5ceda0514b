package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ruche-project/ruche/events"
	auditv1 "github.com/ruche-project/ruche/events/audit/v1"
	"github.com/ruche-project/ruche/pkg/httpx"
	"github.com/ruche-project/ruche/services/gateway/access"
	"github.com/ruche-project/ruche/services/gateway/accounts"
)

const (
	auditActorKey  = "ruche.audit.actor"
	auditChangeKey = "ruche.audit.change"
	// maxAuditBody bounds the request body kept as "after".
	maxAuditBody = 64 << 10
)

type auditChange struct {
	brand         string
	before, after any
}

// setAuditActor names who acted on a route where nobody was signed in yet
// (sign-in, invitation, reset).
func setAuditActor(c echo.Context, u accounts.User) {
	c.Set(auditActorKey, Principal{ID: u.ID, Email: u.Email, Roles: u.Roles})
}

// setAuditChange gives the record the state before and after the change
// (brand "" keeps the route's brands).
func setAuditChange(c echo.Context, brand string, before, after any) {
	c.Set(auditChangeKey, auditChange{brand, before, after})
}

// audited runs a route and, when it changes state, signs someone in or
// exports data (?format=csv), records it once per brand it concerns: the
// ?brand=, else the body's brand, else every brand of the caller.
func (s *Service) audited(c echo.Context, next echo.HandlerFunc) error {
	export := c.QueryParam("format") == "csv"
	if !unsafe(c.Request().Method) && !export && c.Path() != oidcCallbackRoute {
		return next(c)
	}
	var body []byte
	if c.Request().Body != nil {
		body, _ = io.ReadAll(io.LimitReader(c.Request().Body, maxAuditBody+1))
		c.Request().Body = io.NopCloser(io.MultiReader(bytes.NewReader(body), c.Request().Body))
	}
	if err := next(c); err != nil {
		// Answer now, through the one error handler, so the record has the
		// status the caller got.
		c.Error(err)
	}
	s.record(c, body, c.Response().Status)
	return nil
}

func (s *Service) record(c echo.Context, body []byte, status int) {
	p := principal(c)
	if a, ok := c.Get(auditActorKey).(Principal); ok && p.ID == "" {
		p = a
	}
	r := auditv1.Recorded{
		At: s.now().UTC(), Actor: p.ID, ActorEmail: p.Email, Via: p.Via, KeyID: p.KeyID,
		Method: c.Request().Method, Route: c.Path(), Path: c.Request().URL.RequestURI(),
		Status: status, IP: c.RealIP(), UserAgent: c.Request().UserAgent(),
	}
	if r.Actor == "" {
		r.Actor = "anonymous"
	}
	if a, ok := c.Get(actionKey).(access.Action); ok {
		r.Action = string(a)
	}
	if r.Action == "" {
		r.Action = strings.TrimPrefix(c.Path(), "/api/v1/")
	}
	var targets []string
	for i, n := range c.ParamNames() {
		if n != "token" { // an invitation's secret is not a target
			targets = append(targets, n+"="+c.ParamValues()[i])
		}
	}
	r.Target = strings.Join(targets, "&")
	switch n := c.Path(); {
	case strings.Contains(n, ":token"): // an invitation's secret
		r.Path = strings.Split(c.Request().URL.Path, "/invitations/")[0] + "/invitations/…"
	case n == oidcCallbackRoute: // the authorization code and state
		r.Path = c.Request().URL.Path
	}
	var brands []string
	change, hasChange := c.Get(auditChangeKey).(auditChange)
	switch {
	case hasChange && change.brand != "":
		brands = []string{change.brand}
	case c.QueryParam("brand") != "" && events.ValidateBrand(c.QueryParam("brand")) == nil:
		brands = []string{c.QueryParam("brand")}
	default:
		brands = bodyBrand(body)
		if brands == nil {
			brands = p.Brands()
		}
	}
	if hasChange {
		r.Before, r.After = rawJSON(change.before), rawJSON(change.after)
	} else {
		r.After = redact(body)
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Request().Context()), 5*time.Second)
	defer cancel()
	reqID := c.Response().Header().Get(echo.HeaderXRequestID)
	if reqID == "" {
		reqID = accounts.NewSecret()[:16]
	}
	for _, b := range brands {
		r.Brand, r.ID = b, reqID
		if len(brands) > 1 {
			r.ID = reqID + ":" + b
		}
		if err := s.publishAudit(ctx, r); err != nil {
			// The change is made; losing its record is an incident to see.
			s.log.ErrorContext(ctx, "audit record not stored", "brand", b, "route", r.Route, "error", err)
		}
	}
	if len(brands) == 0 {
		s.log.InfoContext(ctx, "audit: no brand concerned", "route", r.Route, "actor", r.Actor, "status", r.Status)
	}
}

func (s *Service) publishAudit(ctx context.Context, r auditv1.Recorded) error {
	env, err := events.NewEnvelope(r, r.ID, r.Brand, r.At)
	if err != nil {
		return err
	}
	_, err = s.pub.PublishEvent(ctx, r, env)
	return err
}

// bodyBrand reads a top-level "brand" of a JSON body (sources, contests).
func bodyBrand(body []byte) []string {
	var b struct {
		Brand string `json:"brand"`
	}
	if json.Unmarshal(body, &b) == nil && events.ValidateBrand(b.Brand) == nil {
		return []string{b.Brand}
	}
	return nil
}

func rawJSON(v any) json.RawMessage {
	if v == nil {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	return b
}

// secretFields are body fields never written to the audit log.
var secretFields = []string{"password", "token", "secret", "secrets", "key", "client_secret", "api_key"}

// redact keeps a JSON body with its secret fields (at any depth) replaced;
// a body that is not JSON, or too long, is summarised by its size.
func redact(body []byte) json.RawMessage {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	var v any
	if len(body) > maxAuditBody || json.Unmarshal(body, &v) != nil {
		return rawJSON(map[string]int{"body_bytes": len(body)})
	}
	return rawJSON(redactValue(v))
}

func redactValue(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			if slices.Contains(secretFields, strings.ToLower(k)) {
				t[k] = "[redacted]"
			} else {
				t[k] = redactValue(x)
			}
		}
	case []any:
		for i, x := range t {
			t[i] = redactValue(x)
		}
	}
	return v
}

// AuditPage is one page of a brand's audit log, oldest first.
type AuditPage struct {
	Items []auditv1.Recorded `json:"items"`
	// NextCursor continues after the last item ("" at the end).
	NextCursor string `json:"next_cursor,omitempty"`
}

// auditFilter narrows a reading of the log.
type auditFilter struct {
	since, until *time.Time
	actor        string
	action       string
	target       string
	// mentions keeps the records naming one of them (privacy exports).
	mentions []string
}

func (f auditFilter) match(r auditv1.Recorded) bool {
	return (f.actor == "" || r.Actor == f.actor || strings.EqualFold(r.ActorEmail, f.actor)) &&
		(f.action == "" || r.Action == f.action) &&
		(f.target == "" || names(r.Target, f.target)) &&
		(len(f.mentions) == 0 || mentionsAny(r, f.mentions))
}

// names reports whether a record's target ("name=value&...") names t, as
// a value or as a whole "name=value".
func names(target, t string) bool {
	for part := range strings.SplitSeq(target, "&") {
		_, v, _ := strings.Cut(part, "=")
		if part == t || v == t {
			return true
		}
	}
	return false
}

// interactionHistory serves GET /api/v1/interactions/:id/history?brand=:
// who touched this interaction (claims, decisions...), for whoever may
// read it — moderators included, who may not read the whole log.
func (s *Service) interactionHistory(c echo.Context) error {
	brand, err := brandParam(c)
	if err != nil {
		return err
	}
	limit, err := auditLimit(c)
	if err != nil {
		return err
	}
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	page, err := s.readAudit(c.Request().Context(), brand, c.QueryParam("cursor"), limit, auditFilter{target: id})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, page)
}

// listAudit serves GET /api/v1/audit?brand=[&since&until&actor&action&target&limit&cursor][&format=csv].
// ?target=mastodon:123 is "who touched this interaction".
func (s *Service) listAudit(c echo.Context) error {
	csvOut, err := wantsCSV(c)
	if err != nil {
		return err
	}
	brand, err := brandParam(c)
	if err != nil {
		return err
	}
	f := auditFilter{actor: c.QueryParam("actor"), action: c.QueryParam("action"), target: c.QueryParam("target")}
	if f.since, err = timeParam(c, "since", nil); err != nil {
		return err
	}
	if f.until, err = timeParam(c, "until", nil); err != nil {
		return err
	}
	limit, err := auditLimit(c)
	if err != nil {
		return err
	}
	if csvOut {
		cf, err := csvFormatOf(c)
		if err != nil {
			return err
		}
		header := cf.header(
			[]string{"date", "acteur", "courriel", "via", "action", "méthode", "chemin", "cible", "statut", "ip", "avant", "après"},
			[]string{"at", "actor", "email", "via", "action", "method", "path", "target", "status", "ip", "before", "after"})
		return s.writeCSV(c, cf, "audit-"+brand+".csv", header, func(ctx context.Context, cursor string) ([][]any, string, error) {
			page, err := s.readAudit(ctx, brand, cursor, 1000, f)
			rows := make([][]any, len(page.Items))
			for i, r := range page.Items {
				rows[i] = []any{r.At, r.Actor, r.ActorEmail, r.Via, r.Action, r.Method, r.Path, r.Target, int64(r.Status), r.IP, string(r.Before), string(r.After)}
			}
			return rows, page.NextCursor, err
		})
	}
	page, err := s.readAudit(c.Request().Context(), brand, c.QueryParam("cursor"), limit, f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, page)
}

// auditLimit reads ?limit= of an audit read (1 to 1000, default 100).
func auditLimit(c echo.Context) (int, error) {
	n, err := intParam(c, "limit", 1, 1000)
	if n == 0 {
		n = 100
	}
	return n, err
}

// readAudit reads up to limit matching records of brand after the stream
// sequence in cursor: each read is a "next message on the brand's subject
// from sequence n" get, so reading the log creates no consumer.
func (s *Service) readAudit(ctx context.Context, brand, cursor string, limit int, f auditFilter) (AuditPage, error) {
	page := AuditPage{Items: []auditv1.Recorded{}}
	stream, err := s.js.Stream(ctx, events.StreamName(events.DomainAudit))
	if err != nil {
		return page, fmt.Errorf("read audit log: %w", err)
	}
	var seq uint64 = 1
	switch {
	case cursor != "":
		n, err := strconv.ParseUint(cursor, 10, 64)
		if err != nil {
			return page, httpx.BadRequest("cursor", "must be the next_cursor of a previous page")
		}
		seq = n + 1
	case f.since != nil:
		if seq, err = firstSince(ctx, stream, *f.since); err != nil {
			return page, fmt.Errorf("read audit log: %w", err)
		}
	}
	subject := events.Subject(auditv1.Recorded{}, brand)
	for len(page.Items) < limit {
		msg, err := stream.GetMsg(ctx, seq, jetstream.WithGetMsgSubject(subject))
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			return page, nil
		}
		if err != nil {
			return page, fmt.Errorf("read audit log at %d: %w", seq, err)
		}
		var r auditv1.Recorded
		if err := json.Unmarshal(msg.Data, &r); err != nil {
			return page, fmt.Errorf("audit record %d: %w", msg.Sequence, err)
		}
		if f.until != nil && r.At.After(*f.until) {
			return page, nil
		}
		if (f.since == nil || !r.At.Before(*f.since)) && f.match(r) {
			page.Items = append(page.Items, r)
		}
		seq = msg.Sequence + 1
	}
	page.NextCursor = strconv.FormatUint(seq-1, 10)
	return page, nil
}

// firstSince finds the first sequence stored at or after t, by binary
// search on the stream's storage times (records are stored in time order).
func firstSince(ctx context.Context, stream jetstream.Stream, t time.Time) (uint64, error) {
	info, err := stream.Info(ctx)
	if err != nil {
		return 0, err
	}
	lo, hi := info.State.FirstSeq, info.State.LastSeq+1
	for lo < hi {
		mid := lo + (hi-lo)/2
		msg, err := stream.GetMsg(ctx, mid)
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			lo = mid + 1 // a gap (expired): look later
			continue
		}
		if err != nil {
			return 0, err
		}
		if msg.Time.Before(t) {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return max(lo, 1), nil
}
