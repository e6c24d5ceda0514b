package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"time"

	"github.com/ruche-project/ruche/pkg/clickhouse"
)

// bench is one run: its configuration, its results, its progress output.
type bench struct {
	cfg Config
	res Results
	out io.Writer
	// atEnd holds what the bench does when it ends: dropping the phases'
	// databases (database).
	atEnd []func()
	// dataset is the generated dataset the queries and ui phases share
	// (sharedDataset), generated at datasetNow.
	dataset        *clickhouse.DB
	datasetNow     time.Time
	datasetRelease func()
}

// datasetPhases are the phases that use the shared dataset.
var datasetPhases = []string{"queries", "ui"}

func (b *bench) log(format string, args ...any) {
	if !b.cfg.Quiet {
		fmt.Fprintf(b.out, "%s  %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
	}
}

// Run runs every phase, prints the table to w and writes the JSON file.
// Phases run one after another, never overlapping, so that each has the
// machine to itself; the ClickHouse databases of a phase stop merging
// before the next starts and are dropped at the end (database).
func Run(ctx context.Context, cfg Config, w io.Writer) (*Results, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	b := &bench{cfg: cfg, out: w}
	defer func() {
		if b.datasetRelease != nil {
			b.datasetRelease()
		}
		for _, f := range b.atEnd {
			f()
		}
	}()
	start := time.Now()
	b.machine("start")
	if cfg.Pprof != "" {
		if err := os.MkdirAll(cfg.Pprof, 0o755); err != nil {
			return nil, err
		}
		f, err := os.Create(filepath.Join(cfg.Pprof, "bench.cpu.pprof"))
		if err != nil {
			return nil, err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			return nil, err
		}
		defer func() { pprof.StopCPUProfile(); f.Close() }()
	}
	if err := b.sweep(ctx); err != nil {
		return nil, err
	}
	type phase struct {
		id, name string
		run      func(context.Context) error
	}
	phases := []phase{
		{"jetstream", "raw JetStream", b.rawJetStream},
		{"clickhouse", "raw ClickHouse insert", b.rawClickHouse},
		{"http_bare", "HTTP bare", func(ctx context.Context) error {
			return b.httpLimit(ctx, ModeBare, "http_bare", "Echo (pkg/httpx middleware) decoding the ~600-byte body, 202", "52k", 0.06)
		}},
		{"http_publish", "HTTP decode + publish", func(ctx context.Context) error {
			return b.httpLimit(ctx, ModePublish, "http_decode_publish", "the same plus a synchronous JetStream publish of the body (embedded server, file storage)", "30k", 0.06)
		}},
		{"http_ingest", "HTTP ingest core", func(ctx context.Context) error {
			return b.httpLimit(ctx, ModeIngestCore, "http_ingest_core", "ingest's handler work without the source lookup: HMAC check, strict parse, bus.Publisher.PublishEvent", "", 0.04)
		}},
		{"pipeline", "pipeline", b.pipelines},
		{"queries", "queries", b.queries},
		{"ui", "web workspace in the browser", b.uiPhase},
		{"publishing", "publishing", b.publishingPhase},
		{"scheduling", "scheduling", b.schedulingPhase},
		{"drafting", "drafting", b.draftingPhase},
	}
	// A failed phase is reported and the others still run: one slow query
	// or one refused port must not cost the rest of the figures.
	var failed []error
	for i, p := range phases {
		if b.datasetRelease != nil && !slices.ContainsFunc(phases[i:], func(q phase) bool { return slices.Contains(datasetPhases, q.id) && cfg.runs(q.id) }) {
			// No phase left reads the dataset: its tables stop merging.
			b.datasetRelease()
			b.datasetRelease = nil
		}
		if ctx.Err() != nil {
			return &b.res, ctx.Err()
		}
		if !cfg.runs(p.id) {
			continue
		}
		b.log("== %s", p.name)
		if err := p.run(ctx); err != nil {
			b.log("%s failed: %v", p.name, err)
			failed = append(failed, fmt.Errorf("%s: %w", p.name, err))
			b.res.Add("phase_failed", 1, "", p.name+": "+err.Error()).Exactly(0)
		}
	}
	b.ratios()
	b.machine("end")
	b.res.Add("bench_wall_time", time.Since(start).Seconds(), "s", fmt.Sprintf("ruche %s; %s=%g, %s=%d, %s=%d", cfg.Version, EnvSeconds, cfg.Seconds, EnvRows, cfg.Rows, EnvClients, cfg.Clients))
	fmt.Fprintln(w)
	b.res.WriteTable(w)
	if cfg.Out != "" {
		if err := b.res.WriteJSON(cfg.Out); err != nil {
			return &b.res, err
		}
		fmt.Fprintf(w, "\nwritten to %s\n", cfg.Out)
	}
	return &b.res, errors.Join(failed...)
}

// sweep checks that ClickHouse answers and drops stale bench databases.
func (b *bench) sweep(ctx context.Context) error {
	cfg := b.cfg.ClickHouse
	cfg.Database = "default"
	db, err := clickhouse.Open(ctx, cfg)
	if err != nil {
		return fmt.Errorf("ClickHouse at %s: %w (start one with deploy/clickhouse/ensure-local.sh)", cfg.Addr, err)
	}
	defer db.Close()
	b.sweepDatabases(ctx, db)
	b.log("ClickHouse %s at %s", db.ServerVersion(), cfg.Addr)
	return nil
}

// machine records the load average and the number of CPUs, so that a
// reader knows how busy the machine was.
func (b *bench) machine(when string) {
	la, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return
	}
	f := strings.Fields(string(la))
	var l1 float64
	fmt.Sscan(f[0], &l1)
	b.res.Add("machine_load_1m_"+when, l1, "load", fmt.Sprintf("loadavg %s at %s; %d CPUs; %s", strings.Join(f[:3], " "), when, runtime.NumCPU(), runtime.Version()))
	b.log("load average %s, %d CPUs", strings.Join(f[:3], " "), runtime.NumCPU())
}

