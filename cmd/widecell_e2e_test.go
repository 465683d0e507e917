package cmd_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/deskwatch/deskwatch/internal/e2e"
	"github.com/deskwatch/deskwatch/internal/synth"
)

// wideCall is call i of the wide-character screen, a caller and a subject of the simulator's with a
// wide character (CJK, Hangul, an emoji): what its row shows under each title.
func wideCall(i int) map[string]string {
	callers, subjects := synth.WideStrings()
	return map[string]string{"ID": fmt.Sprintf("call-%04d", i), "AGENT": fmt.Sprintf("agent%02d", i),
		"STATE": "delivered", "NUMBER/EMAIL": fmt.Sprintf("+1555000%04d", i), "SERVICE": "Support",
		"PARTIES": fmt.Sprintf("1 %s %d", callers[i%len(callers)], i),
		"SUBJECT": fmt.Sprintf("%s %d", subjects[i%len(subjects)], i)}
}

// writeWideCalls writes 50 open calls that started one to two minutes ago, so their durations
// tick for minutes without changing width.
func writeWideCalls(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	now := time.Now()
	for i := range 50 {
		c := wideCall(i)
		ev := map[string]any{"type": "ON_NEW_INTERACTION", "agentId": c["AGENT"], "params": []any{map[string]any{
			"interactionId": c["ID"], "state": "delivered", "type": "voice", "subject": c["SUBJECT"],
			"associatedObjects": map[string]any{"list": []any{}}, "callParties": []any{map[string]any{
				"id": "p", "name": strings.TrimPrefix(c["PARTIES"], "1 "), "phone": c["NUMBER/EMAIL"]}},
			"callMuted": false, "callRecording": true, "attachedData": map[string]any{}, "ANI": c["NUMBER/EMAIL"],
			"service": "Support", "startTime": now.Add(-time.Duration(60+i) * time.Second).UnixMilli()}}}
		line, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(append(line, '\n'))
	}
	path := filepath.Join(t.TempDir(), "wide.jsonl")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

var (
	duration = regexp.MustCompile(`^\d+:\d\d `)
	callID   = regexp.MustCompile(`agent(\d{2})`)
)

// checkWideRows checks every call row of screen against what it should read: under each column
// title (at the same display column), that call's value, a duration under DUR, and the subject
// whole or cut with "…". It returns the rows by call, with durations blanked, and fails the
// test for a row out of place.
func checkWideRows(t *testing.T, screen string) map[string]string {
	t.Helper()
	lines := strings.Split(screen, "\n")
	titles := -1
	for i, l := range lines {
		if strings.Contains(l, " DUR ") && strings.Contains(l, "SUBJECT") {
			titles = i
			break
		}
	}
	if titles < 0 {
		t.Fatalf("no column titles:\n%s", screen)
	}
	columns := map[string]int{}
	for _, loc := range regexp.MustCompile(`\S+`).FindAllStringIndex(lines[titles], -1) {
		columns[lines[titles][loc[0]:loc[1]]] = ansi.StringWidth(lines[titles][:loc[0]])
	}
	rows := map[string]string{}
	for _, row := range lines[titles+1:] {
		m := callID.FindStringSubmatch(row)
		if m == nil {
			continue
		}
		n, _ := strconv.Atoi(m[1])
		want := wideCall(n)
		at := func(title string) string { return ansi.Cut(row, columns[title], 1000) }
		for title, value := range want {
			if _, shown := columns[title]; !shown {
				continue
			}
			got := strings.TrimRight(at(title), " ")
			if title == "SUBJECT" && strings.HasSuffix(got, "…") && strings.HasPrefix(value, strings.TrimSuffix(got, "…")) {
				continue
			}
			if !strings.HasPrefix(got+" ", value+" ") {
				t.Errorf("under %s at column %d the row of %s reads %q, want %q:\n%s", title, columns[title], m[0], got, value, screen)
			}
		}
		if dur := duration.FindString(at("DUR")); dur == "" {
			t.Errorf("no duration under DUR in the row of %s: %q\n%s", m[0], row, screen)
		}
		rows[m[0]] = ansi.Cut(row, 0, columns["DUR"]) + "D" + strings.TrimPrefix(at("DUR"), duration.FindString(at("DUR")))
	}
	return rows
}

// 50 calls with a CJK or emoji subject and caller in every row, durations ticking, in a real
// terminal (tmux) at 80 and 200 columns. The renderer diffs these rows cell by cell
// (third_party/ultraviolet); after many ticks, moves of the selection and scrolls to the end and
// back, every row must still read exactly what it should, column for column.
func TestWideCharacterRowsStayAlignedWhileTicking(t *testing.T) {
	for _, width := range []int{80, 200} {
		t.Run(fmt.Sprint(width), func(t *testing.T) {
			parallelTerminal(t)
			e2e.Require(t, "tmux")
			term := e2e.Start(t, width, 30, nil, "(cat "+writeWideCalls(t)+"; sleep 600) | "+e2e.Binary(t)+" -")
			// The selection stays on the row it was on while the rest arrive above it: which row
			// that is depends on how the reads and the first frames interleave. Start at the top.
			term.WaitFor(30*time.Second, "50 open")
			term.Keys("g")
			first := checkWideRows(t, term.WaitFor(30*time.Second, "50 open", "agent49", "agent30"))
			if len(first) < 20 {
				t.Fatalf("only %d call rows on screen", len(first))
			}
			for i, keys := range [][]string{{"j", "j"}, {"G"}, {"k", "k", "k"}, {"g"}, {"j"}, {"k"}} {
				term.Keys(keys...)
				tick := term.Screen()
				for deadline := time.Now().Add(10 * time.Second); term.Screen() == tick && time.Now().Before(deadline); {
					time.Sleep(50 * time.Millisecond)
				}
				checkWideRows(t, term.Screen())
				if t.Failed() {
					t.Fatalf("after step %d (%v)", i, keys)
				}
			}
			// Back at the top, ten more ticks, each checked.
			var last map[string]string
			for range 10 {
				top := regexp.MustCompile(`.*agent49.*`).FindString(term.Screen())
				last = checkWideRows(t, term.WaitGone(10*time.Second, top))
			}
			for id, row := range first {
				if last[id] != row {
					t.Errorf("the row of %s changed beyond its duration:\n was %q\n now %q", id, row, last[id])
				}
			}
		})
	}
}
