package cmd_test

import (
	"encoding/json"
	"flag"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"

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

func writeEvents(t *testing.T, path string, lines ...string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
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
