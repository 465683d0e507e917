package e2e

import tea "charm.land/bubbletea/v2"

// Explode is the bug on cue of the crash tests' models, called first in their Update: the key x
// panics with "update exploded"; the key c gives a command that panics with "command exploded" (and
// true, for Update to return it); anything else gives nil and false.
func Explode(msg tea.Msg) (tea.Cmd, bool) {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil, false
	}
	switch k.String() {
	case "x":
		panic("update exploded")
	case "c":
		return func() tea.Msg { panic("command exploded") }, true
	}
	return nil, false
}
