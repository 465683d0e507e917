package ui

import (
	"strings"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/deskwatch/deskwatch/model"
)

// While the source is down nothing it shows is being received: the frame's source clock stops when
// it went down (durations freeze, no time-based alert fires), the header and the table are drawn in
// the theme's Stale style, and a banner above the body says since when.

// bannerHeight is the lines the source-down banner takes: one while the source is down.
func (m *Model) bannerHeight() int {
	if m.down.IsZero() {
		return 0
	}
	return 1
}

// checkDown notes whether the source is down, and lays the panes out again when that changed
// (the banner takes a line from the body).
func (m *Model) checkDown() {
	d := m.c.downSince()
	changed := d.IsZero() != m.down.IsZero()
	m.down = d
	if changed {
		m.resize(m.c.Width, m.c.Height)
	}
}

// downSince is when the source went down (feed.Status.DownSince); zero while it is up.
func (c *Common) downSince() time.Time {
	if c.Status == nil {
		return time.Time{}
	}
	return c.Status().DownSince
}

// frozen is the source's clock now stopped at down, when the source went down before it.
func frozen(now, down time.Time) time.Time {
	if !down.IsZero() && now.After(down) {
		return down
	}
	return now
}

// banner is the source-down line: since when on the wall clock, for how long, and what the source
// is doing about it and why (the status line, whose width the rest shares, may cut that).
func (m *Model) banner(f *frame) string {
	st := m.c.Styles
	doing := "reconnecting"
	if m.c.Status != nil {
		if d := m.c.Status().Detail; d != "" {
			doing = d // "retrying in 2s: connection refused"
		}
	}
	text := "source down since " + sinceClock(f.down, f.wall) + " (" +
		f.wall.Sub(f.down).Round(time.Second).String() + ") — " + doing
	return st.Alert.Render(fit(clean(text, m.c.Width), m.c.Width))
}

// dimLines redraws text (lines drawn in other styles) in style s, line by line.
func dimLines(text string, s lipgloss.Style) string {
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		lines[i] = s.Render(ansi.Strip(l))
	}
	return strings.Join(lines, "\n")
}

// desktopText says how an agent's desktop is connected, as the hub said: "" when nothing was said
// (a stream straight from one desktop), else "connected", "disconnected since 10:42:13" or "gone".
func desktopText(a *model.Agent, wall time.Time) string {
	switch a.Desktop {
	case model.DesktopDisconnected:
		return "disconnected since " + sinceClock(a.DesktopSince, wall)
	case "":
		return ""
	}
	return string(a.Desktop)
}
