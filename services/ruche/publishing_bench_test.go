package main_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	publishv1 "github.com/ruche-project/ruche/events/publish/v1"
	"github.com/ruche-project/ruche/pkg/testkit"
)

// BenchmarkPublish measures publishing against the sandbox network over
// HTTP, on real NATS: "latency" is one post at a time, from the request
// event to its publish.succeeded (ledger intent, network call, result,
// outcome event); "throughput" puts b.N requests on the stream at once and
// waits for every outcome (ns/op is the time per post).
func BenchmarkPublish(b *testing.B) {
	conn := testkit.NATS(b)
	sb := startSandbox(b, nil)
	p := startPublishing(b, conn, testPublishingConfig())
	p.account(b, "sandbox", "sandbox", sb.url)
	p.approve(b, "ap-bench", publishv1.KindPost, "Bench ☕")
	done := make(chan *nats.Msg, 1<<16)
	sub, err := conn.NC.ChanSubscribe("ruche.publish.succeeded.v1."+pubBrand, done)
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = sub.Unsubscribe() }()
	seq := 0
	request := func() {
		seq++
		// One approved text; the ledger keys on the request id.
		p.request(b, publishv1.Requested{ID: "bench-" + strconv.Itoa(seq), Kind: publishv1.KindPost, ApprovalID: "ap-bench",
			Variants: []publishv1.Variant{{Network: "sandbox", Text: "Bench ☕"}}})
	}
	wait := func() {
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			b.Fatal("no publish.succeeded within 30s")
		}
	}
	b.Run("latency", func(b *testing.B) {
		for b.Loop() {
			request()
			wait()
		}
	})
	b.Run("throughput", func(b *testing.B) {
		for range b.N {
			request()
		}
		for range b.N {
			wait()
		}
	})
}
