package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ruche-project/ruche/events"
	"github.com/ruche-project/ruche/pkg/clickhouse"
)

// Demo credentials the bench gives `ruche up` through its environment.
const (
	benchAPIKey   = "bench-api-key-0123456789abcdef"
	benchSourceID = "demo-webhook"
)

// platform is a `ruche up` child on a fresh NATS directory and a given
// ClickHouse database, with free ports.
type platform struct {
	*child
	gateway, ingest, ops, nats, pprof string
	dir                               string
}

// startPlatform starts `ruche up` on db. With profile set it starts the
// same thing through `ruche bench up`, which adds a pprof listener.
func (b *bench) startPlatform(ctx context.Context, db *clickhouse.DB, profile bool) (*platform, error) {
	p := &platform{}
	var sandbox string
	for _, a := range []*string{&p.gateway, &p.ingest, &p.ops, &p.nats, &p.pprof, &sandbox} {
		addr, err := freeAddr()
		if err != nil {
			return nil, err
		}
		*a = addr
	}
	dir, err := os.MkdirTemp("", "ruche-bench-up")
	if err != nil {
		return nil, err
	}
	p.dir = dir
	ch := b.cfg.ClickHouse
	env := []string{
		"RUCHE_NATS_DATA_DIR=" + filepath.Join(dir, "nats"),
		"RUCHE_NATS_LISTEN=" + p.nats,
		"RUCHE_CLICKHOUSE_ADDR=" + ch.Addr,
		"RUCHE_CLICKHOUSE_USER=" + ch.User,
		"RUCHE_CLICKHOUSE_PASSWORD=" + ch.Password,
		"RUCHE_CLICKHOUSE_DATABASE=" + db.Database(),
		"RUCHE_GATEWAY_ADDR=" + p.gateway,
		"RUCHE_INGEST_ADDR=" + p.ingest,
		"RUCHE_OPS_ADDR=" + p.ops,
		"RUCHE_DEMO_DIR=" + filepath.Join(dir, "demo"),
		"RUCHE_DEMO_API_KEY=" + benchAPIKey,
		"RUCHE_DEMO_WEBHOOK_SECRET=" + string(benchSecret),
		"RUCHE_LOG_LEVEL=warn",
		// The bench measures slow queries rather than time them out (within
		// the endpoints' budgets).
		"RUCHE_ANALYTICS_QUERY_TIMEOUT=2m",
		// The simulated network would add its own traffic to the counts.
		"RUCHE_SANDBOX_ENABLED=false",
		"RUCHE_SANDBOX_ADDR=" + sandbox,
	}
	args := []string{"up"}
	if profile {
		args = []string{"bench", "up"}
		env = append(env, PprofAddrEnv+"="+p.pprof)
	}
	c, err := startChild(ctx, "ruche up", b.cfg.Binary, args, env, "http://"+p.ops+"/readyz")
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	p.child = c
	return p, nil
}

// close stops the child and removes its files.
func (p *platform) close() error {
	err := p.stop()
	os.RemoveAll(p.dir)
	return err
}

// connect opens a NATS connection to the child's embedded server.
func (p *platform) connect() (*nats.Conn, error) {
	return nats.Connect("nats://"+p.nats, nats.Name("ruche-bench"))
}

// pending adds up, over the consumers of the interaction stream, the
// messages not yet delivered and those delivered but not acknowledged.
func pending(ctx context.Context, nc *nats.Conn) (int64, string, error) {
	js, err := jetstream.New(nc)
	if err != nil {
		return 0, "", err
	}
	s, err := js.Stream(ctx, events.StreamName(events.DomainInteraction))
	if err != nil {
		return 0, "", err
	}
	var (
		total int64
		note  string
	)
	lister := s.ListConsumers(ctx)
	for info := range lister.Info() {
		n := int64(info.NumPending) + int64(info.NumAckPending)
		total += n
		note += fmt.Sprintf("%s %d+%d ", info.Name, info.NumPending, info.NumAckPending)
	}
	if err := lister.Err(); err != nil {
		return 0, "", err
	}
	return total, note, nil
}

// profile fetches the child's pprof profile kind ("profile" for CPU,
// "allocs" for allocations) over seconds into path; seconds 0 is a snapshot
// ("heap").
func (p *platform) profile(ctx context.Context, kind string, seconds int, path string) error {
	ctx, cancel := context.WithTimeout(ctx, time.Duration(seconds+30)*time.Second)
	defer cancel()
	url := fmt.Sprintf("http://%s/debug/pprof/%s", p.pprof, kind)
	if seconds > 0 {
		url += fmt.Sprintf("?seconds=%d", seconds)
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("pprof: %s", resp.Status)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(f, resp.Body)
	return err
}
