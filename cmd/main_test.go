package cmd_test

import (
	"flag"
	"os"
	"runtime"
	"strconv"
	"testing"

	"github.com/deskwatch/deskwatch/internal/e2e"
)

// TestMain gives every test, and every deskwatch, ssh or tmux process the tests start, a home and
// XDG directories of their own: no test reads the real ~/.config/deskwatch or writes the real
// ~/.local/state, and the built binary is removed afterwards.
//
// The tests spend most of their time waiting on the processes they start and on the network, not
// on the CPU, so unless -parallel says otherwise more of them run at once than there are CPUs.
func TestMain(m *testing.M) {
	flag.Parse()
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.parallel" })
	if !set {
		_ = flag.Set("test.parallel", strconv.Itoa(4*runtime.GOMAXPROCS(0)))
	}
	os.Exit(e2e.Main(m))
}

// terminals limits the tests that drive a terminal (tmux, ssh) running at once: a person's typing
// is timed (an Escape and the key after it must arrive apart), which a crowded machine blurs.
var terminals = make(chan struct{}, 2)

// parallelTerminal marks a terminal test parallel and waits for one of the terminal slots.
func parallelTerminal(t *testing.T) {
	t.Parallel()
	terminals <- struct{}{}
	t.Cleanup(func() { <-terminals })
}
