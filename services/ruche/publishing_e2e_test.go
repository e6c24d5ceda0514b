package main_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/testkit"
	"github.com/ruche-project/ruche/services/ingest/sandbox"
)

// TestModerationHidesOnTheSandbox runs `ruche up` with the sandbox network:
// a moderator's "hide" decision through the API becomes a publish request,
// which publishing carries out on the sandbox, and its ledger and the
// account's health say so (also through `ruche accounts list`).
func TestModerationHidesOnTheSandbox(t *testing.T) {
	addr := freeAddr(t)
	p := startPlatformOn(t, testkit.ClickHouse(t),
		"RUCHE_SANDBOX_ENABLED=true", "RUCHE_SANDBOX_ADDR="+addr, "RUCHE_SANDBOX_SEED=5",
		"RUCHE_SANDBOX_RATE_PER_MINUTE=0", "RUCHE_SANDBOX_POLL_INTERVAL=1s")
	var target string
	for _, it := range generateOnSandbox(t, addr, 10) {
		if it.Type == sandbox.TypeComment {
			target = "sandbox:" + it.ID
			break
		}
	}
	if target == "" {
		t.Fatal("no comment generated")
	}
	api := func(method, path, body string, out any) int {
		req, _ := http.NewRequest(method, "http://"+p.gateway+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+apiKey)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if out != nil {
			_ = json.NewDecoder(resp.Body).Decode(out)
		}
		return resp.StatusCode
	}
	// A case is decided once the brand has the interaction (404 before):
	// wait for ingest and moderation to have it.
	var decided query.DecideCaseResponse
	code := 0
	eventually(t, "the interaction known to moderation", func() bool {
		code = api(http.MethodPost, "/api/v1/cases/"+url.PathEscape(target)+"/decide?brand=demo", `{"decision":"hide","reason":"insult","network":"sandbox"}`, &decided)
		return code != http.StatusNotFound
	})
	if code != 200 || decided.Publish != "hide" {
		t.Fatalf("decide: %d %+v", code, decided)
	}
	requestID := "publish:" + decided.Decided.ID
	var pub query.Publication
	eventually(t, "the hide published", func() bool {
		api(http.MethodGet, "/api/v1/publications/"+url.PathEscape(requestID)+"?brand=demo", "", &pub)
		return pub.State == query.PublicationPublished
	})
	var it sandbox.Item
	resp, err := http.Get("http://" + addr + "/api/v1/items/" + strings.TrimPrefix(target, "sandbox:"))
	if err != nil {
		t.Fatal(err)
	}
	err = json.NewDecoder(resp.Body).Decode(&it)
	resp.Body.Close()
	if err != nil || !it.Hidden {
		t.Fatalf("the comment is not hidden on the sandbox: %+v %v", it, err)
	}
	cmd := exec.Command(binary, "accounts", "list", "--brand", "demo")
	cmd.Env = append(os.Environ(), "RUCHE_CLIENT_URL=http://"+p.gateway, "RUCHE_CLIENT_API_KEY="+apiKey)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "sandbox") || !strings.Contains(string(out), query.HealthOK) {
		t.Fatalf("ruche accounts list: %v\n%s", err, out)
	}
}

// generateOnSandbox asks the sandbox at addr for count new items of its feed.
func generateOnSandbox(t *testing.T, addr string, count int) []sandbox.Item {
	t.Helper()
	resp, err := http.Post("http://"+addr+"/api/v1/sandbox/generate?count="+strconv.Itoa(count), "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var generated struct {
		Items []sandbox.Item `json:"items"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&generated); err != nil {
		t.Fatal(err)
	}
	return generated.Items
}
