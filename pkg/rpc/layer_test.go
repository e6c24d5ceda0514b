package rpc_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// natsRequests are nats.Conn's request/reply calls and their arity: a call
// of one of them with that many arguments is a request made by hand
// (echo's c.Request() has none).
var natsRequests = map[string]int{"Request": 3, "RequestWithContext": 3, "RequestMsg": 2, "RequestMsgWithContext": 2, "OldRequest": 3}

// TestOneRequestReplyLayer reads the production code of every module: only
// this package makes NATS requests or registers micro services; every other
// caller (the gateway, the CLI, the services) goes through rpc.Ask, and
// every server through rpc.Handle. Test kits (packages named *test or
// testkit) may send raw requests, to test what a server does with them.
func TestOneRequestReplyLayer(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	files := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() {
			switch d.Name() {
			case ".git", "node_modules", "vendor", "testdata", "var":
				return filepath.SkipDir
			}
			if rel == filepath.Join("pkg", "rpc") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		files++
		if strings.HasSuffix(f.Name.Name, "test") || f.Name.Name == "testkit" {
			return nil
		}
		for _, imp := range f.Imports {
			if p, _ := strconv.Unquote(imp.Path.Value); p == "github.com/nats-io/nats.go/micro" {
				t.Errorf("%s imports nats.go/micro: serve with rpc.Handle, ask with rpc.Ask", rel)
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			if sel, ok := call.Fun.(*ast.SelectorExpr); ok {
				if arity, ok := natsRequests[sel.Sel.Name]; ok && len(call.Args) == arity {
					t.Errorf("%s: %s makes a request by hand: use rpc.Ask with an endpoint of events/query/v1", fset.Position(call.Pos()), sel.Sel.Name)
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 300 { // the walk found the repository, not a corner of it
		t.Fatalf("read %d Go files under %s", files, root)
	}
}
