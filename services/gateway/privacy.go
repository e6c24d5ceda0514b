package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ruche-project/ruche/events"
	auditv1 "github.com/ruche-project/ruche/events/audit/v1"
	privacyv1 "github.com/ruche-project/ruche/events/privacy/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/httpx"
	"github.com/ruche-project/ruche/pkg/rpc"
)

// privacyRoutes serve data subjects' requests (GDPR art. 15, 17 and 20):
// the gateway asks each service that holds personal data for its part and
// bundles the export; an erasure is an event each service carries out on
// its own data.
func (s *Service) privacyRoutes(api *echo.Group) {
	api.GET("/privacy/export", s.exportPerson)
	api.POST("/privacy/erasures", s.erasePerson)
}

// PersonExportFormat names the export's layout, for whoever reads the file.
const PersonExportFormat = "ruche.person-export.v1"

// PersonExport is everything Ruche holds about one author of a brand on one
// network: the file GET /api/v1/privacy/export answers.
type PersonExport struct {
	Format      string    `json:"format"`
	Brand       string    `json:"brand"`
	Network     string    `json:"network"`
	AuthorID    string    `json:"author_id"`
	GeneratedAt time.Time `json:"generated_at"`
	// Analytics: interactions (with moderation and edits), case decisions,
	// replies, contest entries, follows.
	Analytics query.PersonData `json:"analytics"`
	// Drafting: the reply drafts of those interactions, with their review.
	Drafting query.PersonDrafts `json:"drafting"`
	// Audit: the audit log's records that name the author or one of their
	// interactions.
	Audit []auditv1.Recorded `json:"audit"`
}

// ErasureBody is the body of POST /api/v1/privacy/erasures.
type ErasureBody struct {
	Network  string `json:"network"`
	AuthorID string `json:"author_id"`
	// Reason is kept in the request and the audit log.
	Reason string `json:"reason,omitempty"`
}

// ErasureAccepted answers an erasure request: each service carries it out
// on its own data, in seconds.
type ErasureAccepted struct {
	ID           string    `json:"id"`
	Brand        string    `json:"brand"`
	Network      string    `json:"network"`
	Pseudonym    string    `json:"pseudonym"`
	Interactions int       `json:"interactions"`
	RequestedAt  time.Time `json:"requested_at"`
}

// maxReason bounds an erasure's reason.
const maxReason = 500

// personParams reads the author a privacy route names.
func personParams(network, author string) error {
	switch {
	case network == "" || len(network) > 64:
		return httpx.BadRequest("network", "is required (a network name such as mastodon)")
	case author == "" || len(author) > 256:
		return httpx.BadRequest("author_id", "is required (the author's id on the network, at most 256 bytes)")
	}
	return nil
}

// exportPerson serves GET /api/v1/privacy/export?brand=&network=&author_id=:
// a JSON file (Content-Disposition: attachment). Reading personal data is
// recorded in the audit log like a change.
func (s *Service) exportPerson(c echo.Context) error {
	brand, err := brandParam(c)
	if err != nil {
		return err
	}
	network, author := c.QueryParam("network"), c.QueryParam("author_id")
	if err := personParams(network, author); err != nil {
		return err
	}
	ctx := c.Request().Context()
	out := PersonExport{Format: PersonExportFormat, Brand: brand, Network: network, AuthorID: author, GeneratedAt: s.now().UTC()}
	if out.Analytics, err = rpc.Ask(ctx, s.rpc, query.ExportPerson, query.PersonRequest{Brand: brand, Network: network, AuthorID: author}); err != nil {
		return err
	}
	ids := make([]string, len(out.Analytics.Interactions))
	for i, it := range out.Analytics.Interactions {
		ids[i] = it.ID
	}
	if out.Drafting, err = rpc.Ask(ctx, s.rpc, query.ExportPersonDrafts, query.PersonDraftsRequest{Brand: brand, InteractionIDs: ids}); err != nil {
		return err
	}
	if out.Audit, err = s.auditMentions(ctx, brand, append([]string{author}, ids...)); err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentDisposition,
		fmt.Sprintf(`attachment; filename="ruche-export-%s-%s.json"`, brand, privacyv1.SubjectKey(brand, network, author)[:12]))
	if err := c.JSON(http.StatusOK, out); err != nil {
		return err
	}
	s.record(c, nil, http.StatusOK)
	return nil
}

