package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/deskwatch/deskwatch/feed"
	"github.com/deskwatch/deskwatch/model"
	"github.com/deskwatch/deskwatch/themes"
	"github.com/deskwatch/deskwatch/travel"
)

// wsURL is long enough to be cut by a fixed width, as real bridge URLs are.
const wsURL = "wss://bridge.contact-centre.example.com:8443/desk/stream?tenant=north-east"

// statusLine renders the status line alone for a source status at a width, over a store that has
// lost events (at base+90s) and a rejection.
func statusLine(t *testing.T, src feed.Status, w int, note string) string {
	t.Helper()
	now := base.Add(clockAt)
	store := model.NewStore(model.WithWallClock(func() time.Time { return now }))
	for i, l := range []string{
		`{"type":"ON_LOGIN","agentId":"a.jones","seq":1,"params":[{"isLoggedIn":true}]}`,
		`{"type":"ON_LOGOUT","agentId":"a.jones","seq":13,"params":[]}`,
	} {
		ev, err := model.Decode([]byte(l))
		if err != nil {
			t.Fatal(err)
		}
		store.Apply(ev, base.Add(time.Duration(89+i)*time.Second))
	}
	store.Reject(model.Origin{Source: wsURL, Conn: 3, Msg: 7}, "binary frame", nil, now)
	c := testCommon(themes.Dark, store, func() time.Time { return now })
	c.Status, c.Width = func() feed.Status { return src }, w
	s := newStatus(c)
	s.SetSize(w, 1)
	s.SetNote(note, now.Add(noteFor))
	out := s.View(testFrame(c))
	if got := ansi.StringWidth(out); got > w {
		t.Errorf("status line is %d cells, more than %d", got, w)
	}
	return plain(out)
}

func TestStatusLineGolden(t *testing.T) {
	since := base.Add(clockAt - 5*time.Minute)
	connected := feed.Status{Name: wsURL, State: feed.StateConnected, Since: since, Messages: 18432, Bytes: 21_734_112}
	lost := feed.Status{Name: wsURL, State: feed.StateLost, Since: base.Add(clockAt - 3*time.Second),
		Detail:   "retrying in 4s: unauthorized (HTTP 401 Unauthorized; check --token-file, --token-env or --header): token expired",
		Messages: 18432, Bytes: 21_734_112}
	connecting := feed.Status{Name: wsURL, State: feed.StateConnecting,
		Detail: "last attempt: connection refused (is the server running and listening on that port?)"}
	for _, tc := range []struct {
		name string
		src  feed.Status
		w    int
	}{
		{"connected_200", connected, 200},
		{"connected_80", connected, 80},
		{"lost_200", lost, 200},
		{"lost_120", lost, 120},
		{"lost_80", lost, 80},
		{"connecting_200", connecting, 200},
		{"connecting_60", connecting, 60},
	} {
		t.Run(tc.name, func(t *testing.T) {
			golden.RequireEqual(t, statusLine(t, tc.src, tc.w, ""))
		})
	}
}

// TestStatusLineGivesTheReasonItsRoom: on a wide terminal nothing is cut; the URL and reason are cut
// only when the line has no room for them, the reason first.
func TestStatusLineGivesTheReasonItsRoom(t *testing.T) {
	lost := feed.Status{Name: wsURL, State: feed.StateLost, Messages: 10, Bytes: 4096,
		Detail: "retrying in 4s: unauthorized (HTTP 401 Unauthorized; check --token-file, --token-env or --header)"}
	wide := statusLine(t, lost, 250, "")
	for _, want := range []string{wsURL, lost.Detail, "10 msgs 4.1 kB", "⚠ 11 events lost from a.jones", "1 rejected"} {
		if !strings.Contains(wide, want) {
			t.Errorf("250 columns: %q lacks %q", wide, want)
		}
	}
	mid := statusLine(t, lost, 200, "")
	if !strings.Contains(mid, lost.Detail) || strings.Contains(mid, wsURL) || !strings.Contains(mid, wsURL[:20]) {
		t.Errorf("200 columns should keep the reason and cut the URL: %q", mid)
	}
	narrow := statusLine(t, lost, 80, "")
	if !strings.Contains(narrow, "lost retrying in 4s: unauth") || strings.Contains(narrow, "events lost") {
		t.Errorf("80 columns should keep the state and the start of the reason, before the lost note: %q", narrow)
	}
	connected := feed.Status{Name: wsURL, State: feed.StateConnected, Since: base.Add(clockAt - time.Hour),
		Messages: 1, Bytes: 999}
	if got := statusLine(t, connected, 200, ""); !strings.Contains(got, "connected since 21:14:55 1 msgs 999 B") {
		t.Errorf("connected: %q", got)
	}
	yesterday := connected
	yesterday.Since = base.Add(-24 * time.Hour)
	if got := statusLine(t, yesterday, 200, ""); !strings.Contains(got, "since Nov 13 22:13:20") {
		t.Errorf("connected since yesterday: %q", got)
	}
}

