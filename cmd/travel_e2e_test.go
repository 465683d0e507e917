package cmd_test

import (
	"fmt"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/internal/e2e"
)

// Of a table's line (the monitor's screen or --print's text), the parts both show alike: the
// interaction's id, its agent, its state (cut as a narrow column may cut it) and its duration.
var (
	momentID       = regexp.MustCompile(`\b(?:call|chat|mail)-\d+\b`)
	momentAgent    = regexp.MustCompile(`\b[a-z]\.[a-z]+\b`)
	momentState    = regexp.MustCompile(`\b(?:queued|ivr|deliver\w*|hold|wrap_up\w*|completed|unknown)`)
	momentDuration = regexp.MustCompile(`\b\d+:\d\d(?::\d\d)?\b`)
)

// momentRows are the interactions' rows of a table, in order, as "id agent state duration". The
// travel strip ("▸ #79 … mail-10141: ended") is not a row.
func momentRows(text string) []string {
	var rows []string
	for _, line := range strings.Split(text, "\n") {
		id := momentID.FindString(line)
		if id == "" || strings.HasPrefix(strings.TrimSpace(line), "▸") {
			continue
		}
		state := []rune(momentState.FindString(line))
		rows = append(rows, strings.Join([]string{id, momentAgent.FindString(line), string(state[:min(len(state), 9)]),
			momentDuration.FindString(line)}, " "))
	}
	return rows
}

// simulatedDay writes the simulator's 400 events of seed 3 to a file and returns its path.
func simulatedDay(t *testing.T) string {
	t.Helper()
	return simulated(t, "--events", "400", "--seed", "3")
}

// sameMoment fails the test unless the screen's table shows the rows --print FILE --at #n prints.
func sameMoment(t *testing.T, screen, file string, n int) {
	t.Helper()
	out := printAt(t, file, "#"+strconv.Itoa(n))
	want, got := momentRows(out), momentRows(screen)
	if len(want) == 0 || !reflect.DeepEqual(got, want) {
		t.Errorf("the screen at event %d:\n%s\nshows\n%s\nwant what --print --at #%d prints:\n%s\n%s", n, screen,
			strings.Join(got, "\n"), n, strings.Join(want, "\n"), out)
	}
}

// TestSeekInReplayMatchesPrintAt replays a generated file to its end, goes to event 150 with
// :goto, steps back three events and forward one: each time the status line says where it is and
// the table is the one --print --at prints for that event.
func TestSeekInReplayMatchesPrintAt(t *testing.T) {
	parallelTerminal(t)
	file := simulatedDay(t)
	term := e2e.Start(t, 200, 50, []string{"NO_COLOR=1"}, e2e.Binary(t)+" --speed max "+file)
	term.WaitFor(20*time.Second, "done", "100%")
	term.Type(":goto #150")
	term.Keys("Enter")
	sameMoment(t, term.WaitFor(20*time.Second, "event 150 of 400", "▸ #150 "), file, 150)
	term.Keys(",", ",", ",")
	sameMoment(t, term.WaitFor(20*time.Second, "event 147 of 400", "▸ #147 "), file, 147)
	term.Keys(".")
	sameMoment(t, term.WaitFor(20*time.Second, "event 148 of 400", "▸ #148 "), file, 148)
	term.Quit()
}

// TestSeekOverSSH: a read-only viewer of deskwatch serve, over the real OpenSSH client, travels in
// the served replay's history as the monitor does.
func TestSeekOverSSH(t *testing.T) {
	dir, key, keys := sshViewer(t)
	file := simulatedDay(t)
	_, port := startServe(t, "--authorized-keys", keys, "--host-key", filepath.Join(dir, "hk"), "--speed", "max", file)
	term := e2e.Start(t, 200, 50, []string{"HOME=" + dir}, sshCommand(key, port))
	term.WaitFor(20*time.Second, "done", "100%")
	term.Type(":goto #150")
	term.Keys("Enter")
	sameMoment(t, term.WaitFor(20*time.Second, "event 150 of 400", "▸ #150 "), file, 150)
	term.Keys(",")
	sameMoment(t, term.WaitFor(20*time.Second, "event 149 of 400", "▸ #149 "), file, 149)
}

