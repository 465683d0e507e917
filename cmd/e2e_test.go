package cmd_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/internal/e2e"
)

func fixture(name string) string { return filepath.Join(e2e.Root(), "cmd", "testdata", name) }

func TestVersion(t *testing.T) {
	t.Parallel()
	out, _, code := e2e.Run(t, nil, "--version")
	if code != 0 || !strings.Contains(out, "v0.0.0-e2e") {
		t.Fatalf("--version: exit %d, output %q", code, out)
	}
}

func TestPrintReportsRejectedLinesAndExitsOne(t *testing.T) {
	t.Parallel()
	out, errOut, code := e2e.Run(t, nil, "--print", fixture("desk.jsonl"))
	if code != 1 {
		t.Errorf("exit status %d, want 1 (some lines were rejected)\nstderr: %s", code, errOut)
	}
	wantAll(t, "stderr", errOut,
		"desk.jsonl:5: ", "desk.jsonl:8: ", "desk.jsonl:13: ", "callMuted", "desk.jsonl:26: truncated")
	if strings.Contains(errOut, "desk.jsonl:11:") || strings.Contains(errOut, "desk.jsonl:1:") {
		t.Errorf("a blank line or the BOM/CRLF line was rejected:\n%s", errOut)
	}
	wantAll(t, "table", out, "c-1001", "completed", "chat-77", "kim@example.com", "mail-9")
	if strings.ContainsAny(out, "\x1b\x07") || strings.Contains(out, "\u009b") {
		t.Errorf("printed table holds control characters: %q", out)
	}
}

func TestPrintCleanFileExitsZeroAndJSONParses(t *testing.T) {
	t.Parallel()
	out, errOut, code := e2e.Run(t, nil, "--print", "--format", "json", fixture("clean.jsonl"))
	if code != 0 {
		t.Fatalf("exit %d, stderr %s", code, errOut)
	}
	var rows []map[string]any
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatalf("--format json is not JSON: %v\n%s", err, out)
	}
	if len(rows) != 3 {
		t.Errorf("%d rows, want 3", len(rows))
	}
}

func TestPrintReadsStandardInput(t *testing.T) {
	t.Parallel()
	data := e2e.ReadFile(t, fixture("clean.jsonl"))
	out, errOut, code := e2e.Run(t, data, "--print", "-")
	if code != 0 || !strings.Contains(out, "chat-77") {
		t.Fatalf("exit %d\nstdout %s\nstderr %s", code, out, errOut)
	}
}

func TestBadArgumentsSayWhy(t *testing.T) {
	t.Parallel()
	wantRefused(t, []refusal{
		{[]string{"--speed", "5000", "x.jsonl"}, []string{"0.1 to 1000"}},
		{[]string{"--print", "/nonexistent/x.jsonl"}, []string{"no such file"}},
		{[]string{"--theme", "purple", "--print", fixture("clean.jsonl")}, []string{"purple"}},
		// Flags that would do nothing in batch mode are refused rather than ignored.
		{[]string{"--print", "--speed", "10", fixture("clean.jsonl")}, []string{"--speed paces the monitor's replay"}},
		{[]string{"--print", "--bell", fixture("clean.jsonl")}, []string{"--bell rings the monitor's terminal"}},
		{[]string{"--print", "--window", "all", fixture("clean.jsonl")}, []string{"--window is the figures' window"}},
		{[]string{"--print", "--format", "xml", fixture("clean.jsonl")}, []string{`--format "xml": unknown format`}},
	})
}

// TestReplayInTerminal is what a new user does: replay a file in a real terminal, move, open the
// detail, filter, look at the rejected log and help, pause, and quit.
func TestReplayInTerminal(t *testing.T) {
	term := replayInTerminal(t, 120, 30, fixture("desk.jsonl"), "c-1001", "chat-77", "mail-9", "4 rejected")
	screen := term.loaded
	if strings.Contains(screen, "\x1b") {
		t.Fatalf("escape characters on screen:\n%s", screen)
	}
	if !regexp.MustCompile(`a\.jones\s+ready`).MatchString(screen) {
		t.Errorf("header lacks a.jones's state:\n%s", screen)
	}
	term.Keys("G", "Enter") // open interactions come first: the ended call is the last row
	term.WaitFor(5*time.Second, "c-1001", "Timeline", "party joined", "recording started", "Resolved")
	term.Keys("Escape")
	term.WaitGone(5*time.Second, "Timeline")
	term.Keys("/")
	term.Type("kim")
	term.Keys("Enter")
	screen = term.WaitFor(5*time.Second, "chat-77", "/kim")
	if strings.Contains(screen, "c-1001") {
		t.Errorf("filter kim still shows the call:\n%s", screen)
	}
	term.Keys("r")
	term.WaitFor(5*time.Second, "desk.jsonl:5", "desk.jsonl:13", "callMuted")
	term.Keys("Escape", "?")
	term.WaitFor(5*time.Second, "flip sort", "hide/show ended")
	// Esc, then q once the help has gone: sent together, a slow terminal reads them as alt+q.
	term.Keys("Escape")
	term.WaitGone(5*time.Second, "flip sort")
	term.Quit()
}

