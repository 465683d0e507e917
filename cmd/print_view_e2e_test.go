package cmd_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/deskwatch/deskwatch/internal/e2e"
)

// floor.jsonl, by hand: Sales' c-1 waits 10 s, is answered and handled for 60 s; c-2 waits 35 s
// and hangs up unanswered; "=Billing"'s c-3 has waited 10 s when the file ends (at 100 s). So
// Sales has ASA 10, AHT 60 and a service level of 1 of 2 within 20 s; a.jones was ready 40 s and
// busy 60 s on a call that never recorded.
var wantServices = []map[string]any{
	{"service": "=Billing", "open": 1.0, "waiting": 1.0, "longest_wait_s": 10.0, "answered": 0.0,
		"abandoned": 0.0, "asa_s": nil, "aht_s": nil, "service_level_pct": nil, "transfers": 0.0, "target_s": 20.0},
	{"service": "Sales", "open": 0.0, "waiting": 0.0, "longest_wait_s": 0.0, "answered": 1.0,
		"abandoned": 1.0, "asa_s": 10.0, "aht_s": 60.0, "service_level_pct": 50.0, "transfers": 0.0, "target_s": 20.0},
}

func TestPrintServicesView(t *testing.T) {
	t.Parallel()
	file := fixture("floor.jsonl")
	out, errOut, code := e2e.Run(t, nil, "--print", "--view", "services", "--format", "json", file)
	var got []map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &got) != nil || !reflect.DeepEqual(got, wantServices) {
		t.Errorf("--view services --format json: exit %d, stderr %q\n%s\nwant %v", code, errOut, out, wantServices)
	}
	out, _, _ = e2e.Run(t, nil, "--print", "--view", "services", "--format", "csv", file)
	want := "service,open,waiting,longest_wait_s,answered,abandoned,asa_s,aht_s,service_level_pct,transfers,target_s\n" +
		"'=Billing,1,1,10,0,0,,,,0,20\n" + "Sales,0,0,0,1,1,10,60,50.0,0,20\n"
	if out != want {
		t.Errorf("--view services --format csv:\n%s\nwant (the formula neutralized, empty figures empty)\n%s", out, want)
	}
	out, _, _ = e2e.Run(t, nil, "--print", "--view", "services", "--filter", "sal", file)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "SERVICE  OPEN  WAITING  LONGEST  ANSWERED") ||
		!strings.HasPrefix(lines[1], "Sales  ") || !strings.Contains(lines[1], "1:00") ||
		!strings.HasPrefix(lines[2], "floor  ") {
		t.Errorf("--view services --filter sal: want the titles, Sales and the floor:\n%s", out)
	}
}

func TestPrintAgentsView(t *testing.T) {
	t.Parallel()
	out, errOut, code := e2e.Run(t, nil, "--print", "--view", "agents", "--window", "all", "--format", "json",
		fixture("floor.jsonl"))
	var got []map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &got) != nil || len(got) != 1 {
		t.Fatalf("--view agents --format json: exit %d, stderr %q\n%s", code, errOut, out)
	}
	want := map[string]any{"agent": "a.jones", "state": "ready", "in_state_s": 30.0, "logged_in_s": 100.0,
		"ready_s": 40.0, "not_ready_s": 0.0, "not_ready_by": map[string]any{}, "busy_s": 60.0, "acw_s": 0.0,
		"handled": 1.0, "aht_s": 60.0, "occupancy_pct": 60.0, "muted_s": 0.0, "unrecorded_voice_s": 60.0}
	if !reflect.DeepEqual(got[0], want) {
		t.Errorf("a.jones:\n got %v\nwant %v", got[0], want)
	}
}

// --view and --window are checked, and go with --print only, as --format does.
func TestPrintViewFlagsAreChecked(t *testing.T) {
	t.Parallel()
	file := fixture("floor.jsonl")
	wantRefused(t, []refusal{
		{[]string{"--print", "--view", "queues", file}, []string{`--view "queues": unknown view (want interactions, agents, services)`}},
		{[]string{"--print", "--view", "services", "--window", "1h", file}, []string{`--window "1h": unknown window (want rolling or all)`}},
		{[]string{"--view", "services", file}, []string{"--view goes with --print"}},
		{[]string{"--window", "all", file}, []string{"--window goes with --print"}},
	})
}

// The engine's hand-made day (model/testdata/floor/handmade.jsonl, whose story
// model/floor_handmade_test.go tells) through --print: the file ends at t0+550, so c6 has waited
// 550−540 = 10 s and a.jones has been ready since 505 (45 s), logged in 400 + 50 s, ready
// 30 + 25 + 45 s; the rest is as the story's figures at 600.
func TestPrintHandmadeDay(t *testing.T) {
	t.Parallel()
	file := filepath.Join(e2e.Root(), "model", "testdata", "floor", "handmade.jsonl")
	out, errOut, code := e2e.Run(t, nil, "--print", "--view", "services", "--window", "all", "--format", "json", file)
	compact := strings.Join(strings.Fields(out), "")
	want := `[{"service":"Billing","open":0,"waiting":0,"longest_wait_s":0,"answered":2,"abandoned":1,"asa_s":20,` +
		`"aht_s":67.5,"service_level_pct":33.3,"transfers":0,"target_s":20},{"service":"Sales","open":0,"waiting":0,` +
		`"longest_wait_s":0,"answered":1,"abandoned":1,"asa_s":5,"aht_s":75,"service_level_pct":50,"transfers":1,` +
		`"target_s":20},{"service":"Support","open":1,"waiting":1,"longest_wait_s":10,"answered":0,"abandoned":0,` +
		`"asa_s":null,"aht_s":null,"service_level_pct":null,"transfers":0,"target_s":20}]`
	if code != 0 || compact != want {
		t.Errorf("services: exit %d, stderr %q\n%s\nwant %s", code, errOut, compact, want)
	}
	out, _, _ = e2e.Run(t, nil, "--print", "--view", "agents", "--window", "all", "--format", "json", "--filter", "JONES", file)
	compact = strings.Join(strings.Fields(out), "")
	want = `[{"agent":"a.jones","state":"ready","in_state_s":45,"logged_in_s":450,"ready_s":100,"not_ready_s":185,` +
		`"not_ready_by":{"Lunch":185},"busy_s":105,"acw_s":50,"handled":2,"aht_s":67.5,"occupancy_pct":58.5,` +
		`"muted_s":10,"unrecorded_voice_s":30}]`
	if compact != want {
		t.Errorf("agents --filter JONES:\n%s\nwant %s", compact, want)
	}
}

// --filter keeps the figures views' names even when it is the same text as the configuration's
// filter (which is for interactions and does not apply to them).
func TestPrintViewFilterEqualToTheConfigs(t *testing.T) {
	t.Parallel()
	cfg := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(cfg, []byte("filter: Sales\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := e2e.Run(t, nil, "--config", cfg, "--print", "--view", "services", "--window", "all",
		"--format", "csv", "--filter", "Sales", fixture("floor.jsonl"))
	if code != 0 || strings.Contains(out, "Billing") || !strings.Contains(out, "Sales") {
		t.Errorf("--filter Sales under a configuration filtering Sales: exit %d, stderr %q\n%s", code, errOut, out)
	}
	out, _, _ = e2e.Run(t, nil, "--config", cfg, "--print", "--view", "services", "--window", "all",
		"--format", "csv", fixture("floor.jsonl"))
	if !strings.Contains(out, "Billing") {
		t.Errorf("the configuration's interactions filter kept services by name:\n%s", out)
	}
}
