package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Main runs a package's tests with a home of their own: HOME, XDG_CONFIG_HOME, XDG_STATE_HOME,
// XDG_CACHE_HOME and XDG_DATA_HOME point into a temporary directory, so no test, and no deskwatch,
// ssh or tmux process a test starts, reads or writes the real home. The go command's caches are
// pinned first (they are found through HOME), so building the binary still reuses them. The
// temporary home and the built binary are removed when the tests end. Use it as
//
//	func TestMain(m *testing.M) { os.Exit(e2e.Main(m)) }
func Main(m *testing.M) int {
	home, err := os.MkdirTemp("", "deskwatch-test-home-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	defer os.RemoveAll(home)
	if err := pinGoCaches(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	for k, v := range map[string]string{"HOME": home, "XDG_CONFIG_HOME": filepath.Join(home, "config"),
		"XDG_STATE_HOME": filepath.Join(home, "state"), "XDG_CACHE_HOME": filepath.Join(home, "cache"),
		"XDG_DATA_HOME": filepath.Join(home, "data")} {
		os.Setenv(k, v)
	}
	defer removeBinary()
	return m.Run()
}

// pinGoCaches sets GOCACHE, GOMODCACHE and GOPATH to what the go command uses now, before HOME
// changes under it.
func pinGoCaches() error {
	out, err := exec.Command("go", "env", "GOCACHE", "GOMODCACHE", "GOPATH").Output()
	if err != nil {
		return fmt.Errorf("go env: %w", err)
	}
	vals := strings.Split(strings.TrimSpace(string(out)), "\n")
	for i, k := range []string{"GOCACHE", "GOMODCACHE", "GOPATH"} {
		if i < len(vals) && os.Getenv(k) == "" {
			os.Setenv(k, vals[i])
		}
	}
	return nil
}

// removeBinary deletes the directory Binary built into, if it did.
func removeBinary() {
	if binPath != "" {
		os.RemoveAll(filepath.Dir(binPath))
	}
}
