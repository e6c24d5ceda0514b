package ingest

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ruche-project/ruche/events"
	v1 "github.com/ruche-project/ruche/events/interaction/v1"
	"github.com/ruche-project/ruche/pkg/httpx"
)

// Webhook is the listening side of a network that pushes deliveries to
// Ruche. Implementations follow the network's documented protocol.
type Webhook interface {
	// Name is the network's name in webhook URLs: /v1/webhooks/{name}/{source}.
	Name() string
	// RequiredSecrets names the source secrets the protocol needs.
	RequiredSecrets() []string
	// Challenge answers the network's subscription handshake (a GET). It
	// returns ErrBadChallenge when the request is not a valid handshake.
	Challenge(q url.Values, src Source) (body []byte, contentType string, err error)
	// Verify checks a delivery's signature on the raw body, in constant time.
	// It returns ErrBadSignature when the delivery is not authentic.
	Verify(h http.Header, body []byte, src Source) error
	// Parse turns an authentic delivery into interactions. Items it cannot
	// read are reported in Delivery.Skipped and the rest are kept; an error
	// means the delivery as a whole is malformed (an *httpx.Error naming the
	// field when possible).
	Parse(body []byte, src Source, now time.Time) (Delivery, error)
}

// Delivery is what one webhook request carried.
type Delivery struct {
	Items   []v1.Received
	Skipped []Skipped
}

// Skipped is an item of a delivery that could not be read.
type Skipped struct {
	Index  int    `json:"index"`
	Reason string `json:"reason"`
}

// Errors of Webhook implementations.
var (
	ErrBadSignature = errors.New("bad signature")
	ErrBadChallenge = errors.New("bad challenge")
)

// webhookResult is the JSON body of a 200 answer to a delivery.
type webhookResult struct {
	Accepted   []string  `json:"accepted"`
	Duplicates []string  `json:"duplicates"`
	Skipped    []Skipped `json:"skipped"`
}

// unauthorized is the one answer to an unknown source, a source of another
// network and a bad signature: source ids are not to be probed.
var unauthorized = httpx.Unauthorized("unknown source or bad signature")

func (s *Service) webhookSource(c echo.Context) (Webhook, Source, error) {
	wh, ok := s.webhooks[c.Param("network")]
	if !ok {
		return nil, Source{}, httpx.NotFound("no webhook for network " + c.Param("network"))
	}
	src, err := s.sources.Lookup(c.Request().Context(), c.Param("source"))
	if errors.Is(err, ErrSourceNotFound) || err == nil && src.Network != wh.Name() {
		s.metrics.webhooks.WithLabelValues(wh.Name(), "unauthorized").Inc()
		return nil, Source{}, unauthorized
	}
	if err != nil {
		return nil, Source{}, fmt.Errorf("webhook source: %w", err)
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
		res.Skipped = []Skipped{}
	}
	for _, sk := range d.Skipped {
		s.metrics.skipped.WithLabelValues(wh.Name()).Inc()
		s.log.WarnContext(ctx, "webhook item skipped", "network", wh.Name(), "source", src.ID, "index", sk.Index, "reason", sk.Reason)
	}
	for _, r := range d.Items {
		env, err := events.NewEnvelope(r, r.ID, r.Brand, r.ReceivedAt)
		if err != nil {
			return err
		}
		p, err := s.pub.PublishEvent(ctx, r, env)
		if err != nil {
			// The network retries the whole delivery; what was already
			// published collapses on its event id.
			count("unavailable")
			s.health.Failure(src.ID, errors.New("the event bus was unavailable"))
			s.log.ErrorContext(ctx, "publish interaction", "event_id", r.ID, "error", err)
			return httpx.Unavailable("the event bus is unavailable, retry later")
		}
		if p.Duplicate {
			res.Duplicates = append(res.Duplicates, r.ID)
		} else {
			res.Accepted = append(res.Accepted, r.ID)
		}
	}
	count("accepted")
	var lag time.Duration
	for _, r := range d.Items {
		lag = max(lag, now.Sub(r.CreatedAt))
	}
	s.health.Success(src.ID, len(d.Items), lag)
	return c.JSON(http.StatusOK, res)
}
