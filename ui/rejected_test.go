package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/model"
	"github.com/deskwatch/deskwatch/themes"
)

// rejectedFixture rejects messages of every origin kind, with reasons as the decoder words them
// and raw starts that are binary, hostile or empty.
func rejectedFixture(t testing.TB) *Common {
	t.Helper()
	c := detailTestCommon(t, themes.Dark, detailCall()[:3])
	s := c.Store
	for i, r := range []struct {
		o      model.Origin
		reason string
		raw    string
	}{
		{model.Origin{Source: "desk.jsonl", Line: 12}, "not JSON: invalid character 'x' looking for beginning of value", "xx not json"},
		{model.Origin{Source: "desk.jsonl", Line: 40}, "params[0].callParties: want array, got string",
			`{"type":"ON_NEW_INTERACTION","params":[{"interactionId":"c-9","callParties":"Ann"}]}`},
		{model.Origin{Source: "-", Line: 3}, "line longer than the 1 MiB limit", strings.Repeat("{\"a\":", 60)},
		{model.Origin{Source: "ws://hub.example.com:8080/stream", Conn: 2, Msg: 17}, "no type",
			"{\"params\":[],\"subject\":\"\x1b]52;c;aGk=\x07\x1b[2J\u009b31m\x07\x1b\"}"},
		{model.Origin{Source: "demo", Msg: 5}, "params is not an array", ""},
		{model.Origin{Source: "bad\x1b[2Jname.jsonl", Line: 1}, "not JSON: \x1b]0;pwned\x07", "\xff\xfe\x00binary"},
	} {
		s.Reject(r.o, r.reason, []byte(r.raw), detailBase.Add(time.Duration(200+i)*time.Second))
	}
	return c
}

func TestRejectedGolden(t *testing.T) {
	for _, tc := range []goldenCase{
		{"80x24", themes.Dark, 80, 24, nil, false},
		{"200x50", themes.Dark, 200, 50, nil, false},
		{"200x50_color", themes.Dark, 200, 50, nil, true},
		{"mono_80x24_color", themes.Mono, 80, 24, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := rejectedFixture(t)
			c.Styles = NewStyles(tc.theme)
			r := newRejected(c)
			r.SetSize(tc.w, tc.h)
			requireGolden(t, r.View(testFrame(r.c)), tc.w, tc.h, tc.color)
		})
	}
}

