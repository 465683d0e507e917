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
)

// What the hub load benchmarks read from the processes they run: `deskwatch simulate`'s progress
// lines, each hub's /proc figures and each hub's /metrics counters.

// loadProgress is one of `deskwatch simulate --bridges … --monitors …`'s progress lines, printed
// every 10 s: the bridges' counts so far, the monitors' latency over the last 10 s alone.
type loadProgress struct {
	at                                           time.Time // when the benchmark saw the line
	events, acked, bridgeDropped, bridges        int64
	monitors, timed, lost, repeated, disconnects int64
	p50, p99, max                                time.Duration
}

var progressLine = regexp.MustCompile(`^bridges: events (\d+), sent \d+, acked (\d+), resent \d+, dropped (\d+), ` +
	`connected (\d+), .*; monitors (\d+) connected, latency p50 (\S+) p99 (\S+) max (\S+) over (\d+) events, ` +
	`.*lost (\d+), repeated (\d+), disconnects (\d+)$`)

func parseProgress(line string) (loadProgress, bool) {
	m := progressLine.FindStringSubmatch(line)
	if m == nil {
		return loadProgress{}, false
	}
	n := func(i int) int64 { v, _ := strconv.ParseInt(m[i], 10, 64); return v }
	d := func(i int) time.Duration { v, _ := time.ParseDuration(m[i]); return v }
	return loadProgress{at: time.Now(), events: n(1), acked: n(2), bridgeDropped: n(3), bridges: n(4),
		monitors: n(5), p50: d(6), p99: d(7), max: d(8), timed: n(9), lost: n(10), repeated: n(11),
		disconnects: n(12)}, true
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
// the log not applied); applyLag, the messages of its log not yet applied to its floor.
type hubFigures struct{ losses, applyLag int64 }

var (
	hubLossMetrics = regexp.MustCompile(`(?m)^deskwatch_hub_(?:subscriber_drops_total|events_rejected_total|log_refused_total)(?:\{[^}]*\})? (\S+)$`)
	hubApplyLag    = regexp.MustCompile(`(?m)^deskwatch_hub_log_apply_lag (\S+)$`)
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
	if m := hubApplyLag.FindStringSubmatch(string(page)); m != nil {
		v, _ := strconv.ParseFloat(m[1], 64)
		f.applyLag = int64(v)
	}
	return f
}
