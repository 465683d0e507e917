package cmd_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/internal/e2e"
)

// A newcomer's report: `deskwatch c.jsonl --record c.jsonl` erased the file it was to replay, and
// --record replaced an earlier recording without a word. Both are refused before anything runs
// (exit 2), the file as it was.
func TestRecordNeverReplacesAFile(t *testing.T) {
	t.Parallel()
	src := fixture("clean.jsonl")
	day, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	path := e2e.WriteFile(t, "c.jsonl", string(day))
	_, errOut, code := e2e.Run(t, nil, "--print", "--record", path, path)
	if code != 2 || !strings.Contains(errOut, "--record: "+path+" exists; a recording never replaces a file: remove it, or name another") {
		t.Errorf("--record onto the replayed file: exit %d, %s", code, errOut)
	}
	if got, _ := os.ReadFile(path); string(got) != string(day) {
		t.Errorf("the replayed file lost %d of its %d bytes", len(day)-len(got), len(day))
	}
	// The second newcomer: simulate --out replaced a 196 MB file with 10 events, and --record onto
	// a directory said it "exists".
	_, errOut, code = e2e.Run(t, nil, "simulate", "--out", path, "--events", "10")
	if code != 2 || !strings.Contains(errOut, "--out: "+path+" exists; simulate --out never replaces a file: remove it, or name another") {
		t.Errorf("simulate --out onto a file: exit %d, %s", code, errOut)
	}
	if got, _ := os.ReadFile(path); string(got) != string(day) {
		t.Errorf("simulate --out: the file lost %d of its %d bytes", len(day)-len(got), len(day))
	}
	dir := t.TempDir()
	_, errOut, code = e2e.Run(t, nil, "--print", "--record", dir, path)
	if code != 2 || !strings.Contains(errOut, "--record: "+dir+" is a directory; a recording is written to a file: name one") {
		t.Errorf("--record onto a directory: exit %d, %s", code, errOut)
	}
}

// A newcomer's report: `deskwatch -` in a terminal, with nothing piped in, drew the screen and then
// read the keys as events: q, ctrl+c, nothing quit it. It is refused, saying how to pipe events in.
func TestStdinFromTheTerminalIsRefused(t *testing.T) {
	parallelTerminal(t)
	e2e.Require(t, "tmux")
	term := e2e.Start(t, 120, 10, nil, e2e.Binary(t)+` -; echo "[monitor $?]"`)
	term.WaitFor(10*time.Second, "standard input is the terminal; pipe the events in", "[monitor 2]")
}

// A newcomer's report: a mistyped command ("serv") was opened as an event file: `open event file:
// open serv: no such file or directory`. A SOURCE that is no file but near a command names it.
func TestMistypedCommandIsNamed(t *testing.T) {
	t.Parallel()
	for arg, want := range map[string]string{
		"serv":    `serv: no such event file, nor command; did you mean "serve" (deskwatch serve --help)?`,
		"hubb":    `hubb: no such event file, nor command; did you mean "hub" (deskwatch hub --help)?`,
		"version": `version: no such event file; the version is "deskwatch --version"`,
		// The second newcomer: "frob" said "open event file: open frob: …", and a flag after a
		// mistyped command said only "unknown flag".
		"frob":         "frob: no such event file, nor command (deskwatch --help lists the commands)",
		"nofile.jsonl": "event file nofile.jsonl: no such file or directory",
	} {
		if _, errOut, code := e2e.Run(t, nil, "--print", arg); code != 2 || !strings.Contains(errOut, want) {
			t.Errorf("deskwatch --print %s: exit %d, %s; want 2 and %s", arg, code, errOut, want)
		}
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"sever", "--allow-any-key"}, `unknown flag: --allow-any-key (sever: no such event file, nor command; did you mean "serve"`},
		// A command that only groups others said nothing and exited 0 for a word it does not have.
		{[]string{"config", "bogus"}, `unknown command "bogus" for "deskwatch config"`},
		// The second newcomer: a mistyped command followed by its word said "several sources can only
		// be hubs' stream URLs".
		{[]string{"confg", "init"}, `confg: no such event file, nor command; did you mean "config"`},
		{[]string{"config", "ini"}, `unknown command "ini" for "deskwatch config"; did you mean "init"?`},
		{[]string{"bridge", "prnt"}, `unknown command "prnt" for "deskwatch bridge"; did you mean "print"?`},
	} {
		if _, errOut, code := e2e.Run(t, nil, c.args...); code != 2 || !strings.Contains(errOut, c.want) {
			t.Errorf("deskwatch %v: exit %d, %s; want 2 and %s", c.args, code, errOut, c.want)
		}
	}
	if out, _, code := e2e.Run(t, nil, "bridge"); code != 0 || !strings.Contains(out, "print") {
		t.Errorf("deskwatch bridge: exit %d, want its help:\n%s", code, out)
	}
}

// A newcomer's report: --demo-seed, --insecure, --header, --origin and --message-timeout with an
// event file were taken and ignored (exit 0), as was --speed with the demo. A source flag given for
// a source it means nothing to stops the run, saying whose it is.
func TestSourceFlagsOfAnotherSourceAreRefused(t *testing.T) {
	t.Parallel()
	file := fixture("clean.jsonl")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--demo-seed", "7", file}, "--demo-seed shapes the demo, which runs without a SOURCE; the source here is the event file"},
		{[]string{"--insecure", file}, "--insecure goes with a ws:// or wss:// SOURCE; the source here is the event file"},
		{[]string{"--message-timeout", "5s", "-"}, "--message-timeout goes with a ws:// or wss:// SOURCE; the source here is standard input"},
		{[]string{"--header", "X-A: b", "--events", "1"}, "--header goes with a ws:// or wss:// SOURCE; the source here is the demo (no SOURCE)"},
		{[]string{"--speed", "10"}, "--speed paces a replay (an event file, or standard input); the source here is the demo (no SOURCE)"},
		// The second newcomer: bad demo sizes were taken as the defaults, and a billion agents ran
		// simulate out of memory.
		{[]string{"--demo-agents", "-3", "--for", "1s"}, "--demo-agents -3: want at least 1, at most 100000"},
		{[]string{"--demo-rate", "0", "--for", "1s"}, "--demo-rate 0: want events per second above 0, at most 1000000"},
		{[]string{"--speed", "1", "--demo-rate", "-1"}, "--speed paces a replay"},
		{[]string{"simulate", "--out", "-", "--events", "5", "--agents", "1000000000"}, "--agents 1000000000: want at least 1, at most 100000"},
	} {
		args := c.args
		if c.args[0] != "--speed" && c.args[0] != "simulate" { // --print has its own word for --speed
			args = append([]string{"--print"}, c.args...)
		}
		if _, errOut, code := e2e.Run(t, nil, args...); code != 2 || !strings.Contains(errOut, c.want) {
			t.Errorf("deskwatch --print %v: exit %d, %s; want 2 and %s", c.args, code, errOut, c.want)
		}
	}
}
