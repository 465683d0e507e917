package cmd_test

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/internal/e2e"
)

// TestMain gives every test, and every deskwatch, ssh or tmux process the tests start, a home and
// XDG directories of their own: no test reads the real ~/.config/deskwatch or writes the real
// ~/.local/state, and the built binary is removed afterwards.
//
// The tests spend most of their time waiting on the processes they start and on the network, not
// on the CPU, so unless -parallel says otherwise more of them run at once than there are CPUs.
func TestMain(m *testing.M) {
	flag.Parse()
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.parallel" })
	if !set {
		_ = flag.Set("test.parallel", strconv.Itoa(4*runtime.GOMAXPROCS(0)))
	}
	os.Exit(e2e.Main(m))
}

// terminals limits the tests that drive a terminal (tmux, ssh) running at once: a person's typing
// is timed (an Escape and the key after it must arrive apart), which a crowded machine blurs.
var terminals = make(chan struct{}, 2)

// parallelTerminal marks a terminal test parallel and waits for one of the terminal slots.
func parallelTerminal(t *testing.T) {
	t.Parallel()
	terminals <- struct{}{}
	t.Cleanup(func() { <-terminals })
}

// replayed is the monitor in a tmux pane once its replay is done.
type replayed struct {
	*e2e.Term
	loaded string // the screen when the replay was done
	dir    string // the monitor's working directory, where x and X export
}

// replayInTerminal waits for a terminal slot, starts the built binary in a tmux pane of
// width x height on a replay at full speed (args: more flags, then the file), in a directory of
// its own, and waits until the replay is done and each of want is on the screen.
func replayInTerminal(t *testing.T, width, height int, args string, want ...string) replayed {
	t.Helper()
	parallelTerminal(t)
	dir := t.TempDir()
	term := e2e.Start(t, width, height, nil, "cd "+dir+" && "+e2e.Binary(t)+" --speed max "+args)
	return replayed{term, term.WaitFor(20*time.Second, append([]string{"done"}, want...)...), dir}
}

// event is one JSON line of the protocol, stamped at ts (ms) for agent a.jones.
func event(ts int64, typ string, params ...any) string {
	b, err := json.Marshal(map[string]any{"type": typ, "agentId": "a.jones", "ts": ts, "params": params})
	if err != nil {
		panic(err)
	}
	return string(b)
}

// interaction is a voice call's InteractionData with the required fields.
func interaction(id, state, subject string) map[string]any {
	return map[string]any{"interactionId": id, "state": state, "type": "voice", "subject": subject,
		"associatedObjects": map[string]any{"list": []any{}}, "callParties": []any{},
		"callMuted": false, "callRecording": false, "attachedData": map[string]any{}}
}

// simulated writes the simulator's events (flags: how many, the seed) to a new file in a temporary
// directory of the test and returns its path.
func simulated(t *testing.T, flags ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "events.jsonl")
	if out, errOut, code := e2e.Run(t, nil, append([]string{"simulate", "--out", path}, flags...)...); code != 0 {
		t.Fatalf("simulate: exit %d: %s %s", code, out, errOut)
	}
	return path
}

// eventFile writes the event lines to a new file called name in a temporary directory of the test
// and returns its path.
func eventFile(t *testing.T, name string, lines ...string) string {
	t.Helper()
	return e2e.WriteFile(t, name, strings.Join(lines, "\n")+"\n")
}

func writeEvents(t *testing.T, path string, lines ...string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
}

// number reads the first submatch, a count written 1,234.
func number(t *testing.T, m []string) int {
	t.Helper()
	n, err := strconv.Atoi(strings.ReplaceAll(m[1], ",", ""))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// wantAll reports each of want that text lacks; what names the text in the message.
func wantAll(t *testing.T, what, text string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, text)
		}
	}
}
