package cmd_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/internal/e2e"
)

// printAt runs --print FILE --at WHEN with more arguments and fails the test unless it exits 0.
func printAt(t *testing.T, file, when string, args ...string) string {
	t.Helper()
	out, errOut, code := e2e.Run(t, nil, append([]string{"--print", file, "--at", when}, args...)...)
	if code != 0 {
		t.Fatalf("--print --at %s %v: exit %d\n%s", when, args, code, errOut)
	}
	return out
}

// floor.jsonl (see TestPrintServicesView) after its 5th message, at t0+10 s: c-1 has been answered
// after waiting 10 s, c-2 has waited 5 s: the figures are measured at that moment, not at the
// file's end (t0+100 s).
func TestPrintAtEventNumber(t *testing.T) {
	t.Parallel()
	out := printAt(t, fixture("floor.jsonl"), "#5", "--view", "services", "--window", "all", "--format", "json")
	var got []map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	want := []map[string]any{{"service": "Sales", "open": 2.0, "waiting": 1.0, "longest_wait_s": 5.0, "answered": 1.0,
		"abandoned": 0.0, "asa_s": 10.0, "aht_s": nil, "service_level_pct": 100.0, "transfers": 0.0, "target_s": 20.0}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("services at #5:\n got %v\nwant %v", got, want)
	}
}

// Every form of a moment names the same one as :goto would: the last message at or before a time
// (given as RFC 3339, as a time of day on the file's date, or relative to its first event), an
// event number, start and end.
func TestPrintAtForms(t *testing.T) {
	t.Parallel()
	file := fixture("floor.jsonl")
	seventh := printAt(t, file, "#7", "--format", "json") // c-2 removed at t0+40 s
	t0 := time.UnixMilli(1700000000000)
	for _, when := range []string{"+40s", "+45s", t0.Add(40 * time.Second).UTC().Format(time.RFC3339),
		t0.Add(42 * time.Second).Format("15:04:05")} {
		if got := printAt(t, file, when, "--format", "json"); got != seventh {
			t.Errorf("--at %s:\n%s\nwant what --at #7 prints:\n%s", when, got, seventh)
		}
	}
	if sixth := printAt(t, file, "#6", "--format", "json"); sixth == seventh {
		t.Errorf("--at #6 prints what #7 does: the moment is not taken into account\n%s", sixth)
	}
	whole, _, _ := e2e.Run(t, nil, "--print", "--format", "json", file)
	if end := printAt(t, file, "end", "--format", "json"); end != whole {
		t.Errorf("--at end:\n%s\nwant the whole file's table:\n%s", end, whole)
	}
	if start := printAt(t, file, "start", "--format", "json"); strings.Contains(start, "c-2") {
		t.Errorf("--at start shows c-2, which begins at the file's 4th event:\n%s", start)
	}
}

// A moment outside the file, a malformed one, and --at where it means nothing stop the run with
// where and why.
func TestPrintAtErrors(t *testing.T) {
	t.Parallel()
	file := fixture("floor.jsonl")
	wantRefused(t, []refusal{
		{[]string{"--print", file, "--at", "#12"}, []string{`--at "#12"`, "#11"}},
		{[]string{"--print", file, "--at", "+2m"}, []string{`--at "+2m"`, "after", "#11"}},
		{[]string{"--print", file, "--at", "2020-01-01T00:00:00Z"}, []string{`--at "2020-01-01T00:00:00Z"`, "before"}},
		{[]string{"--print", file, "--at", "soon"}, []string{`--at "soon"`}},
		{[]string{"--print", file, "--at", "#3", "--events", "2"}, []string{"--at", "--events"}},
		{[]string{"--print", "--at", "#3", "-"}, []string{"--at", "event file"}},
		{[]string{"--print", "--at", "#3", "ws://127.0.0.1:1/stream"}, []string{"--at", "event file"}},
		{[]string{file, "--at", "#3"}, []string{"--at goes with --print"}},
	})
}

// A file whose event times go back (a clock stepped back, a merged recording) is found by the
// latest event time so far, as :goto finds it: a time within the file is a moment of it even when
// the last message's own time is earlier.
func TestPrintAtTimeGoingBack(t *testing.T) {
	t.Parallel()
	const t0 = 1700000000000
	var b strings.Builder
	for i, ts := range []int64{t0, t0 + 10_000, t0 + 20_000, t0 - 50_000} {
		fmt.Fprintf(&b, `{"type":"ON_NEW_INTERACTION","agentId":"a.jones","ts":%d,"params":[{"interactionId":"c-%d","state":"delivered","type":"voice"}]}`+"\n", ts, i+1)
	}
	file := e2e.WriteFile(t, "back.jsonl", b.String())
	when := time.UnixMilli(t0 + 15_000).UTC().Format(time.RFC3339)
	if got, want := printAt(t, file, when, "--format", "json"), printAt(t, file, "#2", "--format", "json"); got != want {
		t.Errorf("--at %s:\n%s\nwant what --at #2 prints:\n%s", when, got, want)
	}
	wantRefused(t, []refusal{{[]string{"--print", file, "--at", "+1m"}, []string{`--at "+1m"`, "after"}}})
}