// TestStatusLineLostNoteFades: the latest lost-events report shows for ten seconds of the source's
// clock, then goes.
func TestStatusLineLostNoteFades(t *testing.T) {
	src := feed.Status{Name: "demo", State: feed.StateLive, Messages: 5}
	if got := statusLine(t, src, 120, ""); !strings.Contains(got, "⚠ 11 events lost from a.jones") {
		t.Errorf("fresh loss not shown: %q", got)
	}
	m, store := newTestModel(t, themes.Dark, 120, 20, deskEvents())
	ev, _ := model.Decode([]byte(`{"type":"ON_LOGOUT","agentId":"z","seq":3,"params":[]}`))
	store.Apply(ev, base)
	ev, _ = model.Decode([]byte(`{"type":"ON_LOGIN","agentId":"z","seq":9,"params":[{"isLoggedIn":true}]}`))
	store.Apply(ev, base.Add(clockAt-11*time.Second))
	m.Update(changedMsg{})
	if out := plain(m.Render()); strings.Contains(out, "events lost") {
		t.Errorf("a loss 11s old is still on the status line:\n%s", out)
	}
	ev, _ = model.Decode([]byte(`{"type":"ON_LOGOUT","agentId":"z","seq":12,"params":[]}`))
	store.Apply(ev, base.Add(clockAt-2*time.Second))
	m.Update(changedMsg{})
	m.Update(tickMsg{}) // the status line catches up at the next tick (rows on screen did not change)
	if out := plain(m.Render()); !strings.Contains(out, "⚠ 2 events lost from z") {
		t.Errorf("a loss 2s old is not on the status line:\n%s", out)
	}
}

func TestByteCount(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 999: "999 B", 1000: "1.0 kB", 21_734_112: "21.7 MB",
		3_500_000_000: "3.5 GB"} {
		if got := byteCount(n); got != want {
			t.Errorf("byteCount(%d) = %q, want %q", n, got, want)
		}
	}
}

// TestStatusLineCountsRepairedMessages checks that a message accepted with a warning (repaired
// UTF-8, say) is counted on the status line beside the rejections, so r's log is not a surprise.
func TestStatusLineCountsRepairedMessages(t *testing.T) {
	now := base.Add(clockAt)
	store := model.NewStore(model.WithWallClock(func() time.Time { return now }))
	store.Warn(model.Origin{Source: "f.jsonl", Line: 3}, "invalid UTF-8 replaced with U+FFFD in subject", nil, now)
	c := testCommon(themes.Dark, store, func() time.Time { return now })
	c.Status, c.Width = func() feed.Status { return feed.Status{Name: "f.jsonl"} }, 120
	s := newStatus(c)
	s.SetSize(120, 1)
	if out := plain(s.View(testFrame(c))); !strings.Contains(out, "1 repaired (r)") {
		t.Errorf("status line lacks the repaired count: %q", out)
	}
}

// The status line says the filter once: the note that it was applied, then (once the note has
// gone) the filter in force.
func TestStatusLineSaysTheFilterOnce(t *testing.T) {
	t.Parallel()
	m, now := newDeskModel(t, themes.Mono, 120, 10)
	press(m, "/", "k", "i", "m", "enter")
	last := func() string { lines := strings.Split(plain(m.Render()), "\n"); return lines[len(lines)-1] }
	if l := last(); strings.Count(l, "kim") != 1 {
		t.Errorf("the filter is said %d times: %s", strings.Count(l, "kim"), l)
	}
	*now = now.Add(2 * noteFor)
	m.Update(tickMsg(*now))
	if l := last(); strings.Count(l, "/kim") != 1 {
		t.Errorf("after the note the filter in force is not shown once: %s", l)
	}
}

// An export's note names its file whole at 80 columns beside a short source and the rejections:
// "? help" gives way to it while it lasts.
func TestExportNoteKeepsTheFileName(t *testing.T) {
	t.Parallel()
	src := feed.Status{Name: "demo", State: feed.StateLive, Messages: 144, Bytes: 80_000}
	for _, w := range []int{80, 100} {
		note := "exported deskwatch-agents-20261207-113616.csv"
		if out := statusLine(t, src, w, note); !strings.Contains(out, note) {
			t.Errorf("%d columns: %q, want the whole note", w, out)
		}
	}
	if out := statusLine(t, src, 120, "exported x.csv"); !strings.Contains(out, "? help") {
		t.Errorf("a short note at 120 columns took the help's place: %q", out)
	}
}

// Travelling, a note leaves the position whole: "event 3,000 of 3,000", never "of 3,00…".
func TestNoteLeavesTheTravelPositionWhole(t *testing.T) {
	t.Parallel()
	now := base.Add(clockAt)
	c := testCommon(themes.Dark, model.NewStore(), func() time.Time { return now })
	c.Status, c.Width = func() feed.Status { return feed.Status{Name: "day.jsonl", State: feed.StateDone} }, 80
	s := newStatus(c)
	s.SetSize(80, 1)
	s.SetNote("at the last event the history holds", now.Add(noteFor))
	f := testFrame(c)
	f.travel = &travelInfo{moved: true, pos: travel.Position{N: 3000, At: now}, last: travel.Position{N: 3000, At: now},
		indexing: -1}
	if out := plain(s.View(f)); !strings.Contains(out, "event 3,000 of 3,000") {
		t.Errorf("the position is cut: %q", out)
	}
}
