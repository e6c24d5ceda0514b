package testkit

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/ruche-project/ruche/pkg/bus"
	"github.com/ruche-project/ruche/pkg/obs"
)

// Logger returns a logger writing to the test's output at debug level.
func Logger(t testing.TB) *slog.Logger {
	t.Helper()
	log, err := obs.NewLogger(obs.LogConfig{Level: "debug", Format: "text"}, t.Output())
	if err != nil {
		t.Fatal(err)
	}
	return log
}

// NATSConfig is the bus configuration NATS uses: an embedded JetStream
// server in a temporary directory, also listening on a random local port.
func NATSConfig(t testing.TB) bus.Config {
	return bus.Config{
		DataDir:        t.TempDir(),
		Listen:         "127.0.0.1:0",
		Replicas:       1,
		ConnectTimeout: 10 * time.Second,
		AckWait:        5 * time.Second,
		MaxDeliver:     4,
		Subscriptions:  2,
	}
}

// NATS starts a real embedded NATS JetStream server for the test, with every
// stream of the topology provisioned, and stops it at cleanup.
func NATS(t testing.TB) *bus.Conn {
	t.Helper()
	return NATSWith(t, NATSConfig(t))
}

// NATSWith is NATS with a custom configuration.
func NATSWith(t testing.TB, cfg bus.Config) *bus.Conn {
	t.Helper()
	conn, err := bus.Connect(context.Background(), cfg, Logger(t))
	if err != nil {
		t.Fatalf("embedded NATS: %v", err)
	}
	t.Cleanup(conn.Close)
	return conn
}