// TestFreezeLiveMatchesRecording watches the simulator while recording it, freezes the view
// (space), steps three events back, goes live again and quits: the table frozen at event n is the
// one --print --at #n prints of the recording (its rows, and the header's count of open ones), and
// going back lost nothing (the recording has every message the view went on applying).
func TestFreezeLiveMatchesRecording(t *testing.T) {
	parallelTerminal(t)
	url, _ := startSimulator(t, "--listen", "127.0.0.1:0", "--rate", "20", "--seed", "5")
	rec := filepath.Join(t.TempDir(), "rec.jsonl")
	term := e2e.Start(t, 200, 50, []string{"NO_COLOR=1"}, fmt.Sprintf("%s %s --record %s", e2e.Binary(t), url, rec))
	term.WaitFor(15*time.Second, url+" connected since", "a.jones")
	// Messages applied so far, on the status line: freeze once there are enough to step back in.
	msgs := regexp.MustCompile(`(\d+) msgs`)
	applied := func(atLeast int) bool {
		return waitUntil(term, 20*time.Second, func(s string) bool {
			got := msgs.FindStringSubmatch(s)
			return got != nil && number(t, got) >= atLeast
		}) != ""
	}
	if !applied(20) {
		t.Fatalf("the live view does not count 20 messages:\n%s", term.Screen())
	}
	term.Keys("Space")
	screen := term.WaitFor(10*time.Second, "paused", "events behind", "space: live", "▸ #")
	base := regexp.MustCompile(`▸ #(\d+) `).FindStringSubmatch(screen)
	if base == nil {
		t.Fatalf("the frozen screen does not say which event it shows:\n%s", screen)
	}
	n, _ := strconv.Atoi(base[1])
	n -= 3
	term.Keys(",", ",", ",")
	frozen := term.WaitFor(20*time.Second, fmt.Sprintf("event %d of ", n), fmt.Sprintf("▸ #%d ", n))
	m := regexp.MustCompile(`event \d+ of (\d+)`).FindStringSubmatch(frozen)
	term.Keys("Space")
	term.WaitGone(10*time.Second, "events behind")
	term.WaitFor(10*time.Second, " live ")
	// Live again, the view goes on: wait for 20 messages more than it had when it went back.
	last := number(t, m)
	if !applied(last + 20) {
		t.Fatalf("the live view did not go on after going back:\n%s", term.Screen())
	}
	term.Keys("q")
	term.WaitFor(10*time.Second, "[exit 0]")
	sameMoment(t, frozen, rec, n)
	// The header counts the interactions the recording has open at event n.
	open := 0
	csv := printAt(t, rec, "#"+strconv.Itoa(n), "--format", "csv")
	for _, line := range strings.Split(strings.TrimSpace(csv), "\n")[1:] {
		f := strings.Split(line, ",") // agent,id,type,state,ended,direction,number,service,parties,muted,recording,duration
		if len(f) >= 12 && f[4] == "no" {
			open++
		}
	}
	wantAll(t, "the header at event "+strconv.Itoa(n), frozen, strconv.Itoa(open)+" open")
	if _, errOut, code := e2e.Run(t, nil, "--print", rec, "--at", "#"+strconv.Itoa(last+20)); code != 0 {
		t.Errorf("the recording lacks messages the view applied after it froze: %s", errOut)
	}
}

// --history 0 keeps no history: the travel keys say there is none. A malformed --history-size,
// and the history flags with --print, stop the run with why.
func TestHistoryFlags(t *testing.T) {
	parallelTerminal(t)
	file := fixture("floor.jsonl")
	wantRefused(t, []refusal{
		{[]string{"--history-size", "lots", file}, []string{`--history-size "lots": want a size in bytes, such as 268435456, 256MiB or 1GiB: a whole number`}},
		{[]string{"--history", "-1m", file}, []string{"--history -1m0s: want a duration of 0 (off) or more"}},
		{[]string{"--print", "--history", "2h", file}, []string{"--history bounds what the monitor keeps"}},
		{[]string{"serve", "--history-size", "1.5GiB", file}, []string{`--history-size "1.5GiB"`}},
	})
	term := e2e.Start(t, 120, 30, []string{"NO_COLOR=1"}, e2e.Binary(t)+" --speed max --history 0 "+file)
	term.WaitFor(20*time.Second, "done", "100%")
	term.Keys(",")
	term.WaitFor(10*time.Second, "no history")
	term.Quit()
}

// A named pipe can be read once only, by the replay: its history is kept as a live stream's (had
// the history read the pipe too, it would have taken lines from the replay). The table at its end
// and at event 150 are the file's.
func TestReplayOfAPipeTravels(t *testing.T) {
	parallelTerminal(t)
	file, fifo := simulatedDay(t), e2e.Fifo(t, "pipe")
	term := e2e.Start(t, 200, 50, []string{"NO_COLOR=1"},
		fmt.Sprintf("cat %s > %s & %s --speed max %s", file, fifo, e2e.Binary(t), fifo))
	screen := term.WaitFor(20*time.Second, "done", "0 rejected")
	whole, _, _ := e2e.Run(t, nil, "--print", file)
	if got, want := momentRows(screen), momentRows(whole); !reflect.DeepEqual(got, want) {
		t.Errorf("the replay of the pipe ends on\n%s\nwant the file's table:\n%s", screen, whole)
	}
	term.Type(":goto #150")
	term.Keys("Enter")
	sameMoment(t, term.WaitFor(20*time.Second, "event 150 of 400", "▸ #150 "), file, 150)
}

