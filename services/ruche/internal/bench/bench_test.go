package bench_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ruche-project/ruche/pkg/testkit"
	"github.com/ruche-project/ruche/services/ruche/internal/bench"
)

// binary is the ruche binary the smoke run starts as `ruche up` and as
// the HTTP limit servers.
var binary string

func TestMain(m *testing.M) { os.Exit(testkit.RunWithBinary(m, "../..", &binary)) }

// TestSmoke runs every phase of the bench at tiny sizes: it checks the
// shape of the results and that what went in came out, never timings.
func TestSmoke(t *testing.T) {
	cfg, err := bench.FromEnv(nil, binary)
	if err != nil {
		t.Fatal(err)
	}
	ch := testkit.ClickHouseConfig(t) // the test server (RUCHE_TEST_CLICKHOUSE_ADDR...)
	cfg.ClickHouse.Addr, cfg.ClickHouse.User, cfg.ClickHouse.Password = ch.Addr, ch.User, ch.Password
	cfg.Seconds, cfg.Rows, cfg.Clients, cfg.Smoke = 10, 20_000, 4, true
	cfg.Out = filepath.Join(t.TempDir(), "bench.json")
	var out strings.Builder
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	res, err := bench.Run(ctx, cfg, &out)
	if err != nil {
		t.Fatalf("bench: %v\n%s", err, out.String())
	}

	t.Run("json_is_a_list_of_figures", func(t *testing.T) {
		b, err := os.ReadFile(cfg.Out)
		if err != nil {
			t.Fatal(err)
		}
		var list []map[string]any
		if err := json.Unmarshal(b, &list); err != nil {
			t.Fatal(err)
		}
		if len(list) != len(res.List()) {
			t.Fatalf("%d figures in JSON, %d measured", len(list), len(res.List()))
		}
		for _, f := range list {
			for _, k := range []string{"name", "value", "unit", "limit_name", "limit_value", "ratio"} {
				if _, ok := f[k]; !ok {
					t.Fatalf("figure %v has no %q", f, k)
				}
			}
		}
	})

	t.Run("every_limit_and_figure_is_measured", func(t *testing.T) {
		for _, name := range []string{
			"js_publish_sync_1", "js_publish_sync", "js_publish_async", "js_consume_ack", "ch_insert",
			"http_bare", "http_decode_publish", "http_ingest_core",
			"pipeline_accepted_max", "pipeline_throughput", "sink_throughput", "pipeline_open_throughput",
			"pipeline_rss_peak", "dataset_generation", "dataset_rollup", "publish_latency_p50", "publish_throughput",
		} {
			if r := res.Get(name); r == nil || r.Value <= 0 {
				t.Errorf("%s = %+v, want a positive figure", name, r)
			}
		}
		for _, name := range []string{"pipeline_throughput", "pipeline_throughput_vs_bare", "pipeline_throughput_vs_js_publish_async", "sink_throughput"} {
			if r := res.Get(name); r == nil || r.LimitName == "" || r.Ratio <= 0 {
				t.Errorf("%s = %+v, want a limit and a ratio", name, r)
			}
		}
		for _, name := range []string{"pipeline_moderated_p99", "pipeline_queryable_p99", "pipeline_rss_peak", "inbox_first_page_p95", "kpi_dashboard_30d_p95", "kpi_dashboard_365d_p95",
			"ui_search_p95", "ui_filter_p95", "ui_move_p95", "ui_open_p95", "ui_decide_p95"} {
			if r := res.Get(name); r == nil || r.Target == "" || (r.Status != "PASS" && r.Status != "MISS") {
				t.Errorf("%s = %+v, want a target and a status", name, r)
			}
		}
	})

	t.Run("in_equals_out", func(t *testing.T) {
		for _, prefix := range []string{"pipeline_max", "pipeline_open"} {
			if n := res.Value(prefix + "_accepted"); n <= 0 {
				t.Errorf("%s: nothing accepted", prefix)
			}
			for _, name := range []string{"_lost", "_lost_decisions", "_duplicates", "_moderated_unseen", "_pending_end"} {
				if r := res.Get(prefix + name); r == nil || r.Value != 0 {
					t.Errorf("%s%s = %+v, want 0", prefix, name, r)
				}
			}
		}
	})

	t.Run("table_names_every_figure", func(t *testing.T) {
		for _, r := range res.List() {
			if !strings.Contains(out.String(), r.Name) {
				t.Errorf("table misses %s", r.Name)
			}
		}
	})
	if t.Failed() {
		t.Logf("bench output:\n%s", out.String())
	}
}