// pipelines runs the closed loop to find the maximum, then the open loop at
// half of it, each on a fresh `ruche up`.
func (b *bench) pipelines(ctx context.Context) error {
	// The closed loop is short: ingest accepts faster than the rest of the
	// pipeline stores, and the backlog it leaves is drained (and measured)
	// after it.
	d := b.cfg.share(0.12, 2*time.Second)
	closed, err := b.pipeline(ctx, "max-", 0, d)
	if err != nil {
		return err
	}
	r := &b.res
	r.Add("pipeline_accepted_max", closed.load.throughput(), "req/s", fmt.Sprintf("webhooks accepted by ingest, closed loop, %d clients, %s; %d failed; ruche up CPU %.2f cores", b.cfg.Clients, d.Round(time.Second), closed.load.failed, closed.cpu))
	r.Add("pipeline_throughput", closed.throughput, "interactions/s", fmt.Sprintf("closed loop: accepted interactions ÷ time until the last had its row and its decision in ClickHouse (%d in %s + drain %s)", closed.accepted, d.Round(time.Second), closed.drain.Round(time.Millisecond)))
	r.Add("pipeline_cpu", float64(closed.cpuPer)/1e3, "µs/interaction", "ruche up CPU (user+system) from the first request until the last decision was stored, per accepted interaction; compare http_*_cpu").
		Against(r, "http_decode_publish_cpu")
	if closed.chCPUPer > 0 {
		r.Add("pipeline_clickhouse_cpu", float64(closed.chCPUPer)/1e3, "µs/interaction", "the local clickhouse-server's CPU (user+system) over the same span, per accepted interaction: the sink's inserts, their materialized views and merges, and the bench's 20 row counts a second; it shares the machine with ruche up")
	}
	if closed.drainRate > 0 {
		r.Add("pipeline_drain_rate", closed.drainRate, "interactions/s", fmt.Sprintf("decisions landing in ClickHouse after the closed loop stopped: moderation and the sink without ingest; ruche up CPU %.2f cores meanwhile", closed.drainCPU))
	}
	r.Add("sink_throughput", closed.sinkPeak, "rows/s", "best rate of interaction rows landing in ClickHouse (each with its decision row besides) over a 5 s window, closed loop")
	b.pipelineChecks("pipeline_max", closed)
	r.Add("pipeline_max_moderated_p99", closed.moderated[2], "ms", "closed loop (saturated): accepted → interaction.moderated seen on NATS")
	r.Add("pipeline_max_queryable_p99", closed.queryable[2], "ms", "closed loop (saturated): accepted → counted in ClickHouse")
	r.Add("pipeline_rss_peak", float64(closed.rss)/(1<<20), "MB", "VmHWM of ruche up after the closed-loop run").AtMost(400)

	half := closed.throughput / 2
	open, err := b.pipeline(ctx, "half-", half, b.cfg.share(0.2, 2*time.Second))
	if err != nil {
		return err
	}
	r.Add("pipeline_open_rate", half, "req/s", fmt.Sprintf("open loop at half the closed-loop throughput; %d accepted, %d failed, %d not sent on time (generator saturated); ruche up CPU %.2f cores", open.accepted, open.load.failed, open.load.saturated, open.cpu))
	r.Add("pipeline_open_throughput", open.throughput, "interactions/s", "open loop: accepted ÷ time until the last was in ClickHouse")
	for i, p := range []string{"p50", "p95", "p99"} {
		// Add returns a pointer into the list, which the next Add may move:
		// each figure gets its limit before the next is added.
		m := r.Add("pipeline_moderated_"+p, open.moderated[i], "ms", "open loop at half max: webhook answered → interaction.moderated received by a NATS subscriber")
		if p == "p99" {
			m.AtMost(50)
		}
		q := r.Add("pipeline_queryable_"+p, open.queryable[i], "ms", "open loop at half max: webhook answered → counted in ClickHouse (FIFO over 50 ms polls)")
		if p == "p99" {
			q.AtMost(2000)
		}
	}
	b.pipelineChecks("pipeline_open", open)
	r.Add("pipeline_open_rss_peak", float64(open.rss)/(1<<20), "MB", "VmHWM of ruche up after the open-loop run").AtMost(400)
	return nil
}

