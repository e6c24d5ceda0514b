package validate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
	"go.starlark.net/syntax"
	"sigs.k8s.io/yaml"
)

// Tilt cannot run here: TestTiltfile executes tilt/Tiltfile with stand-ins
// for the Tilt functions it calls (recording their arguments; kustomize and
// the YAML codecs are real), then checks what it declared.

// tiltCall is one recorded call of a Tilt function.
type tiltCall struct {
	args   []starlark.Value
	kwargs map[string]starlark.Value
}

func (c tiltCall) arg(i int, name string) starlark.Value {
	if v, ok := c.kwargs[name]; ok {
		return v
	}
	if i >= 0 && i < len(c.args) {
		return c.args[i]
	}
	return nil
}

func (c tiltCall) str(i int, name string) string {
	if s, ok := c.arg(i, name).(starlark.String); ok {
		return string(s)
	}
	return ""
}

func (c tiltCall) strs(i int, name string) []string {
	var out []string
	switch v := c.arg(i, name).(type) {
	case starlark.String:
		out = append(out, string(v))
	case *starlark.List:
		for x := range v.Elements() {
			if s, ok := x.(starlark.String); ok {
				out = append(out, string(s))
			} else {
				out = append(out, x.String())
			}
		}
	}
	return out
}

type tiltRun struct {
	calls    map[string][]tiltCall
	deployed [][]byte // the YAML given to k8s_yaml
}

func runTiltfile(t *testing.T) *tiltRun {
	t.Helper()
	root := repoRoot(t)
	tiltDir := filepath.Join(root, "tilt")
	run := &tiltRun{calls: map[string][]tiltCall{}}

	record := func(name string, result func(tiltCall) (starlark.Value, error)) *starlark.Builtin {
		return starlark.NewBuiltin(name, func(_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			c := tiltCall{args: args, kwargs: map[string]starlark.Value{}}
			for _, kv := range kwargs {
				c.kwargs[string(kv[0].(starlark.String))] = kv[1]
			}
			run.calls[name] = append(run.calls[name], c)
			if result != nil {
				return result(c)
			}
			return starlark.None, nil
		})
	}
	step := func(kind string) func(tiltCall) (starlark.Value, error) {
		return func(c tiltCall) (starlark.Value, error) {
			return starlarkstruct.FromStringDict(starlark.String(kind), starlark.StringDict{
				"kind": starlark.String(kind), "args": starlark.NewList(c.args),
			}), nil
		}
	}
	predeclared := starlark.StringDict{
		"local_resource": record("local_resource", nil),
		"docker_build":   record("docker_build", nil),
		"k8s_resource":   record("k8s_resource", nil),
		"sync":           record("sync", step("sync")),
		"run":            record("run", step("run")),
		"k8s_yaml": record("k8s_yaml", func(c tiltCall) (starlark.Value, error) {
			s, ok := c.arg(0, "yaml").(starlark.String)
			if !ok {
				return nil, fmt.Errorf("k8s_yaml: want YAML text, got %s", c.arg(0, "yaml").Type())
			}
			run.deployed = append(run.deployed, []byte(s))
			return starlark.None, nil
		}),
		"kustomize": record("kustomize", func(c tiltCall) (starlark.Value, error) {
			dir, err := filepath.Rel(root, filepath.Join(tiltDir, c.str(0, "pathToDir")))
			if err != nil {
				return nil, err
			}
			return starlark.String(renderYAML(t, dir)), nil
		}),
		"decode_yaml_stream": record("decode_yaml_stream", func(c tiltCall) (starlark.Value, error) {
			return decodeYAMLStream(string(c.arg(0, "yaml").(starlark.String)))
		}),
		"encode_yaml_stream": record("encode_yaml_stream", func(c tiltCall) (starlark.Value, error) {
			return encodeYAMLStream(c.arg(0, "objs"))
		}),
	}
	extensions := map[string]starlark.StringDict{
		"ext://restart_process": {"docker_build_with_restart": record("docker_build_with_restart", nil)},
	}
	thread := &starlark.Thread{
		Name:  "Tiltfile",
		Print: func(_ *starlark.Thread, msg string) { t.Log(msg) },
		Load: func(_ *starlark.Thread, module string) (starlark.StringDict, error) {
			if m, ok := extensions[module]; ok {
				return m, nil
			}
			return nil, fmt.Errorf("load(%q): not a known Tilt extension", module)
		},
	}
	src, err := os.ReadFile(filepath.Join(tiltDir, "Tiltfile"))
	if err != nil {
		t.Fatal(err)
	}
	// Tilt's Starlark dialect.
	opts := &syntax.FileOptions{Set: true, While: true, TopLevelControl: true, GlobalReassign: true, Recursion: true}
	if _, err := starlark.ExecFileOptions(opts, thread, "tilt/Tiltfile", src, predeclared); err != nil {
		if ee, ok := err.(*starlark.EvalError); ok {
			t.Fatalf("tilt/Tiltfile: %s", ee.Backtrace())
		}
		t.Fatalf("tilt/Tiltfile: %v", err)
	}
	return run
}

