package inbox

import (
	"context"
	"os"
	"testing"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"

	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/clickhouse"
)

// BenchmarkItemPanel reads the item panel (Get) of the demo brand's
// interactions, newest received first, from a kept bench dataset: run
// `BENCH_KEEP=1 BENCH_PHASES=queries BENCH_ROWS=1000000 bin/ruche bench`,
// then set RUCHE_INBOX_BENCH_DB to its ruche_bench_<unix>_dataset<n>.
func BenchmarkItemPanel(b *testing.B) {
	r, ids := benchDataset(b)
	ctx := benchContext()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := r.Get(ctx, query.GetInteractionRequest{Brand: "demo", ID: ids[i%len(ids)]}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkListPage reads the first page of the demo brand's stream,
// unfiltered, and searched for a word.
func BenchmarkListPage(b *testing.B) {
	r, _ := benchDataset(b)
	ctx := benchContext()
	for _, c := range []struct {
		name   string
		filter query.InteractionFilter
	}{{"plain", query.InteractionFilter{}}, {"search", query.InteractionFilter{Text: "livraison"}}, {"label", query.InteractionFilter{Labels: []string{"spam"}}}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := r.List(ctx, query.SearchInteractionsRequest{ListInteractionsRequest: query.ListInteractionsRequest{Brand: "demo", Limit: 50},
					InteractionFilter: c.filter}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// benchContext logs the benchmark's queries in system.query_log when
// RUCHE_INBOX_BENCH_LOG is set, to read each query's time there.
func benchContext() context.Context {
	if os.Getenv("RUCHE_INBOX_BENCH_LOG") == "" {
		return context.Background()
	}
	return ch.Context(context.Background(), ch.WithSettings(ch.Settings{"log_queries": 1}))
}

// benchDataset opens RUCHE_INBOX_BENCH_DB and lists the ids of the demo
// brand's latest 200 interactions.
func benchDataset(b *testing.B) (Reader, []string) {
	name := os.Getenv("RUCHE_INBOX_BENCH_DB")
	if name == "" {
		b.Skip("set RUCHE_INBOX_BENCH_DB to a kept bench dataset (BENCH_KEEP=1)")
	}
	addr := os.Getenv("RUCHE_CLICKHOUSE_ADDR")
	if addr == "" {
		addr = "127.0.0.1:9000"
	}
	ctx := context.Background()
	db, err := clickhouse.Open(ctx, clickhouse.Config{Addr: addr, Database: name, User: "default", DialTimeout: 5 * time.Second,
		ReadTimeout: time.Minute, MaxOpenConns: 10, MaxIdleConns: 5, ConnMaxLifetime: time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = db.Close() })
	r := NewReader(db)
	page, err := r.List(ctx, query.SearchInteractionsRequest{ListInteractionsRequest: query.ListInteractionsRequest{Brand: "demo", Limit: 200}})
	if err != nil {
		b.Fatal(err)
	}
	ids := make([]string, len(page.Items))
	for i, it := range page.Items {
		ids[i] = it.ID
	}
	if len(ids) == 0 {
		b.Fatal("the demo brand has no interaction")
	}
	return r, ids
}
