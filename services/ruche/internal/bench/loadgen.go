package bench

import (
	"bufio"
	"bytes"
	"context"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// target is what the HTTP load generator posts to: the n-th request
// carries payload item n, signed with secret.
type target struct {
	addr   string
	path   string
	secret []byte
	pay    payload
	// accepted, when set, is called for every 2xx answer with the time
	// the answer was read.
	accepted func(n int64, at time.Time)
	// acceptedMarker, when set, must appear in a 2xx answer's body for the
	// request to count as accepted (ingest answers 200 to a duplicate too).
	acceptedMarker []byte
}

// load is what one generator run did.
type load struct {
	sent, ok, failed int64
	// saturated counts open-loop requests the generator could not send on
	// time because every connection was busy.
	saturated int64
	elapsed   time.Duration
	// latency of every 2xx request, send to answer.
	latency []time.Duration
	// okAfterWarmup counts 2xx answers after the warm-up, over measured.
	okAfterWarmup int64
	measured      time.Duration
}

// throughput is the rate of 2xx answers after the warm-up.
func (l load) throughput() float64 { return rate(l.okAfterWarmup, l.measured) }

// generator is a minimal HTTP/1.1 client over keep-alive connections: it
// writes prebuilt requests and reads answers with http.ReadResponse. It costs
// a fraction of net/http's client, which matters when the generator shares
// two cores with the server it measures. The same generator drives the raw
// HTTP limits and the pipeline.
type generator struct {
	t      target
	seq    atomic.Int64
	warmup time.Duration
}

func newGenerator(t target, warmup time.Duration) *generator {
	return &generator{t: t, warmup: warmup}
}

// closed runs clients connections, each sending its next request as soon as
// the previous one is answered, for d.
func (g *generator) closed(ctx context.Context, clients int, d time.Duration) load {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	return g.run(ctx, clients, d, func(ctx context.Context) (int64, bool) {
		if ctx.Err() != nil {
			return 0, false
		}
		return g.seq.Add(1), true
	}, nil)
}

// open sends at a fixed rate (requests per second) for d, over conns
// connections; a request that finds every connection busy is counted as
// saturated and not sent, so that the rate offered never bends to the
// server's pace.
func (g *generator) open(ctx context.Context, perSecond float64, conns int, d time.Duration) load {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	queue := make(chan int64, conns)
	var saturated atomic.Int64
	go func() {
		defer close(queue)
		start := time.Now()
		var sent int64
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			due := int64(time.Since(start).Seconds() * perSecond)
			for ; sent < due; sent++ {
				select {
				case queue <- g.seq.Add(1):
				default:
					saturated.Add(1)
				}
			}
		}
	}()
	l := g.run(ctx, conns, d, func(ctx context.Context) (int64, bool) {
		n, ok := <-queue
		return n, ok
	}, &saturated)
	return l
}

// run starts workers that take request numbers from next until it says
// stop, and adds up what they did.
func (g *generator) run(ctx context.Context, workers int, d time.Duration, next func(context.Context) (int64, bool), saturated *atomic.Int64) load {
	var (
		wg  sync.WaitGroup
		mu  sync.Mutex
		out load
	)
	start := time.Now()
	warmEnd := start.Add(g.warmup)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := worker{g: g}
			defer w.close()
			for {
				n, ok := next(ctx)
				if !ok {
					break
				}
				w.do(n, warmEnd)
			}
			mu.Lock()
			out.sent += w.res.sent
			out.ok += w.res.ok
			out.failed += w.res.failed
			out.okAfterWarmup += w.res.okAfterWarmup
			out.latency = append(out.latency, w.res.latency...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	out.elapsed = time.Since(start)
	out.measured = max(min(out.elapsed, d)-g.warmup, time.Millisecond)
	if saturated != nil {
		out.saturated = saturated.Load()
	}
	return out
}

// worker is one keep-alive connection of the generator.
type worker struct {
	g    *generator
	conn net.Conn
	br   *bufio.Reader
	req  []byte
	body []byte
	resp bytes.Buffer
	res  load
}

func (w *worker) close() {
	if w.conn != nil {
		_ = w.conn.Close()
	}
}

func (w *worker) do(n int64, warmEnd time.Time) {
	t := &w.g.t
	w.body = t.pay.body(w.body[:0], n)
	w.req = append(w.req[:0], "POST "...)
	w.req = append(w.req, t.path...)
	w.req = append(w.req, " HTTP/1.1\r\nHost: "...)
	w.req = append(w.req, t.addr...)
	w.req = append(w.req, "\r\nUser-Agent: ruche-bench\r\nContent-Type: application/json\r\nContent-Length: "...)
	w.req = strconv.AppendInt(w.req, int64(len(w.body)), 10)
	if t.secret != nil {
		w.req = append(w.req, "\r\nX-Ruche-Signature: "...)
		w.req = append(w.req, signature(t.secret, w.body)...)
	}
	w.req = append(w.req, "\r\n\r\n"...)
	w.req = append(w.req, w.body...)
	w.res.sent++
	sent := time.Now()
	status, err := w.roundTrip()
	done := time.Now()
	if err == nil && t.acceptedMarker != nil && !bytes.Contains(w.resp.Bytes(), t.acceptedMarker) {
		status = 0 // answered, but not accepted as new
	}
	if err != nil || status < 200 || status > 299 {
		w.res.failed++
		if err != nil {
			w.close()
			w.conn = nil
			time.Sleep(10 * time.Millisecond) // a refused or reset connection: do not spin
		}
		return
	}
	w.res.ok++
	if done.After(warmEnd) {
		w.res.okAfterWarmup++
	}
	w.res.latency = append(w.res.latency, done.Sub(sent))
	if t.accepted != nil {
		t.accepted(n, done)
	}
}

func (w *worker) roundTrip() (int, error) {
	if w.conn == nil {
		c, err := net.DialTimeout("tcp", w.g.t.addr, 5*time.Second)
		if err != nil {
			return 0, err
		}
		w.conn, w.br = c, bufio.NewReaderSize(c, 4096)
	}
	_ = w.conn.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := w.conn.Write(w.req); err != nil {
		return 0, err
	}
	resp, err := http.ReadResponse(w.br, nil)
	if err != nil {
		return 0, err
	}
	w.resp.Reset()
	_, err = w.resp.ReadFrom(resp.Body)
	resp.Body.Close()
	if err != nil {
		return 0, err
	}
	if resp.Close {
		w.close()
		w.conn = nil
	}
	return resp.StatusCode, nil
}
