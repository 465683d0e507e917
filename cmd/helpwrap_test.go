package cmd_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
)

// TestHelpFitsTheTerminal: at 60 and 80 columns every line of deskwatch's and its commands' help
// fits, the descriptions wrapped beside the key column rather than broken by the terminal.
func TestHelpFitsTheTerminal(t *testing.T) {
	t.Parallel()
	for _, width := range []int{60, 80} {
		for _, args := range [][]string{{"--help"}, {"hub", "--help"}, {"serve", "-h"}, {"help", "simulate"}} {
			out, errOut, code, _ := runBin(t, []string{"__FANG_TEST_WIDTH=" + strconv.Itoa(width), "NO_COLOR=1"}, 20*time.Second, args...)
			if code != 0 {
				t.Fatalf("%v: exit %d\n%s", args, code, errOut)
			}
			for _, l := range strings.Split(out, "\n") {
				l = strings.TrimRight(l, " ") // fang pads its long text a cell past the width
				if w := ansi.StringWidth(l); w > width && !strings.HasPrefix(strings.TrimSpace(l), "deskwatch") {
					t.Errorf("%v at %d columns: a line of %d cells: %q", args, width, w, l)
				}
			}
		}
	}
}
