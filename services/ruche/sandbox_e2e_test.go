package main_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/ruche-project/ruche/pkg/testkit"
	"github.com/ruche-project/ruche/services/ingest/sandbox"
)

// TestSandboxEndToEnd runs `ruche up` with the sandbox network on, as a
// newcomer gets it, and follows its traffic into the API.
func TestSandboxEndToEnd(t *testing.T) {
	addr := freeAddr(t)
	p := startPlatformOn(t, testkit.ClickHouse(t),
		"RUCHE_SANDBOX_ENABLED=true", "RUCHE_SANDBOX_ADDR="+addr, "RUCHE_SANDBOX_SEED=11",
		"RUCHE_SANDBOX_RATE_PER_MINUTE=120", "RUCHE_SANDBOX_POLL_INTERVAL=1s")
	sandboxItems := func() map[string]bool {
		out := map[string]bool{}
		for _, it := range p.list(t).Items {
			if it.Network == sandbox.NetworkName {
				out[it.PlatformID] = true
			}
		}
		return out
	}

	t.Run("sandbox_traffic_reaches_the_api_within_seconds", func(t *testing.T) {
		eventually(t, "sandbox interactions in the API", func() bool { return len(sandboxItems()) >= 3 })
		for _, it := range p.list(t).Items {
			if it.Network == sandbox.NetworkName && (it.ID != "sandbox:"+it.PlatformID || it.Source != "sandbox" || it.AuthorID == "" || it.Text == "") {
				t.Fatalf("interaction %+v", it)
			}
		}
	})

	t.Run("crisis_burst_started_through_the_sandbox_api_is_ingested", func(t *testing.T) {
		resp, err := http.Post("http://"+addr+"/api/v1/scenarios/crisis_burst", "application/json",
			strings.NewReader(`{"topic":"app","count":10,"duration":"3s","lang":"fr"}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			t.Fatalf("start scenario: %d", resp.StatusCode)
		}
		var crisis []string
		eventually(t, "the burst in the sandbox", func() bool {
			crisis = crisisIDs(t, addr)
			return len(crisis) == 10
		})
		eventually(t, "the burst in the API", func() bool {
			got := sandboxItems()
			for _, id := range crisis {
				if !got[id] {
					return false
				}
			}
			return true
		})
	})
}

// crisisIDs lists the ids of the crisis items the sandbox holds.
func crisisIDs(t *testing.T, addr string) []string {
	t.Helper()
	var ids []string
	since := "0"
	for {
		resp, err := http.Get("http://" + addr + "/api/v1/accounts/demo/activity?limit=100&since_id=" + since)
		if err != nil {
			t.Fatal(err)
		}
		var page sandbox.Page
		err = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		for _, raw := range page.Items {
			var it sandbox.Item
			if json.Unmarshal(raw, &it) == nil && it.GroundTruth != nil && it.GroundTruth.Scenario == sandbox.ScenarioCrisisBurst {
				ids = append(ids, it.ID)
			}
		}
		if !page.HasMore {
			return ids
		}
		since = page.NextSinceID
	}
}