// maxAuditMentions bounds the audit records one export lists.
const maxAuditMentions = 10_000

// auditMentions reads the brand's whole audit log for the records that
// name one of values: as a path parameter (the target), a query parameter
// or a string in the recorded body.
func (s *Service) auditMentions(ctx context.Context, brand string, values []string) ([]auditv1.Recorded, error) {
	out := []auditv1.Recorded{}
	f := auditFilter{mentions: values}
	cursor := ""
	for {
		page, err := s.readAudit(ctx, brand, cursor, 1000, f)
		if err != nil {
			return nil, err
		}
		out = append(out, page.Items...)
		if page.NextCursor == "" || len(out) >= maxAuditMentions {
			return out, nil
		}
		cursor = page.NextCursor
	}
}

// mentionsAny reports whether r names one of values.
func mentionsAny(r auditv1.Recorded, values []string) bool {
	var q url.Values
	if _, raw, ok := strings.Cut(r.Path, "?"); ok {
		q, _ = url.ParseQuery(raw)
	}
	for _, v := range values {
		if names(r.Target, v) {
			return true
		}
		for _, vs := range q {
			if slices.Contains(vs, v) {
				return true
			}
		}
		quoted, _ := json.Marshal(v)
		if strings.Contains(string(r.After), string(quoted)) || strings.Contains(string(r.Before), string(quoted)) {
			return true
		}
	}
	return false
}

// erasePerson serves POST /api/v1/privacy/erasures?brand=: it asks
// analytics for the author's interactions (so that services that keep
// them by id find them), then publishes privacy.erasure_requested.v1,
// which every service carries out on its own data. The request itself is
// in the audit log (who, when, which author, why).
func (s *Service) erasePerson(c echo.Context) error {
	brand, err := brandParam(c)
	if err != nil {
		return err
	}
	var body ErasureBody
	if err := bindStrict(c, &body); err != nil {
		return err
	}
	if err := personParams(body.Network, body.AuthorID); err != nil {
		return err
	}
	if len(body.Reason) > maxReason {
		return httpx.BadRequest("reason", "is longer than %d bytes", maxReason)
	}
	ctx := c.Request().Context()
	held, err := rpc.Ask(ctx, s.rpc, query.ExportPerson, query.PersonRequest{Brand: brand, Network: body.Network, AuthorID: body.AuthorID})
	if err != nil {
		return err
	}
	at := s.now().UTC()
	req := privacyv1.ErasureRequested{ID: privacyv1.ErasureID(brand, body.Network, body.AuthorID, at), Brand: brand,
		Network: body.Network, AuthorID: body.AuthorID, Pseudonym: privacyv1.Pseudonym(brand, body.Network, body.AuthorID),
		RequestedBy: principal(c).ID, RequestedAt: at, Reason: body.Reason}
	for _, it := range held.Interactions {
		if len(req.InteractionIDs) == privacyv1.MaxInteractionIDs {
			break // each service finds the rest itself
		}
		req.InteractionIDs = append(req.InteractionIDs, it.ID)
	}
	env, err := events.NewEnvelope(req, req.ID, brand, at)
	if err != nil {
		return err
	}
	if _, err := s.pub.PublishEvent(ctx, req, env); err != nil {
		return fmt.Errorf("publish erasure request: %w", err)
	}
	resp := ErasureAccepted{ID: req.ID, Brand: brand, Network: req.Network, Pseudonym: req.Pseudonym,
		Interactions: len(held.Interactions), RequestedAt: at}
	setAuditChange(c, brand, nil, map[string]any{"request": resp, "author_id": req.AuthorID, "reason": req.Reason})
	return c.JSON(http.StatusAccepted, resp)
}
