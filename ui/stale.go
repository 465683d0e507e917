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

// bannerMaxLines is the most lines the source-down banner wraps over; a longer reason is cut.
const bannerMaxLines = 3

// bannerHeight is the lines the source-down banner takes: none while the source is up, else as
// many as its text wraps over at the width (up to bannerMaxLines).
func (m *Model) bannerHeight() int { return m.bannerLines }

// checkDown notes whether the source is down, and lays the panes out again when the banner's
// height changed (it takes lines from the body). While the source stays down the banner only
// grows, so that the body does not jump up and down as the countdown's digits come and go; a
// resize measures it afresh (sizeBanner).
func (m *Model) checkDown() {
	m.down = m.c.downSince()
	if n := max(m.bannerLines, m.bannerNeed()); n != m.bannerLines || m.down.IsZero() && n > 0 {
		m.resize(m.c.Width, m.c.Height) // sizeBanner sets bannerLines to what it needs now
	}
}

// sizeBanner measures the banner at the width about to be laid out.
func (m *Model) sizeBanner() { m.bannerLines = m.bannerNeed() }

// bannerNeed is the lines the banner's text takes at the width now (none while the source is up).
func (m *Model) bannerNeed() int {
	if m.down.IsZero() {
		return 0
	}
	_, wall := m.c.clocks()
	return min(len(m.bannerText(m.down, wall)), bannerMaxLines)
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

// banner is the source-down lines: since when on the wall clock, for how long, and what the
// source is doing about it and why (the status line, whose width the rest shares, cuts that),
// wrapped over the banner's height.
func (m *Model) banner(f *frame) string {
	lines := m.bannerText(f.down, f.wall)
	out := make([]string, m.bannerHeight())
	for i := range out {
		if i < len(lines) {
			out[i] = lines[i]
		}
		if i == len(out)-1 && len(lines) > len(out) { // a reason past the lines the banner has
			out[i] += " " + strings.Join(lines[len(out):], " ")
		}
		out[i] = m.c.Styles.Alert.Render(fit(out[i], m.c.Width))
	}
	return strings.Join(out, "\n")
}

// bannerText is the banner's text wrapped to the width, sanitized (the reason may quote a server).
func (m *Model) bannerText(down, wall time.Time) []string {
	doing := "reconnecting"
	if m.c.Status != nil {
		if d := m.c.Status().Detail; d != "" {
			doing = d // "retrying in 2s: connection refused"
		}
	}
	text := "source down since " + sinceClock(down, wall) + " (" +
		wall.Sub(down).Round(time.Second).String() + ") — " + model.Sanitize(doing)
	if m.c.Retry != nil {
		text += " · " + keyName(m.c.Keys.Retry) + ": now"
	}
	return wrapLines(text, max(m.c.Width, 1))
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