func TestTiltfile(t *testing.T) {
	root := repoRoot(t)
	run := runTiltfile(t)

	// The binary: compiled for Linux, static, into the build context.
	compiles := run.calls["local_resource"]
	if len(compiles) != 1 {
		t.Fatalf("%d local_resource calls, want 1 (the compile)", len(compiles))
	}
	compile := compiles[0]
	cmd := compile.str(1, "cmd")
	for _, want := range []string{"CGO_ENABLED=0", "GOOS=linux", "go build", "-o build/ruche", "../services/ruche"} {
		if !strings.Contains(cmd, want) {
			t.Errorf("compile command lacks %q: %s", want, cmd)
		}
	}
	for _, dep := range compile.strs(-1, "deps") {
		if _, err := os.Stat(filepath.Join(root, "tilt", dep)); err != nil {
			t.Errorf("compile dep %s: %v", dep, err)
		}
	}

	// The image with live update: sync the binary, restart the process.
	builds := run.calls["docker_build_with_restart"]
	if len(builds) != 1 {
		t.Fatalf("%d docker_build_with_restart calls, want 1", len(builds))
	}
	b := builds[0]
	if b.str(0, "ref") != "ruche" {
		t.Errorf("image ref %q, want ruche (the image of k8s/overlays/dev)", b.str(0, "ref"))
	}
	entrypoint := b.strs(2, "entrypoint")
	if len(entrypoint) != 1 || !strings.HasPrefix(entrypoint[0], "/app/build/") {
		t.Errorf("entrypoint %v, want the synced binary under /app/build", entrypoint)
	}
	if rf := b.str(-1, "restart_file"); rf == "" || strings.HasPrefix(rf, "/tmp/") {
		t.Errorf("restart_file %q: must be set and outside /tmp (an emptyDir in the pods hides it)", rf)
	}
	lu, _ := b.arg(3, "live_update").(*starlark.List)
	synced := false
	if lu != nil {
		for step := range lu.Elements() {
			if s, ok := step.(*starlarkstruct.Struct); ok && s.Constructor() == starlark.String("sync") {
				args, _ := s.Attr("args")
				l := args.(*starlark.List)
				if l.Len() == 2 && l.Index(0) == starlark.String("./build") && l.Index(1) == starlark.String("/app/build") {
					synced = true
				}
			}
		}
	}
	if !synced {
		t.Errorf("live_update does not sync ./build to /app/build: %v", lu)
	}
	for _, c := range append(builds, run.calls["docker_build"]...) {
		df := filepath.Join(root, "tilt", c.str(-1, "dockerfile"))
		stages, _ := parseDockerfile(t, df)
		if len(stages) == 0 {
			t.Fatalf("%s: no stage", df)
		}
	}
	var plain []string
	for _, c := range run.calls["docker_build"] {
		plain = append(plain, c.str(0, "ref"))
	}
	if !slices.Equal(plain, []string{"ruche-migrate"}) {
		t.Errorf("plain docker_build refs %v, want [ruche-migrate]", plain)
	}

	// The manifests: the dev overlay, changed only where live update needs.
	if len(run.deployed) != 1 {
		t.Fatalf("%d k8s_yaml calls, want 1", len(run.deployed))
	}
	if c := run.calls["kustomize"]; len(c) != 1 || c[0].str(0, "pathToDir") != "../k8s/overlays/dev" {
		t.Errorf("kustomize calls %v, want one of ../k8s/overlays/dev", c)
	}
	r := &rendered{dir: "tilt"}
	for i, doc := range splitDocuments(run.deployed[0]) {
		obj, err := decodeStrict(doc)
		if err != nil {
			t.Fatalf("k8s_yaml document %d: %v\n%s", i, err, doc)
		}
		r.add(obj)
	}
	dev := render(t, "k8s/overlays/dev")
	if len(r.workloads()) != len(dev.workloads()) || len(r.services) != len(dev.services) {
		t.Errorf("Tilt deploys %d workloads and %d Services, the dev overlay has %d and %d",
			len(r.workloads()), len(r.services), len(dev.workloads()), len(dev.services))
	}
	names := map[string]bool{"ruche-compile": true}
	for _, w := range r.workloads() {
		names[w.name] = true
		if !isRuche(w.meta) {
			continue
		}
		c := w.spec.Containers[0]
		switch w.kind {
		case "Deployment":
			if c.Image != "ruche" || c.SecurityContext.ReadOnlyRootFilesystem == nil || *c.SecurityContext.ReadOnlyRootFilesystem {
				t.Errorf("%s: want image ruche with a writable root filesystem under Tilt", w)
			}
		case "Job":
			if c.Image != "ruche-migrate" {
				t.Errorf("%s: image %s, want ruche-migrate", w, c.Image)
			}
		}
		if c.SecurityContext.AllowPrivilegeEscalation == nil || *c.SecurityContext.AllowPrivilegeEscalation {
			t.Errorf("%s: Tilt must change nothing but the root filesystem", w)
		}
	}

	// Resources: known names, port forwards for gateway and ingest.
	forwards := map[string][]string{}
	for _, c := range run.calls["k8s_resource"] {
		name := c.str(0, "workload")
		if !names[name] {
			t.Errorf("k8s_resource(%q): no such workload", name)
		}
		for _, dep := range c.strs(-1, "resource_deps") {
			if !names[dep] {
				t.Errorf("k8s_resource(%q): resource_deps %q is not a resource", name, dep)
			}
		}
		forwards[name] = c.strs(-1, "port_forwards")
	}
	for svc, port := range publicPorts {
		if want := fmt.Sprintf("%d:%d", port, port); !slices.Contains(forwards[svc], want) {
			t.Errorf("%s port_forwards %v, want %s", svc, forwards[svc], want)
		}
	}
}

