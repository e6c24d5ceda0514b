package app

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/labstack/echo/v4"
)

// Status is what GET /status on the ops address answers (Tempo's /status):
// the targets this process runs with their readiness, the dependency checks,
// and the effective configuration with secrets masked.
type Status struct {
	Version string `json:"version"`
	Mode    string `json:"mode"`
	Ready   bool   `json:"ready"`
	// Targets are the parts of this process in start order.
	Targets []TargetStatus `json:"targets"`
	// Failed are the readiness checks that fail now, with their reason.
	Failed map[string]string `json:"failed,omitempty"`
	// Config is every setting by key, secrets masked.
	Config map[string]string `json:"config"`
}

// TargetStatus is one target: "ready" (it said so), "running" (a loop that
// does not report readiness), "starting", or "built" (no loop).
type TargetStatus struct {
	Name  string `json:"name"`
	State string `json:"state"`
}

// Masked is what a set secret shows as in the status page.
const Masked = "(set, masked)"

// status reads the process's state now.
func (a *App) status(ctx context.Context) Status {
	st := Status{Version: a.version, Mode: a.mode.String(), Config: flatConfig(a.cfg)}
	st.Failed = a.health.Ready(ctx)
	st.Ready = len(st.Failed) == 0
	names, _ := order(a.targets)
	running := map[string]runner{}
	for _, r := range a.runners {
		running[r.name] = r.runner
	}
	for _, name := range names {
		state := "built"
		if r, ok := running[name]; ok {
			state = "running"
			if rr, ok := r.(readier); ok {
				state = "starting"
				select {
				case <-rr.Ready():
					state = "ready"
				default:
				}
			}
		}
		st.Targets = append(st.Targets, TargetStatus{Name: name, State: state})
	}
	return st
}

// statusHandler serves the status as JSON, or as text for ?format=text.
func (a *App) statusHandler(c echo.Context) error {
	st := a.status(c.Request().Context())
	if c.QueryParam("format") != "text" {
		return c.JSON(http.StatusOK, st)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "ruche %s (%s), ready: %v\n\ntargets\n", st.Version, st.Mode, st.Ready)
	w := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	for _, t := range st.Targets {
		fmt.Fprintf(w, "  %s\t%s\n", t.Name, t.State)
	}
	_ = w.Flush()
	if len(st.Failed) > 0 {
		b.WriteString("\nfailing checks\n")
		for _, k := range sortedKeys(st.Failed) {
			fmt.Fprintf(&b, "  %s: %s\n", k, st.Failed[k])
		}
	}
	b.WriteString("\nconfiguration\n")
	w = tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	for _, k := range sortedKeys(st.Config) {
		fmt.Fprintf(w, "  %s\t%s\n", k, st.Config[k])
	}
	_ = w.Flush()
	return c.String(http.StatusOK, b.String())
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// secretKey tells the settings whose values are never shown: keys, tokens,
// passwords and the API key table.
func secretKey(key string) bool {
	for _, s := range []string{"password", "secret", "api_key", "token"} {
		if strings.Contains(key, s) {
			return true
		}
	}
	return key == "secret.key"
}

// flatConfig lists cfg by koanf key ("nats.data_dir"), secrets masked.
func flatConfig(cfg Config) map[string]string {
	out := map[string]string{}
	var walk func(prefix string, v reflect.Value)
	walk = func(prefix string, v reflect.Value) {
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			tag := strings.Split(f.Tag.Get("koanf"), ",")[0]
			if tag == "" || tag == "-" || !f.IsExported() {
				continue
			}
			key, fv := prefix+tag, v.Field(i)
			if fv.Kind() == reflect.Struct && fv.Type() != reflect.TypeFor[time.Time]() {
				walk(key+".", fv)
				continue
			}
			val := fmt.Sprint(fv.Interface())
			switch {
			case secretKey(key) && val != "":
				val = Masked
			case val == "":
				val = "(empty)"
			}
			out[key] = val
		}
	}
	walk("", reflect.ValueOf(cfg))
	return out
}
