package obs_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/ruche-project/ruche/pkg/obs"
)

func TestLogger(t *testing.T) {
	t.Run("adds_correlation_id_and_brand_from_context", func(t *testing.T) {
		var buf bytes.Buffer
		log, err := obs.NewLogger(obs.LogConfig{Level: "info", Format: "json"}, &buf)
		if err != nil {
			t.Fatal(err)
		}
		ctx := obs.WithBrand(obs.WithCorrelationID(context.Background(), "corr-42"), "demo")
		log.With("svc", "ingest").InfoContext(ctx, "hello")
		var line map[string]any
		if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
			t.Fatal(err)
		}
		if line["correlation_id"] != "corr-42" || line["brand"] != "demo" || line["svc"] != "ingest" {
			t.Fatalf("log line = %v", line)
		}
	})
	t.Run("drops_below_level", func(t *testing.T) {
		var buf bytes.Buffer
		log, _ := obs.NewLogger(obs.LogConfig{Level: "warn", Format: "text"}, &buf)
		log.Info("quiet")
		if buf.Len() != 0 {
			t.Fatalf("info logged at warn level: %s", buf.String())
		}
	})
	t.Run("rejects_bad_config", func(t *testing.T) {
		for _, c := range []obs.LogConfig{{Level: "loud", Format: "json"}, {Level: "info", Format: "xml"}} {
			if err := c.Validate(); err == nil {
				t.Fatalf("Validate(%+v) = nil", c)
			}
		}
	})
}