// Time travel in a replay, through the real binary in tmux: after the replay, "," steps back one
// event and ":goto #3" goes to the third; the status line says where, the strip what the event
// changed, and the table is what it was then; space goes back to the replay.
func TestTravelReplayE2E(t *testing.T) {
	const t0 = int64(1700000000000)
	term := replayTerm(t,
		event(t0, "ON_LOGIN", map[string]any{"isLoggedIn": true, "agentId": "a.jones", "username": "Alice"}),
		event(t0+1000, "ON_NEW_INTERACTION", interaction("c-1", "queued", "first call")),
		event(t0+2000, "ON_INTERACTION_STATE_CHANGE", interaction("c-1", "delivered", "first call")),
		event(t0+3000, "ON_NEW_INTERACTION", interaction("c-2", "queued", "second call")),
		event(t0+4000, "ON_INTERACTION_REMOVED", interaction("c-1", "completed", "first call")),
	)
	term.WaitFor(15*time.Second, "second call")
	term.Keys(",")
	screen := term.WaitFor(10*time.Second, "event 4 of 5", "▸ #4", "c-2: new voice, state queued")
	wantAll(t, "a step back", screen, "space: back to the replay", "delivered")
	term.Type(":goto #3")
	term.Keys("Enter")
	screen = term.WaitFor(10*time.Second, "event 3 of 5", "c-1: state queued → delivered")
	if regexp.MustCompile(`second call`).MatchString(screen) {
		t.Errorf("at event 3 the second call had not come yet:\n%s", screen)
	}
	term.Keys("Space")
	term.WaitFor(10*time.Second, "second call", "completed")
	term.WaitGone(10*time.Second, "event 3 of 5")
	term.Quit()
}

// A live view freezes (space) while the demo feed goes on: the status line counts the events
// behind, "," steps back from the frozen picture, and space goes live again.
func TestTravelLiveFreezeE2E(t *testing.T) {
	term := demoTerm(t, 30, "--demo-rate 40")
	term.Keys("Space")
	term.WaitFor(10*time.Second, "⏸ paused ·", "events behind · space: live")
	first := number(t, waitMatch(t, term, behindRe))
	// The count follows the feed, which goes on applying while the picture stays.
	if waitBehind(t, term, 15*time.Second, first) == "" {
		t.Errorf("the count behind did not grow past %d while frozen:\n%s", first, term.Screen())
	}
	term.Keys(",")
	step := waitMatch(t, term, regexp.MustCompile(`⏸ paused · event ([\d,]+) of ([\d,]+) · .* events behind · space: live`))
	if n := number(t, step); n < 1 {
		t.Errorf("a step back from the frozen picture is at event %d", n)
	}
	term.WaitFor(10*time.Second, "▸ #")
	term.Keys("Space")
	term.WaitGone(10*time.Second, "events behind", "▸ #")
	term.Quit()
}

// waitMatch waits for re on the screen and returns its submatches.
func waitMatch(t *testing.T, term *e2e.Term, re *regexp.Regexp) []string {
	t.Helper()
	s := waitUntil(term, 10*time.Second, re.MatchString)
	if s == "" {
		t.Fatalf("the screen never matched %s:\n%s", re, term.Screen())
	}
	return re.FindStringSubmatch(s)
}

// waitUntil polls the screen until ok holds and returns it, or "" after timeout.
func waitUntil(term *e2e.Term, timeout time.Duration, ok func(string) bool) string {
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if s := term.Screen(); ok(s) {
			return s
		}
	}
	return ""
}

// replayTerm replays the event lines at full speed in a 160×24 terminal (the real binary in
// tmux), on a parallel terminal's turn, and waits for the replay to be done.
func replayTerm(t *testing.T, lines ...string) *e2e.Term {
	t.Helper()
	return replayInTerminal(t, 160, 24, "--theme mono "+eventFile(t, "events.jsonl", lines...)).Term
}