// TestSanitizedOnScreen checks that the subject's escape sequences do not reach the terminal: the
// pane keeps its content (no ESC [2J) and shows the subject's text.
func TestSanitizedOnScreen(t *testing.T) {
	term := replayInTerminal(t, 200, 30, fixture("desk.jsonl"), "Refund", "now", "mail-9")
	ansi := term.ScreenANSI()
	if strings.Contains(ansi, "52;") || strings.Contains(ansi, "\x07") {
		t.Errorf("OSC 52 reached the pane: %q", ansi)
	}
}

// TestDemoRunsWithoutArguments is `go run .`: the embedded demo fills the table by itself.
func TestDemoRunsWithoutArguments(t *testing.T) {
	parallelTerminal(t)
	e2e.Require(t, "tmux")
	bin := e2e.Binary(t)
	term := e2e.Start(t, 160, 40, nil, bin+" --demo-seed 7 --demo-rate 40")
	screen := term.WaitFor(15*time.Second, "demo", "live", "voice")
	if !regexp.MustCompile(`\d+ open`).MatchString(screen) {
		t.Errorf("header lacks the open count:\n%s", screen)
	}
	term.Resize(70, 20)
	term.WaitFor(5*time.Second, "TYPE")
	term.Quit()
}

// The hostile corpus (testdata/hostile at the repository's root) holds every class of bad input
// the attacker's pass found: numbers out of range (numbers.jsonl), escape sequences, controls,
// bidirectional and zero-width characters, separators, ZWJ emoji and spreadsheet formulas in every
// string (text.jsonl), invalid UTF-8 in known and unknown members and keys (utf8.jsonl), and
// missing, null and mistyped fields (structure.jsonl). Each file ends with an event whose subject
// says "… survived": the rest of a file goes on after a bad line.
func hostileFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(e2e.Root(), "testdata", "hostile", "*.jsonl"))
	if err != nil || len(files) < 4 {
		t.Fatalf("hostile corpus: %v %v", files, err)
	}
	return files
}

// hostileAll is the whole corpus in one file, for a single run of the monitor.
func hostileAll(t *testing.T) string {
	t.Helper()
	var all []byte
	for _, f := range hostileFiles(t) {
		data := e2e.ReadFile(t, f)
		all = append(all, data...)
	}
	return e2e.WriteFile(t, "hostile.jsonl", string(all))
}

// survivors is what each corpus file's last good line shows.
var survivors = map[string]string{"numbers.jsonl": "numbers survived", "text.jsonl": "svc",
	"utf8.jsonl": "utf8 survived", "structure.jsonl": "structure survived"}

// TestHostileCorpusPrint runs --print over each corpus file in every format: it never crashes
// (exit 0 or 1, no panic), names each rejected line FILE:LINE, shows the lines after the bad ones,
// and nothing unsafe reaches standard output or standard error.
func TestHostileCorpusPrint(t *testing.T) {
	t.Parallel()
	for _, file := range hostileFiles(t) {
		name := filepath.Base(file)
		for _, format := range []string{"table", "csv", "json"} {
			t.Run(name+"/"+format, func(t *testing.T) {
				t.Parallel()
				stdout, stderr, code := e2e.Run(t, nil, "--print", "--format", format, file)
				if code != 0 && code != 1 || strings.Contains(stderr, "panic") || strings.Contains(stderr, "goroutine ") {
					t.Fatalf("exit %d:\n%s", code, stderr)
				}
				if why := e2e.Unsafe(stdout); why != "" {
					t.Errorf("stdout: %s", why)
				}
				if why := e2e.Unsafe(stderr); why != "" {
					t.Errorf("stderr: %s", why)
				}
				if want := survivors[name]; !strings.Contains(stdout, want) {
					t.Errorf("the line after the bad ones is missing (%q):\n%s", want, stdout)
				}
				if code == 1 && !strings.Contains(stderr, name+":") {
					t.Errorf("exit 1 without a FILE:LINE rejection:\n%s", stderr)
				}
				switch format {
				case "csv":
					checkCSV(t, stdout)
				case "json":
					checkJSON(t, stdout)
				}
			})
		}
	}
}

