package testkit

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// RunWithBinary builds the Go main package in pkgDir into a temporary
// directory, stores its path in *bin, runs the tests and returns their exit
// code; end-to-end tests call it from TestMain to drive the real binary:
//
//	func TestMain(m *testing.M) { os.Exit(testkit.RunWithBinary(m, ".", &binary)) }
func RunWithBinary(m *testing.M, pkgDir string, bin *string) int {
	dir, err := os.MkdirTemp("", "ruche-test-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, "testkit:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	*bin = filepath.Join(dir, filepath.Base(mustAbs(pkgDir)))
	build := exec.Command("go", "build", "-o", *bin, pkgDir)
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "testkit: build %s: %v\n", pkgDir, err)
		return 1
	}
	return m.Run()
}

func mustAbs(p string) string {
	abs, err := filepath.Abs(p)
	if err != nil {
		return p
	}
	return abs
}
