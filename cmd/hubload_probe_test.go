package cmd_test

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/internal/e2e"
	"github.com/deskwatch/deskwatch/sim"
)

// What the hub load benchmarks read from the processes they run: `deskwatch simulate`'s progress
// lines, each hub's /proc figures and each hub's /metrics counters.

// loadProgress is one of `deskwatch simulate --bridges … --monitors …`'s progress lines, printed
// every 10 s: the bridges' counts so far, the monitors' latency over the last 10 s alone.
type loadProgress struct {
	at                                    time.Time // when the benchmark saw the line
	events, acked, bridgeDropped, bridges int64
	monitors, timed, late, lost, repeated int64
	disconnects                           int64
	p50, p99, max                         time.Duration
}

// progressFields are the figures of a progress line, "bridges: events N, …, connected N, …;
// monitors: latency p50 D p99 D max D over N events, …", found by name wherever they stand.
var progressFields = regexp.MustCompile(`\b(events|acked|dropped|connected|p50|p99|max|late|lost|repeated|disconnects) (\S+?),?(?: |$)|over (\d+) events`)

func parseProgress(line string) (loadProgress, bool) {
	bridges, monitors, ok := strings.Cut(line, "; monitors: ")
	if !strings.HasPrefix(bridges, "bridges: ") || !ok {
		return loadProgress{}, false
	}
	pl := loadProgress{at: time.Now()}
	for part, fields := range map[string]map[string]any{
		bridges: {"events": &pl.events, "acked": &pl.acked, "dropped": &pl.bridgeDropped, "connected": &pl.bridges},
		monitors: {"p50": &pl.p50, "p99": &pl.p99, "max": &pl.max, "over": &pl.timed, "late": &pl.late, "lost": &pl.lost,
			"repeated": &pl.repeated, "connected": &pl.monitors, "disconnects": &pl.disconnects},
	} {
		for _, m := range progressFields.FindAllStringSubmatch(part, -1) {
			name, value := m[1], m[2]
			if m[3] != "" {
				name, value = "over", m[3]
			}
			switch p := fields[name].(type) {
			case *int64:
				*p, _ = strconv.ParseInt(value, 10, 64)
			case *time.Duration:
				*p, _ = time.ParseDuration(value)
			}
		}
	}
	return pl, true
}

// progressReader hands out simulate's progress lines in order, each once.
type progressReader struct {
	p    *e2e.Process
	seen int
}

// next waits up to timeout for the next progress line, failing the benchmark with the output if
// none comes or the simulator exits.
func (r *progressReader) next(b *testing.B, timeout time.Duration) loadProgress {
	b.Helper()
	deadline := time.Now().Add(timeout)
	for {
		out := r.p.Output()
		var lines []loadProgress
		for _, line := range strings.Split(out[:strings.LastIndexByte(out, '\n')+1], "\n") {
			if pl, ok := parseProgress(line); ok {
				lines = append(lines, pl)
			}
		}
		if len(lines) > r.seen {
			r.seen++
			return lines[r.seen-1]
		}
		select {
		case <-r.p.Done():
			b.Fatalf("simulate exited (%v) before progress line %d:\n%s", r.p.Err(), r.seen+1, tail(out, 4000))
		default:
		}
		if time.Now().After(deadline) {
			b.Fatalf("no progress line %d from simulate in %v:\n%s", r.seen+1, timeout, tail(out, 4000))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func tail(s string, n int) string { return s[max(0, len(s)-n):] }

// clockTicks is the unit of /proc/PID/stat's CPU times (USER_HZ, 100 on Linux).
const clockTicks = 100

// procCPU is the user and system CPU time process pid has used, from /proc/PID/stat.
func procCPU(b *testing.B, pid int) time.Duration {
	b.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Fatal(err)
	}
	// The command name, field 2, is in parentheses and may hold spaces: count from after it.
	f := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+1:]))
	utime, _ := strconv.ParseInt(f[11], 10, 64) // field 14 of the line
	stime, _ := strconv.ParseInt(f[12], 10, 64) // field 15
	return time.Duration(utime+stime) * time.Second / clockTicks
}

// procRSS is process pid's resident memory in bytes, from /proc/PID/status (0 once it is gone).
func procRSS(pid int) int64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// hubFigures is what the benchmarks read of a hub's /metrics: losses, the sum of its counters of
// what it did not deliver (monitors cut off for being slow, bridges' messages refused, messages of
// the log not applied); applyLag, the messages of its log not yet applied to its floor; stalls,
// its log's readers stopped by their watchdog.
type hubFigures struct{ losses, applyLag, stalls int64 }

var (
	hubLossMetrics = regexp.MustCompile(`(?m)^deskwatch_hub_(?:subscriber_drops_total|events_rejected_total|log_refused_total)(?:\{[^}]*\})? (\S+)$`)
	hubApplyLag    = regexp.MustCompile(`(?m)^deskwatch_hub_log_apply_lag (\S+)$`)
	hubStalls      = regexp.MustCompile(`(?m)^deskwatch_hub_log_follow_stalls_total (\S+)$`)
)

func hubCounters(b *testing.B, addr string) hubFigures {
	b.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	page, err := io.ReadAll(resp.Body)
	if err != nil {
		b.Fatal(err)
	}
	var f hubFigures
	for _, m := range hubLossMetrics.FindAllStringSubmatch(string(page), -1) {
		v, _ := strconv.ParseFloat(m[1], 64)
		f.losses += int64(v)
	}
	for re, to := range map[*regexp.Regexp]*int64{hubApplyLag: &f.applyLag, hubStalls: &f.stalls} {
		if m := re.FindStringSubmatch(string(page)); m != nil {
			v, _ := strconv.ParseFloat(m[1], 64)
			*to = int64(v)
		}
	}
	return f
}

// TestParseProgress holds the benchmarks' reading of simulate's progress line to the line sim
// writes: a change of its words fails here, not after minutes of load.
func TestParseProgress(t *testing.T) {
	t.Parallel()
	line := "bridges: " + sim.BridgeStats{Events: 900, Acked: 890, Dropped: 3, Connected: 5000}.String() + "; " +
		sim.MonitorStats{Connected: 200, Timed: 12345, Late: 99, Lost: 7, Repeated: 2, Disconnects: 1,
			P50: 1500 * time.Microsecond, P99: 80 * time.Millisecond, Max: 2 * time.Second}.String()
	got, ok := parseProgress(line)
	got.at = time.Time{}
	want := loadProgress{events: 900, acked: 890, bridgeDropped: 3, bridges: 5000, monitors: 200, timed: 12345,
		late: 99, lost: 7, repeated: 2, disconnects: 1, p50: 1500 * time.Microsecond, p99: 80 * time.Millisecond, max: 2 * time.Second}
	if !ok || got != want {
		t.Errorf("parseProgress(%q)\n= %+v, %v\nwant %+v", line, got, ok, want)
	}
	if _, ok := parseProgress("deskwatch simulate: 5000 of 5000 bridges connected in 3s; events start"); ok {
		t.Error("a line other than progress was read as progress")
	}
}
