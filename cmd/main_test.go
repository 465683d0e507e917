package cmd_test

import (
	"os"
	"testing"

	"github.com/deskwatch/deskwatch/internal/e2e"
)

// TestMain gives every test, and every deskwatch, ssh or tmux process the tests start, a home and
// XDG directories of their own: no test reads the real ~/.config/deskwatch or writes the real
// ~/.local/state, and the built binary is removed afterwards.
func TestMain(m *testing.M) { os.Exit(e2e.Main(m)) }
