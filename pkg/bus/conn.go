package bus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Conn is a connection to NATS with JetStream, and the embedded server when
// there is one.
type Conn struct {
	NC     *nats.Conn
	JS     jetstream.JetStream
	cfg    Config
	server *server.Server
	log    *slog.Logger
}

// Connect connects to cfg.URL, or starts an embedded JetStream server when
// the URL is empty, then provisions the streams of events.Topology.
func Connect(ctx context.Context, cfg Config, log *slog.Logger) (*Conn, error) {
	if log == nil {
		return nil, errors.New("bus: nil logger")
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.ConnectTimeout)
	defer cancel()
	c := &Conn{cfg: cfg, log: log}
	if cfg.URL == "" {
		srv, err := startEmbedded(cfg, cfg.ConnectTimeout)
		if err != nil {
			return nil, err
		}
		c.server = srv
		log.Info("embedded NATS JetStream started", "data_dir", cfg.DataDir, "listen", cfg.Listen)
	}
	nc, err := c.Dial("ruche")
	if err != nil {
		c.Close()
		return nil, err
	}
	c.NC = nc
	if c.JS, err = jetstream.New(nc); err != nil {
		c.Close()
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	if err := EnsureStreams(ctx, c.JS, cfg.Replicas); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// SyncQueueLen bounds the channel of a synchronous subscription, which is
// allocated whole: nats.go's 65,536 pointers are 512 KiB per subscription,
// and a batched direct get (the moderation guard reads, orbit.go's
// RequestMany) subscribes once per batch. It holds the largest batched
// answer nats-server sends (1,024 messages and its end marker) with room.
const SyncQueueLen = 4096

// Dial opens another connection to the same server, named name. Watermill
// subscribers drain their connection on Close, so each gets its own.
func (c *Conn) Dial(name string) (*nats.Conn, error) {
	opts := []nats.Option{
		nats.Name(name),
		nats.MaxReconnects(-1),
		nats.SyncQueueLen(SyncQueueLen),
		nats.ReconnectWait(500 * time.Millisecond),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				c.log.Warn("nats disconnected", "conn", name, "error", err)
			}
		}),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			c.log.Warn("nats async error", "conn", name, "error", err)
		}),
	}
	url := c.cfg.URL
	if c.server != nil {
		opts = append(opts, nats.InProcessServer(c.server))
		url = ""
	}
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		return nil, fmt.Errorf("connect to nats %s: %w", c.cfg.URL, err)
	}
	return nc, nil
}

// Ping checks that NATS answers (used by /readyz).
func (c *Conn) Ping(ctx context.Context) error {
	if c.NC == nil || !c.NC.IsConnected() {
		return errors.New("nats: not connected")
	}
	_, err := c.JS.AccountInfo(ctx)
	return err
}

// ClientURL is the TCP address of the embedded server when it listens, else
// the configured URL.
func (c *Conn) ClientURL() string {
	if c.server != nil && c.cfg.Listen != "" {
		return c.server.ClientURL()
	}
	return c.cfg.URL
}

// Close drains the connection and stops the embedded server.
func (c *Conn) Close() {
	if c.NC != nil {
		_ = c.NC.Drain()
		for i := 0; i < 50 && !c.NC.IsClosed(); i++ {
			time.Sleep(20 * time.Millisecond)
		}
	}
	if c.server != nil {
		c.server.Shutdown()
		c.server.WaitForShutdown()
	}
}

func startEmbedded(cfg Config, timeout time.Duration) (*server.Server, error) {
	opts := &server.Options{
		ServerName: "ruche-embedded",
		JetStream:  true,
		StoreDir:   cfg.DataDir,
		DontListen: cfg.Listen == "",
		NoSigs:     true,
		NoLog:      true,
		// Large ingest bursts: let slow in-process consumers catch up
		// instead of being cut off.
		MaxPayload: 8 << 20,
	}
	if cfg.Listen != "" {
		host, port, err := net.SplitHostPort(cfg.Listen)
		if err != nil {
			return nil, fmt.Errorf("nats.listen %q: %w", cfg.Listen, err)
		}
		p, err := strconv.Atoi(port)
		if err != nil {
			return nil, fmt.Errorf("nats.listen %q: bad port", cfg.Listen)
		}
		if p == 0 {
			p = server.RANDOM_PORT
		}
		opts.Host, opts.Port = host, p
	}
	srv, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("embedded nats: %w", err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(timeout) {
		srv.Shutdown()
		return nil, fmt.Errorf("embedded nats not ready after %s", timeout)
	}
	return srv, nil
}

// Replicas is the configured replica count, for buckets a service owns.
func (c *Conn) Replicas() int { return c.cfg.Replicas }
