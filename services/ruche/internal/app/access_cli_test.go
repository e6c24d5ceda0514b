package app

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ruche-project/ruche/pkg/httpx"
	"github.com/ruche-project/ruche/pkg/testkit"
	"github.com/ruche-project/ruche/services/gateway"
)

func TestLoginAndAccessCommands(t *testing.T) {
	const ownerKey = "owner-key-demo-0123456789abcdef"
	conn := testkit.NATS(t)
	gw, err := gateway.New(gateway.Config{Addr: "127.0.0.1:0", APIKeys: ownerKey + ":demo", BodyLimit: "1M"},
		gateway.Deps{NATS: conn.NC, JS: conn.JS, Logger: testkit.Logger(t), Health: httpx.NewHealth(), Registry: prometheus.NewRegistry(), Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gw.Handler())
	defer srv.Close()
	post := func(path, key, body string) *http.Response {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if key != "" {
			req.Header.Set("Authorization", "Bearer "+key)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	var link gateway.LinkView
	resp := post("/api/v1/invitations?brand=demo", ownerKey, `{"role":"manager","email":"lea@demo.example"}`)
	_ = json.NewDecoder(resp.Body).Decode(&link)
	resp.Body.Close()
	if resp = post("/api/v1/auth/invitations/"+link.Token+"/accept", "", `{"password":"correct horse battery"}`); resp.StatusCode != 200 {
		t.Fatalf("accept = %d", resp.StatusCode)
	}
	resp.Body.Close()

	home := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", home)
	contexts := filepath.Join(home, "ruche", "contexts.json")
	run := func(stdin string, args ...string) (string, error) {
		var out, errb bytes.Buffer
		root := newRoot("test", &out, &errb)
		root.SetIn(strings.NewReader(stdin))
		root.SetArgs(args)
		err := root.Execute()
		return out.String(), err
	}
	if _, err := run("wrong password!!\n", "login", "--url", srv.URL, "--email", "lea@demo.example"); err == nil || !strings.Contains(err.Error(), "wrong email or password") {
		t.Fatalf("wrong password: %v", err)
	}
	if _, err := run("correct horse battery\n", "login", "--url", srv.URL, "--email", "lea@demo.example", "--context", "local"); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(contexts)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("contexts file: %v %v", st, err)
	}
	cs, _, _ := loadContexts()
	if cs.Current != "local" || !strings.HasPrefix(cs.Contexts["local"].APIKey, "ruk.") {
		t.Fatalf("contexts %+v", cs)
	}
	out, err := run("", "users", "--brand", "demo", "-o", "json")
	if err != nil || !strings.Contains(out, `"email": "lea@demo.example"`) || !strings.Contains(out, `"role": "manager"`) {
		t.Fatalf("users: %v %s", err, out)
	}
	out, err = run("", "brands", "-o", "json")
	if err != nil || !strings.Contains(out, `"brand": "demo"`) || !strings.Contains(out, `"role": "manager"`) {
		t.Fatalf("brands: %v %s", err, out)
	}
	out, err = run("", "brands")
	if err != nil || !strings.Contains(out, "BRAND") || !strings.Contains(out, "manager") {
		t.Fatalf("brands table: %v %s", err, out)
	}
	out, err = run("", "keys", "list")
	if err != nil || !strings.Contains(out, "ruche CLI on") || !strings.Contains(out, "SCOPES") {
		t.Fatalf("keys: %v %s", err, out)
	}
	out, err = run("", "audit", "--brand", "demo", "-o", "table")
	if err != nil || !strings.Contains(out, "auth/login") || !strings.Contains(out, "lea@demo.example") {
		t.Fatalf("audit: %v %s", err, out)
	}
	if _, err := run("", "users", "--brand", "other"); err == nil || !strings.Contains(err.Error(), "no role on brand other") {
		t.Fatalf("other brand: %v", err)
	}
	out, err = run("", "context", "list")
	if err != nil || !strings.Contains(out, "*  local") {
		t.Fatalf("context list: %v %q", err, out)
	}
}

// TestOutputCSVDefusesFormulas: a member's name is theirs to choose; the
// CSV an owner opens in a spreadsheet shows it as text, never runs it.
func TestOutputCSVDefusesFormulas(t *testing.T) {
	var b bytes.Buffer
	rows := [][]string{{"u1", "x@a.example", `=HYPERLINK("http://evil.example","x")`, "owner"}, {"u2", "y@a.example", "Zoé", "analyst"}}
	if err := output(&b, "csv", nil, []string{"id", "email", "name", "role"}, rows); err != nil {
		t.Fatal(err)
	}
	want := "id,email,name,role\nu1,x@a.example,\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\",owner\nu2,y@a.example,Zoé,analyst\n"
	if b.String() != want {
		t.Fatalf("csv:\n%s\nwant:\n%s", b.String(), want)
	}
}
