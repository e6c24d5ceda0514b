package validate

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

const (
	dockerfile = "deploy/Dockerfile"
	finalImage = "gcr.io/distroless/static-debian12:nonroot"
	binary     = "/ruche"
)

// parseDockerfile parses path as BuildKit does, failing on parser and lint
// warnings.
func parseDockerfile(t *testing.T, path string) ([]instructions.Stage, []instructions.ArgCommand) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := parser.Parse(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	for _, w := range res.Warnings {
		t.Errorf("%s: parser warning: %s", path, w.Short)
	}
	lint := linter.New(&linter.Config{Warn: func(rule, desc, url, msg string, loc []parser.Range) {
		line := 0
		if len(loc) > 0 {
			line = loc[0].Start.Line
		}
		t.Errorf("%s:%d: lint %s: %s", path, line, rule, msg)
	}})
	stages, metaArgs, err := instructions.Parse(res.AST, lint)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return stages, metaArgs
}

// expand replaces ${NAME} and $NAME with the defaults of the global ARGs.
func expand(s string, metaArgs []instructions.ArgCommand) string {
	vals := map[string]string{}
	for _, a := range metaArgs {
		for _, kv := range a.Args {
			if kv.Value != nil {
				vals[kv.Key] = *kv.Value
			}
		}
	}
	return os.Expand(s, func(k string) string { return vals[k] })
}

func TestDockerfile(t *testing.T) {
	root := repoRoot(t)
	stages, metaArgs := parseDockerfile(t, filepath.Join(root, dockerfile))
	if len(stages) < 2 {
		t.Fatalf("%d stages, want a multi-stage build", len(stages))
	}
	build, final := stages[0], stages[len(stages)-1]

	if base := expand(build.BaseName, metaArgs); !strings.HasPrefix(base, "golang:1.26") {
		t.Errorf("build stage FROM %s, want golang:1.26", base)
	}
	if build.Name == "" {
		t.Error("build stage has no name (FROM ... AS build)")
	}
	var goBuild *instructions.RunCommand
	for _, c := range build.Commands {
		if r, ok := c.(*instructions.RunCommand); ok && strings.Contains(strings.Join(r.CmdLine, " "), "go build") {
			goBuild = r
		}
	}
	if goBuild == nil {
		t.Fatal("build stage has no RUN go build")
	}
	cmd := strings.Join(goBuild.CmdLine, " ")
	for _, want := range []string{"CGO_ENABLED=0", "-trimpath", "-X main.version=${VERSION}", "-o " + "/out" + binary} {
		if !strings.Contains(cmd, want) {
			t.Errorf("go build lacks %q: %s", want, cmd)
		}
	}
	// Mount options are read when the RUN is expanded (no variables here).
	if err := goBuild.Expand(func(w string) (string, error) { return w, nil }); err != nil {
		t.Fatalf("RUN --mount: %v", err)
	}
	var caches []string
	for _, m := range instructions.GetMounts(goBuild) {
		if m.Type == instructions.MountTypeCache {
			caches = append(caches, m.Target)
		}
	}
	for _, want := range []string{"/go/pkg/mod", "/root/.cache/go-build"} {
		if !slices.Contains(caches, want) {
			t.Errorf("go build has no cache mount on %s (has %v)", want, caches)
		}
	}
	if !hasArg(build, "VERSION") {
		t.Error("build stage declares no ARG VERSION")
	}
	if wd := lastWorkdir(build); wd != "/src/services/ruche" {
		t.Errorf("go build runs in %q, want /src/services/ruche (the main package)", wd)
	}

	if final.BaseName != finalImage {
		t.Errorf("final stage FROM %s, want %s", final.BaseName, finalImage)
	}
	var user string
	var entrypoint *instructions.EntrypointCommand
	var ports []string
	copied := false
	for _, c := range final.Commands {
		switch c := c.(type) {
		case *instructions.UserCommand:
			user = c.User
		case *instructions.EntrypointCommand:
			entrypoint = c
		case *instructions.ExposeCommand:
			ports = append(ports, c.Ports...)
		case *instructions.CopyCommand:
			if c.From == build.Name && c.DestPath == binary && slices.Equal(c.SourcePaths, []string{"/out" + binary}) {
				copied = true
			}
		case *instructions.RunCommand:
			t.Errorf("final stage RUNs %v: distroless has no shell", c.CmdLine)
		}
	}
	if !copied {
		t.Errorf("final stage does not COPY --from=%s /out%s %s", build.Name, binary, binary)
	}
	if u, _, _ := strings.Cut(user, ":"); u != "nonroot" && u != "65532" {
		t.Errorf("final USER %q, want nonroot", user)
	}
	if entrypoint == nil || entrypoint.PrependShell || !slices.Equal(entrypoint.CmdLine, []string{binary}) {
		t.Errorf("ENTRYPOINT must be the exec form [%q]", binary)
	}
	for _, p := range []string{"8080", "8081", fmt.Sprint(opsPort)} {
		if !slices.Contains(ports, p) {
			t.Errorf("EXPOSE lacks %s (has %v)", p, ports)
		}
	}
}

