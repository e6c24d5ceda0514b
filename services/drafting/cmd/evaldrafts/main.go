// Command evaldrafts runs the drafting evaluation (`make eval-drafts`) on an
// embedded JetStream in a temporary directory and prints its tables; it
// exits 1 when an injection got through unflagged.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/ruche-project/ruche/pkg/bus"
	"github.com/ruche-project/ruche/services/drafting"
	"github.com/ruche-project/ruche/services/drafting/internal/drafteval"
)

func main() {
	dir := flag.String("data", "testdata/eval", "directory of kb_fr.md, kb_en.csv, drafts.jsonl and injection.jsonl")
	flag.Parse()
	if err := run(*dir); err != nil {
		fmt.Fprintln(os.Stderr, "evaldrafts:", err)
		os.Exit(1)
	}
}

func run(dir string) error {
	ctx := context.Background()
	tmp, err := os.MkdirTemp("", "evaldrafts-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	conn, err := bus.Connect(ctx, bus.Config{DataDir: tmp, Replicas: 1, ConnectTimeout: 10 * time.Second, AckWait: 30 * time.Second, MaxDeliver: 4, Subscriptions: 1}, log)
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := bus.EnsureStreams(ctx, conn.JS, 1); err != nil {
		return err
	}
	router, err := bus.NewRouter(conn, log, nil)
	if err != nil {
		return err
	}
	svc, err := drafting.New(drafting.Config{Consumer: "evaldrafts", ModelTimeout: 10 * time.Second, ModelBudget: 30 * time.Second, DefaultTokenBudget: 1 << 40}, drafting.LLMConfig{},
		drafting.Deps{Router: router, Logger: log, NATS: conn.NC, JS: conn.JS, Replicas: 1})
	if err != nil {
		return err
	}
	rep, err := drafteval.Run(ctx, svc, dir)
	if err != nil {
		return err
	}
	rep.Print(os.Stdout)
	if leaks, links, unchecked := rep.Unchecked(); leaks+links+unchecked > 0 {
		return fmt.Errorf("%d leaks, %d disallowed links, %d unchecked drafts got through", leaks, links, unchecked)
	}
	return nil
}