// TestPublishingPhase runs the publishing phase alone: every post of the
// burst published exactly once on the sandbox, the figures measured.
func TestPublishingPhase(t *testing.T) {
	cfg := onePhase(t, "publishing")
	var out strings.Builder
	res, err := bench.Run(context.Background(), cfg, &out)
	if err != nil {
		t.Fatalf("bench: %v\n%s", err, out.String())
	}
	for _, name := range []string{"publish_latency_p50", "publish_latency_p99", "publish_throughput"} {
		if r := res.Get(name); r == nil || r.Value <= 0 {
			t.Errorf("%s = %+v, want a positive figure", name, r)
		}
	}
	if r := res.Get("publish_doubles_or_losses"); r != nil {
		t.Errorf("the sandbox counted %v posts more than requested", r.Value)
	}
	t.Log(out.String())
	if !strings.Contains(out.String(), "publish_throughput") {
		t.Errorf("the table does not show the publish figure:\n%s", out.String())
	}
}

func TestPhasesFromEnv(t *testing.T) {
	cfg, err := bench.FromEnv([]string{bench.EnvPhases + "=queries, pipeline"}, binary)
	if err != nil || strings.Join(cfg.Phases, ",") != "queries,pipeline" {
		t.Fatalf("phases %q, err %v", cfg.Phases, err)
	}
	if _, err := bench.FromEnv([]string{bench.EnvPhases + "=queries,inbox"}, binary); err == nil || !strings.Contains(err.Error(), `unknown phase "inbox"`) {
		t.Fatalf("err = %v, want an unknown phase error", err)
	}
}

// TestSchedulingPhase runs the scheduling phase alone (smoke size): every
// post due in the minute published once on the sandbox, p50 and p99
// measured from the due instant.
func TestSchedulingPhase(t *testing.T) {
	cfg := onePhase(t, "scheduling")
	var out strings.Builder
	res, err := bench.Run(context.Background(), cfg, &out)
	if err != nil {
		t.Fatalf("bench: %v\n%s", err, out.String())
	}
	for _, name := range []string{"schedule_posts_per_s", "schedule_due_to_published_p50", "schedule_due_to_published_p95", "schedule_due_to_published_p99"} {
		if r := res.Get(name); r == nil || r.Value <= 0 {
			t.Errorf("%s = %+v, want a positive figure", name, r)
		}
	}
	for _, name := range []string{"schedule_lost", "schedule_doubled"} {
		if r := res.Get(name); r == nil || r.Value != 0 || r.Status != "PASS" {
			t.Errorf("%s = %+v, want 0 and PASS", name, r)
		}
	}
	t.Log(out.String())
}

// TestDraftingPhase runs the drafting phase alone (smoke size): every
// decision drafted once, by the drafter of its brand, with a citation; the
// figures measured.
func TestDraftingPhase(t *testing.T) {
	cfg := onePhase(t, "drafting")
	var out strings.Builder
	res, err := bench.Run(context.Background(), cfg, &out)
	if err != nil {
		t.Fatalf("bench: %v\n%s", err, out.String())
	}
	for _, mode := range []string{"model", "offline"} {
		for _, name := range []string{"_latency_p50", "_latency_p95", "_throughput"} {
			if r := res.Get("draft_" + mode + name); r == nil || r.Value <= 0 {
				t.Errorf("draft_%s%s = %+v, want a positive figure", mode, name, r)
			}
		}
		for _, name := range []string{"_doubled_or_lost", "_unexpected"} {
			if r := res.Get("draft_" + mode + name); r == nil || r.Value != 0 || r.Status != "PASS" {
				t.Errorf("draft_%s%s = %+v, want 0 and PASS", mode, name, r)
			}
		}
	}
	t.Log(out.String())
}

// onePhase is the smoke configuration of one phase, on the local
// ClickHouse, its JSON in a temporary directory.
func onePhase(t *testing.T, phase string) bench.Config {
	t.Helper()
	cfg, err := bench.FromEnv([]string{bench.EnvPhases + "=" + phase}, binary)
	if err != nil {
		t.Fatal(err)
	}
	ch := testkit.ClickHouseConfig(t)
	cfg.ClickHouse.Addr, cfg.ClickHouse.User, cfg.ClickHouse.Password = ch.Addr, ch.User, ch.Password
	cfg.Seconds, cfg.Smoke, cfg.Quiet = 10, true, true
	cfg.Out = filepath.Join(t.TempDir(), "bench.json")
	return cfg
}
