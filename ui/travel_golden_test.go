package ui

import (
	"fmt"
	"testing"
)

// The screens of a traveled replay (the status line's "event n of N" and time, the strip of what
// the event changed) and of a frozen live view (the events behind), at 80×24 and 200×50.
func TestTravelGolden(t *testing.T) {
	t.Parallel()
	for _, size := range [][2]int{{80, 24}, {200, 50}} {
		w, h := size[0], size[1]
		for _, tc := range []struct {
			name   string
			replay bool
			keys   []string
			more   int // events the live feed applies after the keys
		}{
			{"replay_back_1m", true, []string{"("}, 0},
			{"replay_goto_detail", true, append(gotoKeys("#6"), "enter"), 0},
			{"live_frozen", false, []string{"space"}, 5},
			{"live_frozen_back", false, []string{"space", ",", ","}, 5},
		} {
			t.Run(fmt.Sprintf("%s_%dx%d", tc.name, w, h), func(t *testing.T) {
				t.Parallel()
				n := 11
				if !tc.replay {
					n = 6
				}
				m, hist, _ := travelModel(t, w, h, n, tc.replay)
				travelPress(m, tc.keys...)
				if tc.more > 0 {
					hist.feedTo(m.c.Store, deskHistory(t)[n:n+tc.more]...)
					m.Update(ChangedMsg())
				}
				requireGolden(t, m.Render(), w, h, false)
			})
		}
	}
}
