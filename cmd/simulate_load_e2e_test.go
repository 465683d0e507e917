package cmd_test

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/deskwatch/deskwatch/internal/e2e"
)

// TestSimulateBridgesAndMonitors runs the real binary as 30 bridges over two real hubs (with an
// ingest token) and 4 monitors: every event is acknowledged, none is lost, the summary says so, and
// the record it takes at the source replays cleanly with every event in it.
func TestSimulateBridgesAndMonitors(t *testing.T) {
	t.Parallel()
	tok := tokenFile(t, "s3cret-ingest")
	_, a := startHubCmd(t, "--ingest-tokens", tok)
	_, b := startHubCmd(t, "--ingest-tokens", tok)
	rec := filepath.Join(t.TempDir(), "source.jsonl")
	ingest := e2e.WriteFile(t, "ingest.token", "s3cret-ingest\n")
	out, errOut, code := e2e.Run(t, nil, "simulate", "--bridges", "30", "--rate", "5", "--events", "300",
		"--to", "ws://"+a+"/ingest,ws://"+b+"/ingest", "--token-file", ingest, "--record", rec,
		"--monitors", "4", "--from", "ws://"+a+"/stream, ws://"+b+"/stream")
	if code != 0 {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^bridges: events 300, sent \d+, acked 300, resent 0, dropped 0, .*reconnects 0, failovers 0, dial errors 0$`),
		regexp.MustCompile(`(?m)^hubs: rejected 0 events while it ran$`),
		regexp.MustCompile(`(?m)^monitors: latency p50 \S+ p99 \S+ max \S+ over \d+ events, .* lost 0, skipped 0, repeated 0, connects 4, disconnects 0$`),
	} {
		if !want.MatchString(out) {
			t.Errorf("summary lacks %s:\n%s", want, out)
		}
	}
	if !strings.Contains(errOut, "deskwatch simulate: open files limit ") {
		t.Errorf("stderr does not say the open files limit:\n%s", errOut)
	}
	data := e2e.ReadFile(t, rec)
	if n := strings.Count(string(data), `"simSent":`); n != 300 {
		t.Errorf("record holds %d stamped events, want 300", n)
	}
	if out, errOut, code := e2e.Run(t, nil, "--print", rec); code != 0 || !strings.Contains(out, "AGENT") {
		t.Errorf("--print of the record: exit %d\n%s\n%s", code, out, errOut)
	}
}

// TestSimulateSaysWhatTheHubRejected: the hub acknowledges the events it rejects, so the bridges
// count them acknowledged; the summary reads the hub's /metrics before and after the run and says
// how many it rejected meanwhile, by reason (here a hub too small for the load: its memory bound).
func TestSimulateSaysWhatTheHubRejected(t *testing.T) {
	t.Parallel()
	_, addr := startHubCmd(t, "--max-memory", "32KiB")
	out, errOut, code := e2e.Run(t, nil, "simulate", "--bridges", "20", "--rate", "100", "--events", "600",
		"--to", "ws://"+addr+"/ingest")
	if code != 1 { // some events rejected, as a replay's exit status says
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	want := regexp.MustCompile(`(?m)^hubs: rejected [1-9]\d* events while it ran \((memory-cap \d+, )?memory-share \d+; ` +
		`the hubs' logs say which and why\)$`)
	if !want.MatchString(out) {
		t.Errorf("summary lacks %s:\n%s", want, out)
	}
	// Beside a hub that cannot be reached, the one that can is counted, and the summary says which was not.
	out, errOut, code = e2e.Run(t, nil, "simulate", "--bridges", "4", "--rate", "100", "--events", "100", "--connect-wait", "1s",
		"--to", "ws://127.0.0.1:1/ingest,ws://"+addr+"/ingest")
	if want := regexp.MustCompile(`(?m)^hubs: rejected \d+ events while it ran.*, counting the hubs whose /metrics could be ` +
		`read \(not: Get "http://127\.0\.0\.1:1/metrics": .*\)$`); code != 1 || !want.MatchString(out) {
		t.Errorf("exit %d, summary lacks %s:\n%s\n%s", code, want, out, errOut)
	}
	// Monitors on the hub's /ingest (a WebSocket too) receive nothing: the run fails and says so.
	_, errOut, code = e2e.Run(t, nil, "simulate", "--monitors", "1", "--from", "ws://"+addr+"/ingest", "--duration", "1s")
	if want := "the monitors received nothing (1 connected): is --from a hub's stream URL (…/stream)?"; code != 2 || !strings.Contains(errOut, want) {
		t.Errorf("monitors on /ingest: exit %d, %q; want 2 and %q", code, errOut, want)
	}
	// No hub at all: nothing is acknowledged, the run fails (exit 2) and says so, within --duration.
	out, errOut, code = e2e.Run(t, nil, "simulate", "--bridges", "2", "--events", "10", "--duration", "2s", "--drain", "0",
		"--to", "ws://127.0.0.1:1/ingest")
	if code != 2 || !strings.Contains(out, "hubs: rejections unknown (their /metrics: Get \"http://127.0.0.1:1/metrics\": ") ||
		!strings.Contains(errOut, "no event was acknowledged (0 sent, ") {
		t.Errorf("an unreachable hub: exit %d\n%s\n%s", code, out, errOut)
	}
}

func TestSimulateLoadFlagsSayWhy(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--bridges", "5"}, "--bridges needs --to"},
		{[]string{"--monitors", "5"}, "--monitors needs --from"},
		{[]string{"--bridges", "5", "--to", "ws://127.0.0.1:1/ingest,http://x/ingest"}, `--to: URL 1, "ws://127.0.0.1:1/ingest,http://x/ingest": another URL follows a comma`},
		{[]string{"--monitors", "5", "--from", "http://127.0.0.1:1/stream"}, `--from: URL 1, "http://127.0.0.1:1/stream": want ws://`},
		{[]string{"--bridges", "5", "--to", "ws://127.0.0.1:1/ingest", "--out", "f"}, "--out writes a file"},
		{[]string{"--record", "f"}, "--to and --record apply to --bridges"},
		// Absurd figures are refused rather than tried: a billion bridges filled memory, and a rate
		// whose interval rounds to nothing spun past --duration and SIGTERM alike.
		{[]string{"--bridges", "1000000000", "--to", "ws://127.0.0.1:1/ingest", "--duration", "1s"}, "at most 1000000 each"},
		{[]string{"--bridges", "1", "--to", "ws://127.0.0.1:1/ingest", "--rate", "1e308", "--duration", "1s"}, "at most 1000000"},
		{[]string{"--bridges", "1", "--to", "ws://127.0.0.1:1/ingest", "--rate", "NaN"}, "--rate NaN: want events per second"},
		{[]string{"--rate", "+Inf"}, "--rate +Inf: want events per second above 0, at most 1000000"},
		{[]string{"--bridges", "5", "--to", "ws://127.0.0.1:1/ingest", "--drop", "0.1"}, "--drop applies to the served stream, not to --bridges"},
		{[]string{"--monitors", "5", "--from", "ws://127.0.0.1:1/stream", "--agents", "9"}, "--agents applies to the served stream"},
		{[]string{"--monitors", "5", "--from", "ws://127.0.0.1:1/stream", "--monitor-team", "25"}, "--monitor-team needs --monitors and --bridges"},
		{[]string{"--bridges", "5", "--to", "ws://127.0.0.1:1/ingest", "--monitors", "5", "--from", "ws://127.0.0.1:1/stream",
			"--monitor-team", "300"}, "--monitor-team 300: want 1 to 256 agents"},
	} {
		_, errOut, code := e2e.Run(t, nil, append([]string{"simulate"}, tc.args...)...)
		if code == 0 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, stderr %q, want %q", tc.args, code, errOut, tc.want)
		}
	}
}