// pipelineChecks records what was lost, duplicated and left pending.
func (b *bench) pipelineChecks(prefix string, run pipelineRun) {
	r := &b.res
	r.Add(prefix+"_accepted", float64(run.accepted), "webhooks", "2xx answers naming the interaction as accepted")
	r.Add(prefix+"_lost", float64(run.accepted-run.finalRows), "interactions", fmt.Sprintf("accepted − rows in interactions FINAL (%d); decisions FINAL %d", run.finalRows, run.finalStates)).Exactly(0)
	r.Add(prefix+"_lost_decisions", float64(run.accepted-run.finalStates), "interactions", "accepted − rows in interaction_state FINAL").Exactly(0)
	r.Add(prefix+"_duplicates", float64(run.physRows-run.finalRows+run.physStat-run.finalStates), "rows", fmt.Sprintf("physical − FINAL rows, both tables (%d/%d, %d/%d)", run.physRows, run.finalRows, run.physStat, run.finalStates)).Exactly(0)
	r.Add(prefix+"_moderated_unseen", float64(run.moderatedMissing), "interactions", "accepted but no interaction.moderated seen by the subscriber").Exactly(0)
	r.Add(prefix+"_pending_end", float64(run.pendingEnd), "messages", "pending + unacknowledged in the interaction stream's consumers at the end: "+strings.TrimSpace(run.pendingNote)).Exactly(0)
}

// ratios sets each pipeline figure against the limits of the same run.
func (b *bench) ratios() {
	r := &b.res
	if t := r.Get("pipeline_throughput"); t != nil {
		t.Against(r, "http_decode_publish").RatioAtLeast(0.5)
		var extra []Result
		for _, l := range []string{"http_bare", "js_publish_async", "http_ingest_core"} {
			c := *t
			c.Name, c.Target, c.Status, c.Note = "pipeline_throughput_vs_"+strings.TrimPrefix(l, "http_"), "", "", "the same figure against another limit"
			c.Against(r, l)
			extra = append(extra, c)
		}
		i := slices.IndexFunc(r.list, func(x Result) bool { return x.Name == "pipeline_throughput" })
		r.list = slices.Insert(r.list, i+1, extra...)
	}
	if a := r.Get("pipeline_accepted_max"); a != nil {
		a.Against(r, "http_decode_publish")
	}
	b.cpuBudget()
	if s := r.Get("sink_throughput"); s != nil {
		s.Against(r, "ch_insert")
	}
	if h := r.Get("http_decode_publish"); h != nil {
		h.Against(r, "http_bare")
	}
	if h := r.Get("http_ingest_core"); h != nil {
		h.Against(r, "http_decode_publish")
	}
}

// cpuBudget says what the throughput target asks of the pipeline's CPU on
// this machine. The decode+publish limit run saturates every core, so one of
// its requests costs cores ÷ limit of machine time, of which its server took
// http_decode_publish_cpu and the load generator (and the kernel) the rest.
// At half that limit an interaction may cost cores ÷ (limit ÷ 2); less the
// generator's share, that is what ruche up and ClickHouse may spend on it
// together.
func (b *bench) cpuBudget() {
	r := &b.res
	limit, limitCPU, cpu, ch := r.Get("http_decode_publish"), r.Get("http_decode_publish_cpu"), r.Get("pipeline_cpu"), r.Get("pipeline_clickhouse_cpu")
	if limit == nil || limitCPU == nil || cpu == nil || ch == nil || limit.Value <= 0 {
		return
	}
	cores := float64(runtime.NumCPU())
	generator := cores/limit.Value*1e6 - limitCPU.Value
	budget := cores/(limit.Value/2)*1e6 - generator
	r.Add("pipeline_cpu_budget", budget, "µs/interaction", fmt.Sprintf("ruche up + ClickHouse CPU per interaction that ratio 0.50 leaves on %g cores: %g cores ÷ half the decode+publish limit, less the load generator's %.0f µs per request (the limit run's cores ÷ rate, less its server's CPU)", cores, cores, generator))
	r.Add("pipeline_cpu_spent", cpu.Value+ch.Value, "µs/interaction", "pipeline_cpu + pipeline_clickhouse_cpu: ratio > 1 is how far the pipeline's CPU is over the budget of the target").
		Against(r, "pipeline_cpu_budget")
}
