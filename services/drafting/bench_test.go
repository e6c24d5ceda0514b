package drafting_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/ruche-project/ruche/pkg/modelfake"
	"github.com/ruche-project/ruche/services/drafting"
)

// BenchmarkDraft writes drafts through the fake model (streamed over
// loopback HTTP, brand settings and usage in KV on real NATS), from 8
// concurrent callers; it reports drafts/s and the p95 latency of one draft.
func BenchmarkDraft(b *testing.B) {
	for _, name := range []string{"model", "offline"} {
		b.Run(name, func(b *testing.B) {
			var fake *modelfake.Server
			if name == "model" {
				fake = &modelfake.Server{}
			}
			h := start(b, fake)
			texts := []string{"Quels sont vos délais de livraison ?", "Puis-je retourner un produit ouvert ?", "Vos cafés sont-ils bio ?"}
			var mu sync.Mutex
			lat := make([]time.Duration, 0, b.N)
			var n atomic.Int64
			b.SetParallelism(4) // 4 × GOMAXPROCS callers
			b.ResetTimer()
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := n.Add(1)
					t0 := time.Now()
					d, err := h.svc.Compose(context.Background(), drafting.Interaction{ID: fmt.Sprintf("bench:%d", i), Brand: "cafe",
						Network: "mastodon", Text: texts[i%3], Lang: "fr", Author: "Léa", Intent: "question"}, "")
					if err != nil || d.Text == "" {
						b.Error(err)
						return
					}
					mu.Lock()
					lat = append(lat, time.Since(t0))
					mu.Unlock()
				}
			})
			elapsed := time.Since(start)
			b.StopTimer()
			slices.Sort(lat)
			b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "drafts/s")
			b.ReportMetric(float64(lat[len(lat)*95/100].Microseconds())/1000, "p95_ms")
		})
	}
}

// BenchmarkModerated drafts (offline) the replies of decisions as they
// arrive, through the consumer, each interaction published on the bus as
// ingest does: cpu-µs/op is the process's CPU per interaction, drafting and
// its embedded NATS together.
func BenchmarkModerated(b *testing.B) {
	h := start(b, nil)
	texts := []string{"Quels sont vos délais de livraison ?", "Puis-je retourner un produit ouvert ?", "Vos cafés sont-ils bio ?"}
	cpu := processCPU()
	for i := range b.N {
		id := fmt.Sprintf("mastodon:%d", 100_000+i)
		h.publish(b, received(id, texts[i%3], "fr"), id)
		h.arrive(b, id, texts[i%3], "fr", "question")
	}
	eventually(b, "every draft", func() bool {
		h.mu.Lock()
		defer h.mu.Unlock()
		return len(h.drafts) >= b.N
	})
	b.ReportMetric(float64((processCPU()-cpu).Microseconds())/float64(b.N), "cpu-µs/op")
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
