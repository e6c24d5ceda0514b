package bench

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/ruche-project/ruche/events"
	"github.com/ruche-project/ruche/pkg/clickhouse"
)

// pipelineRun is what one run of the pipeline measured.
type pipelineRun struct {
	load     load
	accepted int64
	// throughput is accepted interactions ÷ (time from the first request
	// until the last of them had both its rows in ClickHouse).
	throughput float64
	// sinkPeak is the best rate of interaction rows landing in ClickHouse
	// over a sliding window.
	sinkPeak float64
	// drain is how long after the load stopped the last row landed.
	drain time.Duration
	// complete is false when rows were still missing at the drain deadline.
	complete              bool
	moderated, queryable  []float64 // p50, p95, p99 in ms
	moderatedMissing      int64
	pendingEnd            int64
	pendingNote           string
	finalRows, physRows   int64
	finalStates, physStat int64
	rss                   int64
	cpu                   float64 // child CPU utilisation during the load, in cores
	// drainRate is the rate at which decisions landed after the load
	// stopped (moderation and the sink alone), and drainCPU the child's
	// CPU meanwhile, in cores; both zero when there was no backlog.
	drainRate, drainCPU float64
	// cpuPer is the child's CPU from the start of the load until the last
	// row landed, per accepted interaction; chCPUPer the same of the local
	// ClickHouse server, zero when it is not found (clickhousePID).
	cpuPer, chCPUPer time.Duration
}

// chPoll is one count of the rows in ClickHouse.
type chPoll struct {
	at                  time.Duration // since the run's base, when the count was read
	interactions, state int64
}

