package sshserve

import (
	"os"
	"testing"

	"github.com/deskwatch/deskwatch/internal/e2e"
)

// TestMain keeps the tests, and the ssh and tmux processes they start, out of the real home.
func TestMain(m *testing.M) { os.Exit(e2e.Main(m)) }
