package analytics

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/ruche-project/ruche/events"
)

// BenchmarkSink measures the sink end to end: b.N events already in
// JetStream, from the service's start until every row is written and acked.
func BenchmarkSink(b *testing.B) {
	h := newStoppedHarness(b, func(c *Config) { c.BatchSize, c.FlushInterval, c.FetchWait = 5000, 500*time.Millisecond, time.Second })
	publishAsync(b, h, b.N)
	b.ResetTimer()
	start := time.Now()
	h.start()
	eventually(b, 10*time.Minute, "every row", func() bool { return h.rowsWritten("interactions") == float64(b.N) })
	b.StopTimer()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "events/s")
}

// BenchmarkInsert measures the raw ClickHouse batch insert the sink uses:
// one named-column batch of 5000 interaction rows per op.
func BenchmarkInsert(b *testing.B) {
	h := newStoppedHarness(b, nil)
	st := newStore(h.db)
	rows := make([]interactionRow, 5000)
	for i := range rows {
		rows[i] = receivedRow(sampleReceived("cafe-lumiere", fmt.Sprint(i), t0.Add(time.Duration(i)*time.Millisecond)), t0)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := st.write(context.Background(), rows, nil, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(rows))/b.Elapsed().Seconds(), "rows/s")
}

// publishAsync stores n distinct interactions in JetStream, fast.
func publishAsync(b *testing.B, h *harness, n int) {
	b.Helper()
	for i := 0; i < n; i++ {
		r := sampleReceived("cafe-lumiere", fmt.Sprint(i), t0.Add(time.Duration(i)*time.Millisecond))
		env, _ := events.NewEnvelope(r, r.ID, r.Brand, t0)
		msg := nats.NewMsg(events.Subject(r, r.Brand))
		msg.Data, _ = json.Marshal(r)
		for k, v := range env.Headers() {
			msg.Header.Set(k, v)
		}
		if _, err := h.bus.JS.PublishMsgAsync(msg); err != nil {
			b.Fatal(err)
		}
	}
	select {
	case <-h.bus.JS.PublishAsyncComplete():
	case <-time.After(time.Minute):
		b.Fatal("async publish did not complete")
	}
}
