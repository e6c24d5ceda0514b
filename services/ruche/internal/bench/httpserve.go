package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/nats-io/nats.go"

	"github.com/ruche-project/ruche/events"
	v1 "github.com/ruche-project/ruche/events/interaction/v1"
	"github.com/ruche-project/ruche/pkg/bus"
	"github.com/ruche-project/ruche/pkg/httpx"
	"github.com/ruche-project/ruche/services/ingest/connector"
	"github.com/ruche-project/ruche/services/ingest/generic"
)

// Modes of the HTTP limit server (`ruche bench serve-http --mode`).
const (
	// ModeBare decodes the JSON body and answers 202.
	ModeBare = "bare"
	// ModePublish decodes the body, publishes it synchronously to
	// JetStream (embedded server, file storage, envelope headers) and
	// answers 202: the floor cost of any durable ingest.
	ModePublish = "publish"
	// ModeIngestCore is ingest's own handler work without the source
	// lookup: signature check, strict parse, event encoding and the bus
	// publisher (bus.Publisher.PublishEvent).
	ModeIngestCore = "ingest-core"
)

// benchSecret signs every request of the bench, including those sent to
// the limit servers, so that the requests are the same bytes everywhere.
var benchSecret = []byte("bench-webhook-secret-0123456789abcdef")

// ServeLimit serves one of the HTTP limit handlers on addr until ctx is
// done. It runs in its own process (started by the bench), like the
// pipeline's `ruche up`, and shares its Echo set-up (pkg/httpx) with ingest.
// dataDir holds the embedded JetStream server's files (publish modes).
func ServeLimit(ctx context.Context, mode, addr, dataDir string, stderr io.Writer) error {
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	e, err := httpx.New(httpx.Options{Logger: log, Health: httpx.NewHealth()})
	if err != nil {
		return err
	}
	var h echo.HandlerFunc
	switch mode {
	case ModeBare:
		h = func(c echo.Context) error {
			var it generic.Item
			if err := json.NewDecoder(c.Request().Body).Decode(&it); err != nil {
				return httpx.BadRequest("body", "%v", err)
			}
			return c.NoContent(http.StatusAccepted)
		}
	case ModePublish, ModeIngestCore:
		conn, err := bus.Connect(ctx, bus.Config{DataDir: dataDir, Replicas: 1, ConnectTimeout: 30 * time.Second, AckWait: 30 * time.Second, MaxDeliver: 8}, log)
		if err != nil {
			return err
		}
		defer conn.Close()
		if mode == ModePublish {
			h = publishHandler(conn)
		} else if h, err = ingestCoreHandler(conn); err != nil {
			return err
		}
	default:
		return fmt.Errorf("serve-http: unknown mode %q (bare, publish, ingest-core)", mode)
	}
	e.POST("/v1/webhooks/:network/:source", h)
	fmt.Fprintln(os.Stdout, "serving", mode, "on", addr)
	return httpx.Serve(ctx, e, addr)
}

func publishHandler(conn *bus.Conn) echo.HandlerFunc {
	return func(c echo.Context) error {
		body, err := io.ReadAll(c.Request().Body)
		if err != nil {
			return httpx.BadRequest("body", "%v", err)
		}
		var it generic.Item
		if err := json.Unmarshal(body, &it); err != nil {
			return httpx.BadRequest("body", "%v", err)
		}
		id := v1.InteractionID(generic.Network, it.ID)
		msg := nats.NewMsg("ruche.interaction.received.v1.demo")
		msg.Data = body
		msg.Header.Set(events.HeaderID, id)
		msg.Header.Set(events.HeaderDedupID, events.DedupID("demo", id))
		msg.Header.Set(events.HeaderType, "interaction.received.v1")
		msg.Header.Set(events.HeaderVersion, "1")
		msg.Header.Set(events.HeaderBrand, "demo")
		ctx, cancel := context.WithTimeout(c.Request().Context(), 10*time.Second)
		defer cancel()
		if _, err := conn.JS.PublishMsg(ctx, msg); err != nil {
			return httpx.Unavailable("publish: " + err.Error())
		}
		return c.NoContent(http.StatusAccepted)
	}
}

func ingestCoreHandler(conn *bus.Conn) (echo.HandlerFunc, error) {
	pub, err := bus.NewPublisher(conn.JS)
	if err != nil {
		return nil, err
	}
	src := connector.Source{ID: "demo-webhook", Brand: "demo", Network: generic.Network,
		Secrets: map[string]string{generic.Secret: string(benchSecret)}}
	wh := generic.Webhook{}
	return func(c echo.Context) error {
		body, err := io.ReadAll(c.Request().Body)
		if err != nil {
			return httpx.BadRequest("body", "%v", err)
		}
		if err := wh.Verify(c.Request().Header, body, src); err != nil {
			return httpx.Unauthorized("bad signature")
		}
		d, err := wh.Parse(body, src, time.Now().UTC())
		if err != nil {
			return err
		}
		for _, r := range d.Items {
			env, err := events.NewEnvelope(r, r.ID, r.Brand, r.ReceivedAt)
			if err != nil {
				return err
			}
			if _, err := pub.PublishEvent(c.Request().Context(), r, env); err != nil {
				return httpx.Unavailable("publish: " + err.Error())
			}
		}
		return c.NoContent(http.StatusAccepted)
	}, nil
}
