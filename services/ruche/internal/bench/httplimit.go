package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// httpLimit runs the closed-loop generator against an HTTP limit server
// (`ruche bench serve-http --mode mode`) in its own process, and records
// its throughput as name.
func (b *bench) httpLimit(ctx context.Context, mode, name, note, ref string, share float64) error {
	addr, err := freeAddr()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "ruche-bench-http")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	c, err := startChild(ctx, "serve-http "+mode, b.cfg.Binary,
		[]string{"bench", "serve-http", "--mode", mode, "--addr", addr, "--data-dir", filepath.Join(dir, "nats")}, nil,
		"http://"+addr+"/healthz")
	if err != nil {
		return err
	}
	defer c.stop()
	d := b.cfg.share(share, time.Second)
	g := newGenerator(target{addr: addr, path: "/v1/webhooks/generic/demo-webhook", secret: benchSecret, pay: newPayload("http-" + mode + "-")}, b.warmup(d))
	cpu0, _ := cpuTime(c.cmd.Process.Pid)
	l := g.closed(ctx, b.cfg.Clients, d)
	cpu1, _ := cpuTime(c.cmd.Process.Pid)
	if l.ok == 0 {
		return fmt.Errorf("%s: no request succeeded (%d failed)\n%s", name, l.failed, c.out)
	}
	r := b.res.Add(name, l.throughput(), "req/s", fmt.Sprintf("%s; %d clients, closed loop; %d failed; server CPU %.0f%%",
		note, b.cfg.Clients, l.failed, 100*(cpu1-cpu0).Seconds()/l.elapsed.Seconds()))
	if ref != "" {
		r.Reference(ref)
	}
	b.res.Add(name+"_cpu", 1e6*(cpu1-cpu0).Seconds()/float64(max(l.ok, 1)), "µs/req", "server process CPU (user+system) per answered request")
	p := percentiles(l.latency, 50, 99)
	b.log("%s: %.0f req/s, p50 %.2f ms, p99 %.2f ms", name, l.throughput(), p[0], p[1])
	return nil
}

// warmup is the part of a run of length d left out of its throughput.
func (b *bench) warmup(d time.Duration) time.Duration {
	return min(d/10, 2*time.Second)
}