// demoTerm runs the demo (seed 7, with more flags) in a 160-column terminal of the given height,
// on a parallel terminal's turn, and waits for its first call.
func demoTerm(t *testing.T, height int, flags string) *e2e.Term {
	t.Helper()
	parallelTerminal(t)
	e2e.Require(t, "tmux")
	term := e2e.Start(t, 160, height, nil, e2e.Binary(t)+" --theme mono --demo-seed 7 "+flags)
	term.WaitFor(15*time.Second, "demo", "voice")
	return term
}

// behindRe reads a frozen live view's count of events behind.
var behindRe = regexp.MustCompile(`([\d,]+) events behind`)

// waitBehind waits until a frozen view is more than n events behind and returns the screen, or ""
// after timeout.
func waitBehind(t *testing.T, term *e2e.Term, timeout time.Duration, n int) string {
	t.Helper()
	return waitUntil(term, timeout, func(s string) bool {
		m := behindRe.FindStringSubmatch(s)
		return m != nil && number(t, m) > n
	})
}

// The strip names what the event shown changed, not an earlier change of what it touched: an
// event that adds nothing to a timeline (ON_ACTIVE_INTERACTION_SWITCHED) is not described by the
// agent's last state change.
func TestTravelStripOnlyTheEventShownE2E(t *testing.T) {
	const t0 = int64(1700000000000)
	term := replayTerm(t,
		event(t0, "ON_LOGIN", map[string]any{"isLoggedIn": true, "agentId": "a.jones", "username": "Alice"}),
		event(t0+1000, "ON_AGENT_STATE_CHANGE", "busy"),
		event(t0+2000, "ON_NEW_INTERACTION", interaction("c-1", "delivered", "first call")),
		event(t0+3000, "ON_ACTIVE_INTERACTION_SWITCHED", "c-1"),
		event(t0+4000, "ON_INTERACTION_REMOVED", interaction("c-1", "completed", "first call")),
	)
	term.WaitFor(15*time.Second, "first call")
	term.Type(":goto #2")
	term.Keys("Enter")
	term.WaitFor(10*time.Second, "event 2 of 5", "▸ #2", "a.jones: state busy")
	term.Type(":goto #4")
	term.Keys("Enter")
	screen := term.WaitFor(10*time.Second, "event 4 of 5", "▸ #4")
	if strings.Contains(screen, "state busy") || strings.Contains(screen, "new voice") {
		t.Errorf("the strip of event 4 (an active interaction switched) tells an earlier event's change:\n%s", screen)
	}
	term.Quit()
}

// What is typed or pasted into a prompt (:goto's target, the filter) reaches the screen
// sanitized: a bidirectional override or a zero-width space typed into ":goto" is dropped from the
// input line, not drawn raw where it would reorder the line.
func TestPromptInputSanitizedE2E(t *testing.T) {
	parallelTerminal(t)
	e2e.Require(t, "tmux")
	term := e2e.Start(t, 120, 20, nil, e2e.Binary(t)+" --theme mono --speed max "+fixture("clean.jsonl"))
	term.WaitFor(15*time.Second, "done")
	term.Keys(":")
	term.Type("goto #1\u202eX\u200bY")
	screen := term.WaitFor(10*time.Second, "goto #1XY")
	if strings.ContainsAny(screen, "\u202e\u200b") {
		t.Errorf("the prompt draws the invisible characters typed into it:\n%q", screen)
	}
	term.Keys("Escape", "/")
	term.Type("a\u202ejones")
	screen = term.WaitFor(10*time.Second, "ajones")
	if strings.ContainsAny(screen, "\u202e") {
		t.Errorf("the filter prompt draws the override typed into it:\n%q", screen)
	}
	term.Quit("Escape", "q")
}

// A step back from a frozen live picture the history has since forgotten says so, rather than
// jumping forward to the oldest event kept (with --history 1s, a second of the demo).
func TestTravelStepBackFromForgottenE2E(t *testing.T) {
	term := demoTerm(t, 24, "--demo-rate 200 --history 1s")
	term.Keys("Space")
	frozen := number(t, waitMatch(t, term, regexp.MustCompile(`▸ #([\d,]+)`)))
	// The history forgets the frozen position once a second of event time has passed it.
	if waitBehind(t, term, 20*time.Second, 1000) == "" {
		t.Fatalf("the demo did not run 1,000 events past the frozen picture:\n%s", term.Screen())
	}
	term.Keys(",")
	screen := term.WaitFor(10*time.Second, "outside the history")
	if m := regexp.MustCompile(`event ([\d,]+) of`).FindStringSubmatch(screen); m != nil && number(t, m) > frozen {
		t.Errorf("one event back from #%d shows event %s:\n%s", frozen, m[1], screen)
	}
	term.Quit()
}
