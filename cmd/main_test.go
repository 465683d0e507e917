package cmd_test

import (
	"fmt"
	"os"
	"testing"
)

// TestMain gives every test, and every deskwatch, ssh or tmux process the tests start,
// configuration and state directories of their own: no test reads the real ~/.config/deskwatch or
// writes the real ~/.local/state. (HOME stays: the go command finds its caches through it.)
func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	home, err := os.MkdirTemp("", "deskwatch-cmd-test-xdg-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	defer os.RemoveAll(home)
	for k, v := range map[string]string{"XDG_CONFIG_HOME": home + "/config", "XDG_STATE_HOME": home + "/state"} {
		os.Setenv(k, v)
	}
	return m.Run()
}
