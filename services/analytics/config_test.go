package analytics

import (
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/ruche-project/ruche/pkg/config"
)

type root struct {
	Analytics Config `koanf:"analytics"`
}

func (r *root) Validate() error { return r.Analytics.Validate() }

func TestConfig(t *testing.T) {
	cases := []struct {
		name    string
		env     []string
		check   func(t *testing.T, c Config)
		wantErr string
	}{
		{name: "defaults", check: func(t *testing.T, c Config) {
			want := Config{Consumer: "analytics", BatchSize: 5000, FlushInterval: 500 * time.Millisecond, FetchWait: time.Second,
				InsertTimeout: 30 * time.Second, AckWait: time.Minute, MaxDeliver: 10, RetryDelay: time.Second, QueryTimeout: 10 * time.Second,
				RollupInterval: 15 * time.Second, RollupSettle: time.Minute, RollupDiscover: time.Hour}
			if c != want {
				t.Fatalf("got %+v, want %+v", c, want)
			}
		}},
		{name: "env_overrides", env: []string{"RUCHE_ANALYTICS_BATCH_SIZE=100", "RUCHE_ANALYTICS_FLUSH_INTERVAL=2s"}, check: func(t *testing.T, c Config) {
			if c.BatchSize != 100 || c.FlushInterval != 2*time.Second {
				t.Fatalf("got %+v", c)
			}
		}},
		{name: "batch_too_big", env: []string{"RUCHE_ANALYTICS_BATCH_SIZE=100001"}, wantErr: "batch_size"},
		{name: "zero_batch", env: []string{"RUCHE_ANALYTICS_BATCH_SIZE=0"}, wantErr: "batch_size"},
		{name: "consumer_with_dot", env: []string{"RUCHE_ANALYTICS_CONSUMER=a.b"}, wantErr: "analytics.consumer"},
		{name: "ack_wait_shorter_than_a_batch", env: []string{"RUCHE_ANALYTICS_ACK_WAIT=20s"}, wantErr: "ack_wait"},
		{name: "tiny_fetch_wait", env: []string{"RUCHE_ANALYTICS_FETCH_WAIT=1ms"}, wantErr: "fetch_wait"},
		{name: "single_delivery", env: []string{"RUCHE_ANALYTICS_MAX_DELIVER=1"}, wantErr: "max_deliver"},
		{name: "zero_flush_interval", env: []string{"RUCHE_ANALYTICS_FLUSH_INTERVAL=0s"}, wantErr: "flush_interval"},
		{name: "zero_retry_delay", env: []string{"RUCHE_ANALYTICS_RETRY_DELAY=0s"}, wantErr: "retry_delay"},
		{name: "zero_query_timeout", env: []string{"RUCHE_ANALYTICS_QUERY_TIMEOUT=0s"}, wantErr: "query_timeout"},
		{name: "sub_second_rollup_interval", env: []string{"RUCHE_ANALYTICS_ROLLUP_INTERVAL=100ms"}, wantErr: "rollup_interval"},
		{name: "negative_rollup_settle", env: []string{"RUCHE_ANALYTICS_ROLLUP_SETTLE=-1s"}, wantErr: "rollup_settle"},
		{name: "rollup_discover_shorter_than_interval", env: []string{"RUCHE_ANALYTICS_ROLLUP_DISCOVER=5s"}, wantErr: "rollup_discover"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var r root
			fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
			r.Analytics.RegisterFlags(fs, "analytics.")
			err := config.Load(fs, "", tc.env, &r)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one mentioning %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, r.Analytics)
		})
	}
}

func TestRetryDelay(t *testing.T) {
	s := &sink{cfg: Config{RetryDelay: time.Second}}
	cases := []struct {
		attempt int
		want    time.Duration
	}{{1, time.Second}, {2, 2 * time.Second}, {4, 8 * time.Second}, {7, time.Minute}, {30, time.Minute}}
	for _, tc := range cases {
		if got := s.retryDelay(tc.attempt); got != tc.want {
			t.Errorf("retryDelay(%d) = %s, want %s", tc.attempt, got, tc.want)
		}
	}
}