func TestRejectedShowsOriginReasonAndRaw(t *testing.T) {
	c := rejectedFixture(t)
	r := newRejected(c)
	r.SetSize(120, 30)
	out := plain(r.View(testFrame(r.c)))
	for _, want := range []string{
		"Rejected messages · 6 · esc to go back · enter: whole reasons · newest at the bottom", "1–6 of 6",
		"22:16:40.000  desk.jsonl:12  not JSON: invalid character 'x'", "│ xx not json",
		"desk.jsonl:40  params[0].callParties: want array, got string", `"callParties":"Ann"`,
		"stdin:3", "conn 2 msg 17  no type", "demo msg 5", "│ (empty)",
		"badname.jsonl:1", "│ ��binary",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("rejected log lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "52;c") || strings.Contains(out, "pwned") {
		t.Errorf("an escape sequence's payload reached the screen:\n%s", out)
	}
}

func TestRejectedNeverPassesControlsAndFits(t *testing.T) {
	c := rejectedFixture(t)
	for _, size := range [][2]int{{1, 1}, {10, 2}, {20, 5}, {40, 10}, {80, 24}, {133, 41}, {300, 80}} {
		r := newRejected(c)
		r.SetSize(size[0], size[1])
		for _, keys := range [][]string{nil, {"g"}, {"j"}, {"G"}} {
			detailPress(r, r.c, keys...)
			checkFrame(t, r.View(testFrame(r.c)), size[0], size[1])
		}
	}
	narrow := newRejected(c)
	narrow.SetSize(60, 20)
	if out := plain(narrow.View(testFrame(narrow.c))); !strings.Contains(out, "conn 2 msg 17  no type") {
		t.Errorf("a connection's origin should be its numbers, then the reason:\n%s", out)
	}
	empty := newRejected(detailTestCommon(t, themes.Dark, nil))
	empty.SetSize(80, 6)
	out := empty.View(testFrame(empty.c))
	checkFrame(t, out, 80, 6)
	if !strings.Contains(out, "no rejected messages") {
		t.Errorf("an empty log should say so:\n%s", out)
	}
}

// TestRejectedKeepsTheNewestInViewAndCountsAll rejects more than the store keeps: the title counts
// them all, the log opens on the newest and follows new ones, and the keys stay within bounds.
func TestRejectedKeepsTheNewestInViewAndCountsAll(t *testing.T) {
	c := detailTestCommon(t, themes.Dark, nil)
	for i := 1; i <= 1005; i++ {
		c.Store.Reject(model.Origin{Source: "big.jsonl", Line: int64(i)}, "not JSON", []byte("x"), detailNow)
	}
	r := newRejected(c)
	r.SetSize(100, 21) // a title and 10 entries
	view := func() string { return plain(r.View(testFrame(r.c))) }
	out := view()
	if !strings.Contains(out, "showing last 1000 of 1005") || !strings.Contains(out, "991–1000 of 1000") {
		t.Errorf("title should count all rejections and show the newest:\n%s", out)
	}
	if !strings.Contains(out, "big.jsonl:1005") || strings.Contains(out, "big.jsonl:995 ") {
		t.Errorf("the log should open on the newest entries:\n%s", out)
	}
	c.Store.Reject(model.Origin{Source: "big.jsonl", Line: 1006}, "not JSON", []byte("x"), detailNow)
	if out := view(); !strings.Contains(out, "big.jsonl:1006") {
		t.Errorf("the log should follow a new rejection:\n%s", out)
	}
	for _, step := range []struct {
		keys []string
		want int
	}{
		{[]string{"G", "j"}, 990},
		{[]string{"k"}, 989},
		{[]string{"g", "k"}, 0},
		{[]string{"pgdown"}, 10},
		{[]string{"wheeldown"}, 13},
		{[]string{"G", "pgdown", "wheeldown"}, 990},
	} {
		detailPress(r, r.c, step.keys...)
		view()
		if r.scroll.offset != step.want {
			t.Errorf("after %v the first entry shown is %d, want %d", step.keys, r.scroll.offset, step.want)
		}
	}
	detailPress(r, r.c, "g")
	c.Store.Reject(model.Origin{Source: "big.jsonl", Line: 1007}, "not JSON", []byte("x"), detailNow)
	if out := view(); !strings.Contains(out, fmt.Sprintf("big.jsonl:%d ", 1007-999)) {
		t.Errorf("a reader at the top should stay on the oldest kept entry:\n%s", out)
	}
}

// TestRejectedUnterminatedOSCKeepsTheRest: a key that opens an OSC and never closes it must not
// swallow the rest of the reason, nor reach the next piece of the line or the next line.
func TestRejectedUnterminatedOSCKeepsTheRest(t *testing.T) {
	t.Parallel()
	c := detailTestCommon(t, themes.Dark, nil)
	c.Store.Reject(model.Origin{Source: "x\x1b]0;src", Line: 7},
		"params[0].attachedData.k\x1b]0;evil: want string, got number", []byte("{\"k\x1b]0;evil\":5} raw end"),
		detailNow)
	r := newRejected(c)
	r.SetSize(160, 10)
	out := r.View(testFrame(r.c))
	checkFrame(t, out, 160, 10)
	out = plain(out)
	for _, want := range []string{"x␛]0;src:7", "attachedData.k␛]0;evil: want string, got number", "5} raw end"} {
		if !strings.Contains(out, want) {
			t.Errorf("rejected log lacks %q:\n%s", want, out)
		}
	}
}

// The rejected log names where a rejection came from without the source's full name (the status
// line has it), so that the reason gets the room: a file's base name and line, a connection's
// numbers.
func TestShortOrigin(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		o    model.Origin
		want string
	}{
		{model.Origin{Source: "/tmp/h2/feed/testdata/replay_mixed.jsonl", Line: 5}, "replay_mixed.jsonl:5"},
		{model.Origin{Source: "-", Line: 7}, "stdin:7"},
		{model.Origin{Source: "wss://hub.example.com:8080/stream", Conn: 2, Msg: 17}, "conn 2 msg 17"},
		{model.Origin{Source: "demo", Msg: 5}, "demo msg 5"},
	} {
		if got := shortOrigin(tc.o); got != tc.want {
			t.Errorf("shortOrigin(%+v) = %q, want %q", tc.o, got, tc.want)
		}
	}
}