// decodeYAMLStream turns a YAML stream into a list of Starlark values, as
// Tilt's decode_yaml_stream does.
func decodeYAMLStream(s string) (starlark.Value, error) {
	var out []starlark.Value
	for _, doc := range splitDocuments([]byte(s)) {
		js, err := yaml.YAMLToJSON(doc)
		if err != nil {
			return nil, err
		}
		dec := json.NewDecoder(bytes.NewReader(js))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		sv, err := toStarlark(v)
		if err != nil {
			return nil, err
		}
		out = append(out, sv)
	}
	return starlark.NewList(out), nil
}

func toStarlark(v any) (starlark.Value, error) {
	switch v := v.(type) {
	case nil:
		return starlark.None, nil
	case bool:
		return starlark.Bool(v), nil
	case string:
		return starlark.String(v), nil
	case json.Number:
		if i, err := v.Int64(); err == nil {
			return starlark.MakeInt64(i), nil
		}
		f, err := v.Float64()
		return starlark.Float(f), err
	case []any:
		l := make([]starlark.Value, len(v))
		for i, x := range v {
			sv, err := toStarlark(x)
			if err != nil {
				return nil, err
			}
			l[i] = sv
		}
		return starlark.NewList(l), nil
	case map[string]any:
		d := starlark.NewDict(len(v))
		for _, k := range sortedKeys(v) {
			sv, err := toStarlark(v[k])
			if err != nil {
				return nil, err
			}
			if err := d.SetKey(starlark.String(k), sv); err != nil {
				return nil, err
			}
		}
		return d, nil
	}
	return nil, fmt.Errorf("unexpected YAML value %T", v)
}

// encodeYAMLStream is Tilt's encode_yaml_stream.
func encodeYAMLStream(v starlark.Value) (starlark.Value, error) {
	l, ok := v.(*starlark.List)
	if !ok {
		return nil, fmt.Errorf("encode_yaml_stream: want a list, got %s", v.Type())
	}
	var docs []string
	for x := range l.Elements() {
		g, err := fromStarlark(x)
		if err != nil {
			return nil, err
		}
		b, err := yaml.Marshal(g)
		if err != nil {
			return nil, err
		}
		docs = append(docs, string(b))
	}
	return starlark.String(strings.Join(docs, "---\n")), nil
}

func fromStarlark(v starlark.Value) (any, error) {
	switch v := v.(type) {
	case starlark.NoneType:
		return nil, nil
	case starlark.Bool:
		return bool(v), nil
	case starlark.String:
		return string(v), nil
	case starlark.Int:
		i, ok := v.Int64()
		if !ok {
			return nil, fmt.Errorf("integer %s out of range", v)
		}
		return i, nil
	case starlark.Float:
		return float64(v), nil
	case *starlark.List:
		out := make([]any, 0, v.Len())
		for x := range v.Elements() {
			g, err := fromStarlark(x)
			if err != nil {
				return nil, err
			}
			out = append(out, g)
		}
		return out, nil
	case *starlark.Dict:
		out := map[string]any{}
		for _, kv := range v.Items() {
			k, ok := kv[0].(starlark.String)
			if !ok {
				return nil, fmt.Errorf("non-string key %s", kv[0])
			}
			g, err := fromStarlark(kv[1])
			if err != nil {
				return nil, err
			}
			out[string(k)] = g
		}
		return out, nil
	}
	return nil, fmt.Errorf("cannot encode a %s as YAML", v.Type())
}
