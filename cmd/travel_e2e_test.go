package cmd_test

import (
	"fmt"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"syscall"
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
		{[]string{"--history-size", "lots", file}, []string{`--history-size "lots": want a size in bytes, such as 268435456, 256MiB or 1GiB`}},
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
	dir := t.TempDir()
	file, fifo := simulatedDay(t), filepath.Join(dir, "pipe")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("no named pipes here: %v", err)
	}
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
