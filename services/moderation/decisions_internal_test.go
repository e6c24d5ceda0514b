package moderation

import (
	"context"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ruche-project/ruche/pkg/testkit"
)

// Two replicas recording one decision: the first record stores it, the
// second finds the key taken and is content (same event id); the guard then
// reads it back.
func TestDecisionRecords(t *testing.T) {
	conn := testkit.NATS(t)
	ctx := context.Background()
	log, err := openDecisionLog(ctx, conn.JS, 1)
	if err != nil {
		t.Fatal(err)
	}
	key := decisionKey("demo", "sandbox:1", 3)
	record := func() error {
		f, err := log.recordAsync(key, "moderated:sandbox:1:v3")
		if err != nil {
			return err
		}
		return log.waitRecords(ctx, []jetstream.PubAckFuture{f, nil})[0]
	}
	if err := record(); err != nil {
		t.Fatalf("first record: %v", err)
	}
	if err := record(); err != nil {
		t.Fatalf("second record of the same key: %v", err)
	}
	if id, err := log.decided(ctx, key); err != nil || id != "moderated:sandbox:1:v3" {
		t.Fatalf("decided = %q, %v", id, err)
	}
	if id, err := log.decided(ctx, decisionKey("demo", "sandbox:2", 3)); err != nil || id != "" {
		t.Fatalf("undecided key: %q, %v", id, err)
	}
	// A record that fails for another reason is reported: the bucket's
	// subject with no stream behind it.
	if err := conn.JS.DeleteKeyValue(ctx, DecisionsBucket); err != nil {
		t.Fatal(err)
	}
	if err := record(); err == nil {
		t.Fatal("a record with no bucket succeeded")
	}
}