// pipeline runs the generator against a fresh `ruche up` (fresh NATS
// directory, fresh database) in a closed loop (perSecond 0) or an open loop
// at perSecond, then waits for every accepted interaction to be stored.
func (b *bench) pipeline(ctx context.Context, name string, perSecond float64, d time.Duration) (pipelineRun, error) {
	var run pipelineRun
	db, release, err := b.database(ctx, "pipeline")
	if err != nil {
		return run, err
	}
	defer release()
	profile := b.cfg.Pprof != "" && perSecond == 0
	p, err := b.startPlatform(ctx, db, profile)
	if err != nil {
		return run, err
	}
	defer p.close()
	nc, err := p.connect()
	if err != nil {
		return run, err
	}
	defer nc.Close()

	base := time.Now()
	accepted, moderated := newStamps(base), newStamps(base)
	pay := newPayload(name + strconv.FormatInt(base.UnixNano()%1e9, 36) + "-")
	prefix := "moderated:generic:" + pay.prefix
	sub, err := nc.Subscribe(events.SubjectPrefix+".interaction.moderated.v1.*", func(m *nats.Msg) {
		at := time.Now()
		// The decision's id is moderated:<interaction id>:v<policy version>.
		id, ok := strings.CutPrefix(m.Header.Get(events.HeaderID), prefix)
		if i := strings.LastIndex(id, ":v"); ok && i > 0 {
			id = id[:i]
		}
		if n, err := strconv.ParseInt(id, 10, 64); ok && err == nil {
			moderated.set(n, at)
		}
	})
	if err != nil {
		return run, err
	}
	_ = sub.SetPendingLimits(-1, -1)
	defer sub.Unsubscribe()
	if err := nc.Flush(); err != nil {
		return run, err
	}

	// Count the rows in ClickHouse every 50 ms until told to stop, from the
	// active parts' row counts: what count() answers without FINAL, without
	// reading a column of every part (4× less ClickHouse CPU on 18.16, which
	// shares the machine with the pipeline).
	var (
		polls    []chPoll
		pollErr  error
		pollMu   sync.Mutex
		pollStop = make(chan struct{})
		pollDone = make(chan struct{})
	)
	go func() {
		defer close(pollDone)
		for {
			var ni, ns uint64
			err := db.Conn().QueryRow(ctx, `SELECT sumIf(rows, table = 'interactions'), sumIf(rows, table = 'interaction_state')
				FROM system.parts WHERE database = ? AND table IN ('interactions', 'interaction_state') AND active`, db.Database()).Scan(&ni, &ns)
			c := chPoll{at: time.Since(base), interactions: int64(ni), state: int64(ns)}
			pollMu.Lock()
			if err == nil {
				polls = append(polls, c)
			} else {
				pollErr = err
			}
			pollMu.Unlock()
			select {
			case <-pollStop:
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()
	last := func() chPoll {
		pollMu.Lock()
		defer pollMu.Unlock()
		if len(polls) == 0 {
			return chPoll{}
		}
		return polls[len(polls)-1]
	}

	g := newGenerator(target{
		addr: p.ingest, path: "/v1/webhooks/generic/" + benchSourceID, secret: benchSecret, pay: pay,
		accepted:       func(n int64, at time.Time) { accepted.set(n, at) },
		acceptedMarker: []byte(`"accepted":["`),
	}, b.warmup(d))
	if profile {
		// CPU and allocations over the load after its warm-up, at once;
		// then what is live at its end (what RSS is made of).
		secs := max(int((d-b.warmup(d))/time.Second)-1, 1)
		type profileRun struct {
			kind, file string
			seconds    int // 0 for a snapshot
		}
		for _, runs := range [][]profileRun{
			{{"profile", "pipeline.cpu.pprof", secs}},
			{{"allocs", "pipeline.allocs.pprof", secs}, {"heap", "pipeline.heap.pprof", 0}},
		} {
			go func() {
				time.Sleep(b.warmup(d))
				for _, r := range runs {
					path := filepath.Join(b.cfg.Pprof, r.file)
					if err := p.profile(ctx, r.kind, r.seconds, path); err != nil {
						b.log("pipeline %s: %v", r.file, err)
					} else {
						b.log("pipeline profile in %s", path)
					}
				}
			}()
		}
	}
	cpu0, _ := cpuTime(p.cmd.Process.Pid)
	chPID := clickhousePID()
	ch0, chErr := cpuTime(chPID)
	loadStart := time.Since(base)
	if perSecond == 0 {
		run.load = g.closed(ctx, b.cfg.Clients, d)
	} else {
		run.load = g.open(ctx, perSecond, 2*b.cfg.Clients, d)
	}
	loadEnd := time.Since(base)
	cpu1, _ := cpuTime(p.cmd.Process.Pid)
	run.cpu = (cpu1 - cpu0).Seconds() / (loadEnd - loadStart).Seconds()
	run.accepted = run.load.ok
	if run.accepted == 0 {
		close(pollStop)
		<-pollDone
		return run, fmt.Errorf("%s: no webhook accepted (%d failed)\n%s", name, run.load.failed, p.out)
	}

	if profile {
		go func() {
			path := filepath.Join(b.cfg.Pprof, "pipeline-drain.cpu.pprof")
			if err := p.profile(ctx, "profile", 5, path); err == nil {
				b.log("pipeline CPU profile of the drain (5s) in %s", path)
			}
		}()
	}
	atLoadEnd := last()

	// Drain: wait until both tables hold every accepted interaction, or
	// until nothing has landed for 20 s (or 10 min have passed).
	deadline := time.Now().Add(10 * time.Minute)
	progress, seen := time.Now(), atLoadEnd
	for {
		c := last()
		if c.interactions >= run.accepted && c.state >= run.accepted {
			run.complete = true
			break
		}
		if c.interactions != seen.interactions || c.state != seen.state {
			progress, seen = time.Now(), c
		}
		if time.Since(progress) > 20*time.Second || time.Now().After(deadline) || ctx.Err() != nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	close(pollStop)
	<-pollDone
	if ctx.Err() != nil {
		return run, ctx.Err()
	}
	drainEnd := time.Since(base)
	cpu2, _ := cpuTime(p.cmd.Process.Pid)
	if len(polls) == 0 {
		return run, fmt.Errorf("%s: counting rows in ClickHouse: %v", name, pollErr)
	}
	if run.rss, err = p.peakRSS(); err != nil {
		return run, err
	}

	// When did the last interaction get both its rows?
	var done time.Duration
	for _, c := range polls {
		if c.interactions >= run.accepted && c.state >= run.accepted {
			done = c.at
			break
		}
	}
	if done == 0 {
		done = polls[len(polls)-1].at
	}
	run.drain = max(done-loadEnd, 0)
	run.cpuPer = (cpu2 - cpu0) / time.Duration(run.accepted)
	if ch2, err := cpuTime(chPID); err == nil && chErr == nil && chPID > 0 {
		run.chCPUPer = (ch2 - ch0) / time.Duration(run.accepted)
	}
	if run.drain > time.Second {
		run.drainRate = rate(min(polls[len(polls)-1].state, run.accepted)-atLoadEnd.state, done-loadEnd)
		run.drainCPU = (cpu2 - cpu1).Seconds() / (drainEnd - loadEnd).Seconds()
	}
	run.throughput = rate(min(polls[len(polls)-1].state, polls[len(polls)-1].interactions, run.accepted), done-loadStart)
	run.sinkPeak = peakRate(polls, min(5*time.Second, d/4))

	// Latencies: accepted → moderated from the stamps; accepted →
	// queryable from the counts, taking interactions in the order they were
	// accepted (the pipeline is FIFO per stream).
	var acc, mod []time.Duration
	for n := int64(1); n <= g.seq.Load(); n++ {
		a, ok := accepted.get(n)
		if !ok {
			continue
		}
		acc = append(acc, a)
		if m, ok := moderated.get(n); ok {
			mod = append(mod, max(m-a, 0))
		} else {
			run.moderatedMissing++
		}
	}
	run.moderated = percentiles(mod, 50, 95, 99)
	slices.Sort(acc)
	var q []time.Duration
	k := 0
	for i, a := range acc {
		for k < len(polls) && polls[k].interactions < int64(i+1) {
			k++
		}
		if k == len(polls) {
			break
		}
		q = append(q, max(polls[k].at-a, 0))
	}
	run.queryable = percentiles(q, 50, 95, 99)

	// The sink acks a batch once its rows are in ClickHouse: the rows can
	// be counted before JetStream has processed the acks. Left at the end is
	// what is still pending after a few seconds of quiet.
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for settle := time.Now().Add(5 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if run.pendingEnd, run.pendingNote, err = pending(pctx, nc); err != nil {
			return run, fmt.Errorf("consumer info: %w", err)
		}
		if run.pendingEnd == 0 || time.Now().After(settle) {
			break
		}
	}
	if err := countRows(ctx, db, &run); err != nil {
		return run, err
	}
	b.log("%s: %d accepted (%d failed, %d saturated), %.0f/s through; moderated p99 %.1f ms; queryable p99 %.0f ms; drain %s; rss %d MB",
		name, run.accepted, run.load.failed, run.load.saturated, run.throughput, run.moderated[2], run.queryable[2], run.drain.Round(time.Millisecond), run.rss>>20)
	if !run.complete {
		b.log("%s: not every row arrived; ruche up said:\n%s", name, tail(p.out.String(), 4000))
	}
	return run, nil
}

// countRows reads the rows stored, collapsed (FINAL) and physical.
func countRows(ctx context.Context, db *clickhouse.DB, run *pipelineRun) error {
	for _, q := range []struct {
		sql string
		dst *int64
	}{
		{"SELECT count() FROM interactions FINAL", &run.finalRows},
		{"SELECT count() FROM interactions", &run.physRows},
		{"SELECT count() FROM interaction_state FINAL", &run.finalStates},
		{"SELECT count() FROM interaction_state", &run.physStat},
	} {
		var n uint64
		if err := db.Conn().QueryRow(ctx, q.sql).Scan(&n); err != nil {
			return fmt.Errorf("%s: %w", q.sql, err)
		}
		*q.dst = int64(n)
	}
	return nil
}

// peakRate is the best rate of interaction rows landing over window.
func peakRate(polls []chPoll, window time.Duration) float64 {
	best, j := 0.0, 0
	for i := range polls {
		for polls[i].at-polls[j].at > window {
			j++
		}
		if dt := polls[i].at - polls[j].at; dt > 0 && dt >= window/2 {
			best = max(best, rate(polls[i].interactions-polls[j].interactions, dt))
		}
	}
	return best
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "..." + s[len(s)-n:]
}
