package main_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/micro"

	query "github.com/ruche-project/ruche/events/query/v1"
)

// checkOps checks what the ops address alone serves: the status page (targets,
// readiness, configuration with secrets masked) and metrics; the public
// listeners serve no metrics.
func checkOps(t *testing.T, p *platform) {
	t.Run("status_page_shows_targets_and_masks_secrets", func(t *testing.T) {
		resp, err := http.Get("http://" + p.ops + "/status")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var st struct {
			Ready   bool
			Targets []struct{ Name, State string }
			Config  map[string]string
		}
		if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
			t.Fatal(err)
		}
		states := map[string]string{}
		for _, tg := range st.Targets {
			states[tg.Name] = tg.State
		}
		for _, svc := range []string{"gateway", "ingest", "moderation", "analytics", "publishing", "drafting", "scheduling"} {
			if states[svc] == "" || states[svc] == "starting" {
				t.Errorf("target %s is %q", svc, states[svc])
			}
		}
		if !st.Ready || st.Config["nats.data_dir"] == "" {
			t.Fatalf("status %+v", st)
		}
		for _, k := range []string{"demo.api_key", "demo.webhook_secret"} {
			if v := st.Config[k]; v != "(set, masked)" {
				t.Errorf("%s shows %q", k, v)
			}
		}
		raw, _ := json.Marshal(st.Config)
		if strings.Contains(string(raw), webhookSecret) {
			t.Fatal("the status page shows the webhook secret")
		}
	})
	t.Run("metrics_only_on_the_ops_address", func(t *testing.T) {
		for addr, want := range map[string]int{p.ops: 200, p.gateway: 404, p.ingest: 404} {
			resp, err := http.Get("http://" + addr + "/metrics")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != want {
				t.Errorf("%s/metrics = %d, want %d", addr, resp.StatusCode, want)
			}
		}
	})
	t.Run("every_declared_endpoint_has_exactly_one_handler", func(t *testing.T) {
		nc, err := nats.Connect(p.natsURL)
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		inbox := nats.NewInbox()
		sub, err := nc.SubscribeSync(inbox)
		if err != nil {
			t.Fatal(err)
		}
		if err := nc.PublishRequest("$SRV.INFO", inbox, nil); err != nil {
			t.Fatal(err)
		}
		// Every service answers once; read until each declared endpoint has
		// an answer (however slow a loaded machine makes them), then for as
		// long as more answers come (a second handler of one).
		served := map[string]int{}
		unserved := func() bool {
			for _, e := range query.Endpoints() {
				if served[e.Subject] == 0 {
					return true
				}
			}
			return false
		}
		deadline := time.Now().Add(30 * time.Second)
		for {
			wait := time.Second
			if unserved() {
				wait = time.Until(deadline)
			}
			msg, err := sub.NextMsg(max(wait, time.Millisecond))
			if err != nil {
				break // every service answered
			}
			var info micro.Info
			if err := json.Unmarshal(msg.Data, &info); err != nil {
				t.Fatal(err)
			}
			for _, e := range info.Endpoints {
				served[e.Subject]++
			}
		}
		for _, e := range query.Endpoints() {
			if served[e.Subject] != 1 {
				t.Errorf("%s/%s (%s) has %d handlers, want 1", e.Service, e.Name, e.Subject, served[e.Subject])
			}
		}
	})
}
