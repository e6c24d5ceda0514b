package ingest

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ruche-project/ruche/pkg/httpx"
	"github.com/ruche-project/ruche/services/ingest/connector"
)

// webhookPath is the path a network delivers to for a source.
func webhookPath(network, source string) string {
	return "/v1/webhooks/" + network + "/" + source
}

// webhookResult is the JSON body of a 200 answer to a delivery.
type webhookResult struct {
	Accepted   []string            `json:"accepted"`
	Duplicates []string            `json:"duplicates"`
	Skipped    []connector.Skipped `json:"skipped"`
}

// unauthorized is the one answer to an unknown source, a source of another
// network and a bad signature: source ids are not to be probed.
var unauthorized = httpx.Unauthorized("unknown source or bad signature")

func (s *Service) webhookSource(c echo.Context) (connector.Webhook, connector.Source, error) {
	wh, ok := s.webhooks[c.Param("network")]
	if !ok {
		return nil, connector.Source{}, httpx.NotFound("no webhook for network " + c.Param("network"))
	}
	src, err := s.sources.Lookup(c.Request().Context(), c.Param("source"))
	if errors.Is(err, ErrSourceNotFound) || err == nil && src.Network != wh.Name() {
		s.metrics.webhooks.WithLabelValues(wh.Name(), "unauthorized").Inc()
		return nil, connector.Source{}, unauthorized
	}
	if err != nil {
		return nil, connector.Source{}, fmt.Errorf("webhook source: %w", err)
	}
	return wh, src, nil
}

func (s *Service) handleChallenge(c echo.Context) error {
	wh, src, err := s.webhookSource(c)
	if err != nil {
		return err
	}
	body, ctype, err := wh.Challenge(c.QueryParams(), src)
	if err != nil {
		s.log.WarnContext(c.Request().Context(), "webhook challenge refused", "network", wh.Name(), "source", src.ID, "error", err)
		return httpx.Forbidden("challenge refused")
	}
	return c.Blob(http.StatusOK, ctype, body)
}

func (s *Service) handleDelivery(c echo.Context) error {
	ctx := c.Request().Context()
	// Read the raw body first: the signature is computed on these bytes.
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		var maxErr *http.MaxBytesError
		if errors.As(err, &maxErr) {
			return echo.NewHTTPError(http.StatusRequestEntityTooLarge)
		}
		return httpx.BadRequest("body", "cannot read body: %v", err)
	}
	wh, src, err := s.webhookSource(c)
	if err != nil {
		return err
	}
	count := func(outcome string) { s.metrics.webhooks.WithLabelValues(wh.Name(), outcome).Inc() }
	if err := wh.Verify(c.Request().Header, body, src); err != nil {
		count("unauthorized")
		s.health.Failure(src.ID, errors.New("a delivery's signature was rejected: check the source's secret"))
		s.log.WarnContext(ctx, "webhook signature rejected", "network", wh.Name(), "source", src.ID, "brand", src.Brand)
		return unauthorized
	}
	now := s.now().UTC()
	d, err := wh.Parse(body, src, now)
	if err != nil {
		count("bad_request")
		s.health.Failure(src.ID, fmt.Errorf("malformed delivery: %w", err))
		return err
	}
	res := webhookResult{Accepted: []string{}, Duplicates: []string{}, Skipped: d.Skipped}
	if res.Skipped == nil {
		res.Skipped = []connector.Skipped{}
	}
	for _, sk := range d.Skipped {
		s.metrics.skipped.WithLabelValues(wh.Name()).Inc()
		s.log.WarnContext(ctx, "webhook item skipped", "network", wh.Name(), "source", src.ID, "index", sk.Index, "reason", sk.Reason)
	}
	// One step per event of the delivery: new items, edits, deletions.
	type step struct {
		id      string
		publish func() (bool, error)
	}
	var steps []step
	for _, r := range d.Items {
		steps = append(steps, step{r.ID, func() (bool, error) { return s.publish(ctx, r) }})
	}
	for _, u := range d.Updates {
		steps = append(steps, step{u.ID, func() (bool, error) { return s.publishUpdate(ctx, u) }})
	}
	for _, del := range d.Deletions {
		steps = append(steps, step{del.ID, func() (bool, error) { return s.publishDeletion(ctx, del) }})
	}
	for _, st := range steps {
		dup, err := st.publish()
		if err != nil {
			// The network retries the whole delivery; what was already
			// published is a duplicate then.
			count("unavailable")
			s.health.Failure(src.ID, errors.New("the event bus was unavailable"))
			s.log.ErrorContext(ctx, "publish interaction", "event_id", st.id, "error", err)
			return httpx.Unavailable("the event bus is unavailable, retry later")
		}
		if dup {
			res.Duplicates = append(res.Duplicates, st.id)
		} else {
			res.Accepted = append(res.Accepted, st.id)
		}
	}
	count("accepted")
	var lag time.Duration
	for _, r := range d.Items {
		lag = max(lag, now.Sub(r.CreatedAt))
	}
	s.health.Success(src.ID, len(steps), lag)
	return c.JSON(http.StatusOK, res)
}