func hasArg(s instructions.Stage, name string) bool {
	for _, c := range s.Commands {
		if a, ok := c.(*instructions.ArgCommand); ok {
			for _, kv := range a.Args {
				if kv.Key == name {
					return true
				}
			}
		}
	}
	return false
}

func lastWorkdir(s instructions.Stage) string {
	wd := ""
	for _, c := range s.Commands {
		if w, ok := c.(*instructions.WorkdirCommand); ok {
			wd = w.Path
		}
	}
	return wd
}

// TestDockerignore: the build context (the repository root) leaves out
// var/, bin/ and .git but keeps every module the binary is built from.
func TestDockerignore(t *testing.T) {
	root := repoRoot(t)
	f, err := os.Open(filepath.Join(root, ".dockerignore"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	patterns, err := ignorefile.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	pm, err := patternmatcher.New(patterns)
	if err != nil {
		t.Fatal(err)
	}
	ignored := func(p string) bool {
		ok, err := pm.MatchesOrParentMatches(p)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	for _, p := range []string{".git", ".git/HEAD", "var/nats/jetstream", "bin/ruche", "services/ruche/ruche.test"} {
		if !ignored(p) {
			t.Errorf(".dockerignore keeps %s in the build context", p)
		}
	}
	needed := []string{"services/ruche/go.mod", "services/ruche/main.go"}
	for _, dir := range replacedModules(t, filepath.Join(root, "services/ruche/go.mod")) {
		needed = append(needed, filepath.ToSlash(filepath.Join(dir, "go.mod")), filepath.ToSlash(filepath.Join(dir, "x.go")))
	}
	if len(needed) < 4 {
		t.Fatalf("services/ruche/go.mod has no replace lines to sibling modules: %v", needed)
	}
	for _, p := range needed {
		if ignored(p) {
			t.Errorf(".dockerignore leaves out %s, which the build needs", p)
		}
	}
}

var replaceLine = regexp.MustCompile(`^\s*(?:replace\s+)?\S+(?:\s+\S+)?\s+=>\s+(\.\.?/\S+)\s*$`)

// replacedModules returns the repository-relative directories that the
// go.mod at path replaces its siblings with.
func replacedModules(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	root := repoRoot(t)
	var dirs []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if m := replaceLine.FindStringSubmatch(sc.Text()); m != nil {
			abs := filepath.Join(filepath.Dir(path), m[1])
			rel, err := filepath.Rel(root, abs)
			if err != nil || strings.HasPrefix(rel, "..") {
				t.Errorf("%s: replace target %s is outside the repository", path, m[1])
				continue
			}
			dirs = append(dirs, rel)
		}
	}
	return dirs
}
