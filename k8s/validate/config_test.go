package validate

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// exampleConfig is the documented configuration; its keys are the settings
// the manifests may set.
const exampleConfig = "deploy/config/ruche.example.yaml"

// contract lists the settings the binary is known to read; the example must
// document each of them.
var contract = []string{
	"RUCHE_NATS_URL", "RUCHE_NATS_REPLICAS",
	"RUCHE_CLICKHOUSE_ADDR", "RUCHE_CLICKHOUSE_DATABASE", "RUCHE_CLICKHOUSE_USER", "RUCHE_CLICKHOUSE_PASSWORD",
	"RUCHE_LOG_LEVEL", "RUCHE_LOG_FORMAT",
	"RUCHE_OPS_ADDR",
	"RUCHE_GATEWAY_ADDR", "RUCHE_GATEWAY_API_KEYS",
	"RUCHE_INGEST_ADDR",
	"RUCHE_SECRET_KEY",
}

// knownSettings maps the example's <section>.<field> keys to their variable
// names, RUCHE_<SECTION>_<FIELD>.
func knownSettings(t testing.TB) map[string]bool {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(t), exampleConfig))
	if err != nil {
		t.Fatal(err)
	}
	var sections map[string]map[string]any
	if err := yaml.UnmarshalStrict(b, &sections); err != nil {
		t.Fatalf("%s: want sections of settings: %v", exampleConfig, err)
	}
	known := map[string]bool{"RUCHE_CONFIG": true}
	for section, fields := range sections {
		for field := range fields {
			known["RUCHE_"+strings.ToUpper(section+"_"+field)] = true
		}
	}
	return known
}

func TestExampleConfig(t *testing.T) {
	known := knownSettings(t)
	for _, name := range contract {
		if !known[name] {
			t.Errorf("%s does not document %s", exampleConfig, name)
		}
	}
	// Secrets have no value in a committed file.
	b, _ := os.ReadFile(filepath.Join(repoRoot(t), exampleConfig))
	var sections map[string]map[string]any
	if err := yaml.Unmarshal(b, &sections); err != nil {
		t.Fatal(err)
	}
	for section, fields := range sections {
		for field, v := range fields {
			name := "RUCHE_" + strings.ToUpper(section+"_"+field)
			if secretEnv.MatchString(name) && v != "" && v != nil {
				t.Errorf("%s: %s.%s is a secret: leave it empty", exampleConfig, section, field)
			}
		}
	}
}