// TestRejectedWrapsWholeReasons: enter wraps the entries, so that a reason longer than the width (the
// memory bound's, a decoder's path) shows whole, the message's start over a few lines; the log then
// scrolls by lines, follows the newest, keeps the entry at the top when toggled, and fits at every
// size; enter again gives one line each.
func TestRejectedWrapsWholeReasons(t *testing.T) {
	c := rejectedFixture(t)
	long := `agent's memory share reached (--max-memory 1.0 GiB): agent "a7" holds 12.1 MiB, its share is 12.0 MiB ` +
		`(three quarters of the bound among 64 agents); its new interactions and changes are refused until some of them end`
	c.Store.Reject(model.Origin{Source: "ws://hub.example.com:8080/stream", Conn: 1, Msg: 9}, long,
		[]byte(`{"type":"ON_NEW_INTERACTION","agentId":"a7","params":[{"interactionId":"x1","subject":"`+strings.Repeat("s", 300)+`"}]}`),
		detailBase.Add(300*time.Second))
	r := newRejected(c)
	r.SetSize(80, 24)
	view := func() string { return plain(r.View(testFrame(r.c))) }
	if out := view(); strings.Contains(out, "until some of them end") {
		t.Fatalf("unwrapped, the long reason should be cut:\n%s", out)
	}
	detailPress(r, r.c, "enter")
	out := view()
	requireGolden(t, r.View(testFrame(r.c)), 80, 24, false)
	joined := strings.Join(strings.Fields(out), " ")
	if !strings.Contains(joined, "its new interactions and changes are refused until some of them end") {
		t.Errorf("wrapped, the whole reason should show:\n%s", out)
	}
	if !strings.Contains(out, "7 of 7") {
		t.Errorf("wrapped, the log should still follow the newest:\n%s", out)
	}
	r.SetSize(80, 8) // three entries a page unwrapped
	detailPress(r, r.c, "g")
	view()
	detailPress(r, r.c, "j", "j", "j")
	view()
	if r.scroll.offset != 3 {
		t.Errorf("wrapped, j moves a line: offset %d, want 3", r.scroll.offset)
	}
	detailPress(r, r.c, "j", "j", "j") // the top line is in entry 2 (its reason wraps at 80)
	view()
	top := r.top
	for _, w := range []int{60, 200, 80} { // a new width keeps that line of that entry on top
		r.SetSize(w, 8)
		view()
		if r.top != top {
			t.Errorf("at %d columns entry %d line %d is on top, want entry %d line %d", w, r.top.entry, r.top.line,
				top.entry, top.line)
		}
	}
	detailPress(r, r.c, "enter")
	view()
	if r.wrap || r.scroll.offset != top.entry {
		t.Errorf("unwrapped again at the entry shown at the top: wrap %v, offset %d, want entry 1", r.wrap, r.scroll.offset)
	}
	for _, size := range [][2]int{{1, 1}, {20, 5}, {60, 20}, {120, 30}, {200, 50}} {
		w := newRejected(c)
		w.SetSize(size[0], size[1])
		for _, keys := range [][]string{{"enter"}, {"g"}, {"j"}, {"G"}, {"pgup"}} {
			detailPress(w, w.c, keys...)
			checkFrame(t, w.View(testFrame(w.c)), size[0], size[1])
		}
	}
}