// TestHostileNumbersRejectedWhereTheyAre checks that each out-of-range number is a located
// rejection that says why.
func TestHostileNumbersRejectedWhereTheyAre(t *testing.T) {
	t.Parallel()
	file := filepath.Join(e2e.Root(), "testdata", "hostile", "numbers.jsonl")
	_, stderr, code := e2e.Run(t, nil, "--print", file)
	if code != 1 {
		t.Fatalf("exit %d, want 1:\n%s", code, stderr)
	}
	for _, line := range []string{"1", "2", "3", "4"} {
		if !regexp.MustCompile(`numbers\.jsonl:` + line + `: [^\n]*ts`).MatchString(stderr) {
			t.Errorf("line %s (a ts out of range) is not rejected with its reason:\n%s", line, stderr)
		}
	}
	if strings.Contains(stderr, "want number, got number") || strings.Contains(stderr, "-9223372036854775808") {
		t.Errorf("a confusing reason:\n%s", stderr)
	}
}

// formulaStart is what a spreadsheet reads as the start of a formula (OWASP's list).
const formulaStart = "=+-@\t\r"

// plainNumber is a cell a spreadsheet reads as a number, which the sanitizer may leave as it is.
var plainNumber = regexp.MustCompile(`^[+-]?[0-9][0-9 ().:-]*$`)

func checkCSV(t *testing.T, out string) {
	t.Helper()
	records, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatalf("the CSV does not parse: %v\n%s", err, out)
	}
	for _, rec := range records {
		for _, cell := range rec {
			if cell != "" && strings.ContainsRune(formulaStart, rune(cell[0])) && !plainNumber.MatchString(cell) {
				t.Errorf("a formula reaches the CSV: %q", cell)
			}
		}
	}
}

func checkJSON(t *testing.T, out string) {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("the JSON does not parse: %v\n%s", err, out)
	}
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case string:
			if why := e2e.Unsafe(v); why != "" {
				t.Errorf("a JSON string: %s", why)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		case map[string]any:
			for k, x := range v {
				walk(k)
				walk(x)
			}
		}
	}
	walk(v)
}

// TestHostileCorpusInTerminal replays the whole corpus in the real binary in tmux, with every byte
// it writes to the terminal captured: no escape sequence or invisible character from an event is
// among them, the rejected log shows its lines whole, the exports are safe, and q ends it cleanly.
func TestHostileCorpusInTerminal(t *testing.T) {
	e2e.Require(t, "tmux")
	parallelTerminal(t)
	bin, file, dir := e2e.Binary(t), hostileAll(t), t.TempDir()
	raw := filepath.Join(dir, "raw")
	term := e2e.Start(t, 200, 60, []string{"NO_COLOR="}, "cd "+dir+" && sleep 1 && "+bin+" --speed max "+file)
	term.PipeTo(raw)
	term.WaitFor(20*time.Second, "numbers survived", "utf8 survived", "structure survived")
	term.Keys("x")
	term.WaitFor(10*time.Second, ".csv")
	term.Keys("X")
	term.WaitFor(10*time.Second, ".json")
	term.Keys("r")
	term.WaitFor(10*time.Second, "hostile.jsonl:")
	term.Keys("Escape", "Tab")
	term.WaitFor(10*time.Second, "n.umbers")
	term.Keys("Tab") // the services view draws the hostile services' names
	term.WaitFor(10*time.Second, "LONGEST", "floor")
	term.Keys("Escape", "q")
	term.WaitFor(10*time.Second, "[exit 0]")
	data, err := os.ReadFile(raw)
	if err != nil || len(data) == 0 {
		t.Fatalf("nothing captured from the pane: %v", err)
	}
	for _, marker := range []string{"PWNED", "SEFDS0VE"} {
		if why := e2e.UnsafeTerminal(data, marker); why != "" {
			t.Errorf("the terminal received %s", why)
		}
	}
	checkExports(t, dir)
}

func checkExports(t *testing.T, dir string) {
	t.Helper()
	for _, ext := range []string{"csv", "json"} {
		found, _ := filepath.Glob(filepath.Join(dir, "deskwatch-*."+ext))
		if len(found) != 1 {
			t.Fatalf("want one .%s export in %s, found %v", ext, dir, found)
		}
		data := e2e.ReadFile(t, found[0])
		if why := e2e.Unsafe(string(bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n")))); why != "" {
			t.Errorf("%s: %s", filepath.Base(found[0]), why)
		}
		if ext == "csv" {
			checkCSV(t, string(data))
		} else {
			checkJSON(t, string(data))
		}
	}
}
