package cmd_test

import (
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/deskwatch/deskwatch/internal/e2e"
)

// TestMemprofileShowsTheStore: --memprofile is written while the store is alive, so the in-use heap
// it shows is what the monitor held (tens of megabytes for 100,000 events), not the few megabytes
// left after the store was freed. The store is looked for among the first 40 nodes by cumulative
// in-use space: a heap profile is sampled, so which functions lead by their own allocations varies
// from run to run (the top 8 by flat space missed the store about one run in six).
func TestMemprofileShowsTheStore(t *testing.T) {
	t.Parallel()
	events, prof := simulated(t, "--events", "100000"), filepath.Join(t.TempDir(), "heap.pprof")
	if _, errOut, code := e2e.Run(t, nil, "--print", "--memprofile", prof, events); code != 0 {
		t.Fatalf("--print: exit %d: %s", code, errOut)
	}
	out, err := exec.Command("go", "tool", "pprof", "-sample_index=inuse_space", "-top", "-cum", "-nodecount=40", prof).CombinedOutput()
	if err != nil {
		t.Fatalf("go tool pprof: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`of ([0-9.]+)([kMG]?B) total`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("no total in pprof's output:\n%s", out)
	}
	total, _ := strconv.ParseFloat(string(m[1]), 64)
	total *= map[string]float64{"B": 1, "kB": 1 << 10, "MB": 1 << 20, "GB": 1 << 30}[string(m[2])]
	t.Logf("in-use heap at exit: %.1f MB", total/(1<<20))
	if total < 8<<20 {
		t.Errorf("in-use heap %.1f MB: the profile was written after the store was freed\n%s", total/(1<<20), out)
	}
	if !strings.Contains(string(out), "inuse_space") || !strings.Contains(string(out), "model.(*Store)") {
		t.Errorf("not an in-use heap profile led by the store:\n%s", out)
	}
}
