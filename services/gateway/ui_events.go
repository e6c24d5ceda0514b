package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ruche-project/ruche/events"
	interactionv1 "github.com/ruche-project/ruche/events/interaction/v1"
	"github.com/ruche-project/ruche/services/gateway/access"
)

// sseHeartbeat keeps an idle event stream open through proxies.
const sseHeartbeat = 20 * time.Second

// Arrival is one live event of the inbox: an interaction moderated (new,
// or decided again after an edit) for the brand.
type Arrival struct {
	ID       string `json:"id"`
	Network  string `json:"network"`
	Priority int    `json:"priority"`
	Verdict  string `json:"verdict"`
}

// inboxEvents streams the brand's moderated interactions as server-sent
// events ("arrival"), from an ordered consumer of the interaction stream
// that starts at the newest message: nothing is stored per browser, and a
// reconnecting browser reloads its list instead of replaying.
func (s *Service) inboxEvents(c echo.Context) error {
	brand, err := brandParam(c)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(c.Request().Context())
	defer cancel()
	go func() {
		select {
		case <-s.closing:
			cancel()
		case <-ctx.Done():
		}
	}()
	cons, err := s.js.OrderedConsumer(ctx, events.StreamName("interaction"), jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{events.Subject(interactionv1.Moderated{}, brand)},
		DeliverPolicy:  jetstream.DeliverNewPolicy,
	})
	if err != nil {
		return fmt.Errorf("inbox events: %w", err)
	}
	msgs, err := cons.Messages()
	if err != nil {
		return fmt.Errorf("inbox events: %w", err)
	}
	arrivals := make(chan Arrival, 64)
	go func() {
		defer close(arrivals)
		for {
			msg, err := msgs.Next()
			if err != nil {
				return // stopped, or the consumer is gone: the browser reconnects
			}
			var m interactionv1.Moderated
			if json.Unmarshal(msg.Data(), &m) != nil || m.Brand != brand {
				continue
			}
			select {
			case arrivals <- Arrival{ID: m.InteractionID, Network: m.Network, Priority: m.Priority, Verdict: string(m.Verdict)}:
			case <-ctx.Done():
				return
			}
		}
	}()
	defer msgs.Stop()

	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/event-stream")
	h.Set("X-Accel-Buffering", "no")
	c.Response().WriteHeader(http.StatusOK)
	_, _ = fmt.Fprint(c.Response(), "retry: 3000\n: connected\n\n")
	c.Response().Flush()
	every := s.eventsHeartbeat
	if every == 0 {
		every = sseHeartbeat
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
			// The stream was authorised when it opened: a member signed
			// out, revoked or removed from the brand since stops here.
			if !s.stillAllowed(c, brand) {
				return nil
			}
			_, err = fmt.Fprint(c.Response(), ": ping\n\n")
		case a, ok := <-arrivals:
			if !ok {
				return nil
			}
			b, _ := json.Marshal(a)
			_, err = fmt.Fprintf(c.Response(), "event: arrival\ndata: %s\n\n", b)
		}
		if err != nil {
			return nil // the browser went away
		}
		c.Response().Flush()
	}
}

// stillAllowed re-checks a long-lived request's caller, without counting
// as activity (a stream open in a tab does not keep a session alive): the
// session or key still valid, and the route's action still allowed on
// brand.
func (s *Service) stillAllowed(c echo.Context, brand string) bool {
	action, _ := c.Get(actionKey).(access.Action)
	var p Principal
	if ck, err := c.Cookie(SessionCookie); err == nil && presentedKey(c) == "" {
		_, u, err := s.checkSession(c.Request().Context(), ck.Value)
		if err != nil {
			return false
		}
		p = Principal{ID: u.ID, Via: ViaSession, Roles: u.Roles}
	} else {
		var err error
		if p, _, err = s.authenticate(c); err != nil {
			return false
		}
	}
	return action != "" && p.Allowed(brand, action)
}
