package feed

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/internal/e2e"
)

// events builds a JSON Lines input with one event at each of the given ts offsets (ms) from base.
func events(base int64, offsets ...int64) string {
	var b strings.Builder
	for i, o := range offsets {
		fmt.Fprintf(&b, `{"type":"ON_LOGOUT","seq":%d,"ts":%d,"params":[]}`+"\n", i, base+o)
	}
	return b.String()
}

const base = int64(1700000000000)

// timedRun runs r in the background, recording when each message was emitted.
type timedRun struct {
	mu    sync.Mutex
	times []time.Time
	msgs  []Message
	done  chan error
}

func startRun(ctx context.Context, r *Replay) *timedRun {
	tr := &timedRun{done: make(chan error, 1)}
	go func() {
		tr.done <- r.Run(ctx, func(m Message) {
			tr.mu.Lock()
			defer tr.mu.Unlock()
			tr.times = append(tr.times, time.Now())
			tr.msgs = append(tr.msgs, m)
		})
	}()
	return tr
}

func (tr *timedRun) count() int {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return len(tr.msgs)
}

// waitFor polls until cond holds or a generous deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	if !e2e.Until(5*time.Second, time.Millisecond, cond) {
		t.Fatalf("timed out waiting for %s", what)
	}
}

func (tr *timedRun) wait(t *testing.T, within time.Duration) error {
	t.Helper()
	return e2e.Recv(t, tr.done, within, "end of the replay")
}

func TestReplayPacing(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		input    string
		speed    float64
		min, max time.Duration // bounds on the whole run
		clock    int64         // Now() at the end, ms after base
	}{
		// 4 gaps of 2 s at speed 100: 20 ms each.
		{"speed 100", events(base, 0, 2000, 4000, 6000, 8000), 100, 75 * time.Millisecond, time.Second, 8000},
		// Hour-long gaps at speed max: no waiting at all.
		{"speed max", events(base, 0, 3600e3, 7200e3, 10800e3), 0, 0, 50 * time.Millisecond, 10800e3},
		// A two-hour gap is capped at MaxGap (5 s) of event time: 50 ms at speed 100, not 72 s.
		{"gap capped", events(base, 0, 7200e3), 100, 45 * time.Millisecond, time.Second, 7200e3},
		// Lines without ts are not delayed; events going back in time are not waited for.
		{"no ts and backwards", events(base, 0) + "{\"type\":\"X\",\"params\":[]}\nnot json\n" +
			events(base, -60e3), 1, 0, 50 * time.Millisecond, -60e3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := NewReplay("f.jsonl", strings.NewReader(tc.input), 0, ReplayOptions{Speed: tc.speed})
			start := time.Now()
			tr := startRun(context.Background(), r)
			if err := tr.wait(t, 10*time.Second); err != nil {
				t.Fatal(err)
			}
			if el := time.Since(start); el < tc.min || el > tc.max {
				t.Errorf("replay took %v, want %v..%v", el, tc.min, tc.max)
			}
			if want := time.UnixMilli(base + tc.clock); !r.Now().Equal(want) {
				t.Errorf("Now() = %v after the end, want the last event time %v", r.Now(), want)
			}
			if tc.name == "speed 100" {
				for i := 1; i < len(tr.times); i++ {
					if gap := tr.times[i].Sub(tr.times[i-1]); gap < 15*time.Millisecond {
						t.Errorf("events %d and %d only %v apart, want ~20ms", i-1, i, gap)
					}
				}
			}
		})
	}
}

func TestReplayPauseBlocksEmission(t *testing.T) {
	t.Parallel()
	r := NewReplay("f.jsonl", strings.NewReader(events(base, 0, 1, 2)), 0, ReplayOptions{})
	r.TogglePause()
	tr := startRun(context.Background(), r)
	time.Sleep(50 * time.Millisecond)
	if n := tr.count(); n != 0 {
		t.Fatalf("paused replay emitted %d messages", n)
	}
	if st := r.Status(); st.State != StatePaused || !st.Paused {
		t.Errorf("status %q paused=%v, want paused", st.State, st.Paused)
	}
	r.TogglePause()
	if err := tr.wait(t, time.Second); err != nil || tr.count() != 3 {
		t.Fatalf("after resuming: err %v, %d messages, want 3", err, tr.count())
	}
}

func TestReplayPauseDuringWait(t *testing.T) {
	t.Parallel()
	// A 1 s gap at speed 10: 100 ms of waiting, paused after ~20 ms for 200 ms.
	r := NewReplay("f.jsonl", strings.NewReader(events(base, 0, 1000)), 0, ReplayOptions{Speed: 10})
	start := time.Now()
	tr := startRun(context.Background(), r)
	waitFor(t, "the first event", func() bool { return tr.count() == 1 })
	time.Sleep(20 * time.Millisecond)
	r.TogglePause()
	frozen := r.Now()
	time.Sleep(200 * time.Millisecond)
	if n := tr.count(); n != 1 {
		t.Fatalf("paused replay emitted %d messages, want 1", n)
	}
	if now := r.Now(); !now.Equal(frozen) {
		t.Errorf("clock moved while paused: %v -> %v", frozen, now)
	}
	if off := frozen.Sub(time.UnixMilli(base)); off < 100*time.Millisecond || off > 900*time.Millisecond {
		t.Errorf("clock paused %v after the first event, want ~200ms of event time", off)
	}
	r.TogglePause()
	if err := tr.wait(t, time.Second); err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el < 290*time.Millisecond {
		t.Errorf("replay took %v; the pause did not hold it up", el)
	}
}

func TestReplaySetSpeedDuringWait(t *testing.T) {
	t.Parallel()
	for _, speed := range []float64{0, 1000} {
		t.Run(fmt.Sprint(speed), func(t *testing.T) {
			t.Parallel()
			// A 4 s gap at speed 1; the speed changes after 50 ms.
			r := NewReplay("f.jsonl", strings.NewReader(events(base, 0, 4000)), 0, ReplayOptions{Speed: 1})
			tr := startRun(context.Background(), r)
			waitFor(t, "the first event", func() bool { return tr.count() == 1 })
			time.Sleep(50 * time.Millisecond)
			changed := time.Now()
			r.SetSpeed(speed)
			if err := tr.wait(t, 2*time.Second); err != nil {
				t.Fatal(err)
			}
			// Without the change it would come 4 s after the first; a loaded machine can delay it
			// a little, not by seconds.
			if d := tr.times[1].Sub(changed); d > 1500*time.Millisecond {
				t.Errorf("second event %v after SetSpeed(%v), want at once", d, speed)
			}
			if st := r.Status(); st.Speed != speed {
				t.Errorf("status speed %v, want %v", st.Speed, speed)
			}
		})
	}
}

func TestReplayCancelDuringWait(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	r := NewReplay("f.jsonl", strings.NewReader(events(base, 0, 4000)), 0, ReplayOptions{Speed: 1})
	tr := startRun(ctx, r)
	waitFor(t, "the first event", func() bool { return tr.count() == 1 })
	time.Sleep(20 * time.Millisecond)
	cancel()
	if err := tr.wait(t, time.Second); !errors.Is(err, context.Canceled) {
		t.Fatalf("Run returned %v, want context.Canceled", err)
	}
	if tr.count() != 1 || r.Status().State != StateStopped {
		t.Errorf("%d messages, state %q; want 1, stopped", tr.count(), r.Status().State)
	}

	// Cancelling a paused replay also ends it.
	ctx, cancel = context.WithCancel(context.Background())
	r = NewReplay("f.jsonl", strings.NewReader(events(base, 0)), 0, ReplayOptions{})
	r.TogglePause()
	tr = startRun(ctx, r)
	time.Sleep(20 * time.Millisecond)
	cancel()
	if err := tr.wait(t, time.Second); !errors.Is(err, context.Canceled) {
		t.Fatalf("paused Run returned %v, want context.Canceled", err)
	}
}

func TestReplayNowTracksEventTime(t *testing.T) {
	t.Parallel()
	r := NewReplay("f.jsonl", strings.NewReader(events(base, 0, 4000)), 0, ReplayOptions{Speed: 1})
	if d := time.Since(r.Now()); d < 0 || d > time.Second {
		t.Errorf("before any event Now() is %v from the wall clock, want the wall clock", d)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tr := startRun(ctx, r)
	waitFor(t, "the first event", func() bool { return tr.count() == 1 })
	tr.mu.Lock()
	emitted, first := tr.times[0], tr.msgs[0]
	tr.mu.Unlock()
	if m := first; !m.Received.Equal(time.UnixMilli(base)) && m.Received.Sub(time.UnixMilli(base)) > 50*time.Millisecond {
		t.Errorf("first message received at %v, want its event time", m.Received)
	}
	var prev time.Time
	for range 5 {
		time.Sleep(40 * time.Millisecond)
		now := r.Now()
		off := now.Sub(time.UnixMilli(base))
		real := time.Since(emitted)
		if off < 0 || off > 4*time.Second || off > real+20*time.Millisecond || off < real-150*time.Millisecond {
			t.Errorf("Now() is %v past the first event after %v of real time", off, real)
		}
		if now.Before(prev) {
			t.Errorf("clock went back: %v -> %v", prev, now)
		}
		prev = now
		if st := r.Status(); st.EventTime.Before(now) {
			t.Errorf("status event time %v behind Now() %v", st.EventTime, now)
		}
	}
}

// TestReplayControlsAreRaceFree calls every control and reader while a paced replay runs; run with
// -race.
func TestReplayControlsAreRaceFree(t *testing.T) {
	t.Parallel()
	offs := make([]int64, 200)
	for i := range offs {
		offs[i] = int64(i) * 10
	}
	r := NewReplay("f.jsonl", strings.NewReader(events(base, offs...)), 0, ReplayOptions{Speed: 50})
	tr := startRun(context.Background(), r)
	deadline := time.Now().Add(10 * time.Second)
	for i := 0; ; i++ {
		if time.Now().After(deadline) {
			t.Fatalf("replay stuck after %d messages", tr.count())
		}
		select {
		case err := <-tr.done:
			if err != nil || tr.count() != len(offs) {
				t.Fatalf("err %v, %d messages", err, tr.count())
			}
			return
		default:
		}
		_, _ = r.Status(), r.Now()
		switch i % 4 {
		case 0:
			r.SetSpeed(float64(100 + i%500))
		case 1, 2:
			r.TogglePause()
		}
		time.Sleep(time.Millisecond)
	}
}

// TestReplayStoppedSaysWhatItLeftUnread: a replay of a pipe stopped while a line is still arriving
// says how many bytes it received and did not apply, and after which line, with one worker or
// several; a replay stopped with nothing pending says nothing more.
func TestReplayStoppedSaysWhatItLeftUnread(t *testing.T) {
	t.Parallel()
	// One worker reads in Run's goroutine, and a read blocked on a pipe holds it: the monitor's
	// replays run with GOMAXPROCS workers.
	for _, workers := range []int{2, 4} {
		t.Run(fmt.Sprint("workers=", workers), func(t *testing.T) {
			t.Parallel()
			pr, pw := io.Pipe()
			defer pw.Close()
			ctx, cancel := context.WithCancel(context.Background())
			r := NewReplay("p", pr, 0, ReplayOptions{Workers: workers})
			tr := startRun(ctx, r)
			partial := `{"type":"ON_LOGOUT","agentId":"a1","ts":17000`
			sent := 0
			for _, s := range []string{events(base, 0), events(base, 1000), partial} {
				n, err := io.WriteString(pw, s)
				if err != nil {
					t.Fatal(err)
				}
				sent += n
			}
			waitFor(t, "two events", func() bool { return tr.count() == 2 && r.read.Load() == int64(sent) })
			cancel()
			if err := tr.wait(t, time.Second); !errors.Is(err, context.Canceled) {
				t.Fatalf("Run returned %v", err)
			}
			st := r.Status()
			want := fmt.Sprintf("%d bytes received after line 2 were not applied", len(partial))
			if st.State != StateStopped || st.Detail != want {
				t.Errorf("status %q %q, want stopped %q", st.State, st.Detail, want)
			}
		})
	}
	t.Run("nothing pending", func(t *testing.T) {
		t.Parallel()
		pr, pw := io.Pipe()
		defer pw.Close()
		ctx, cancel := context.WithCancel(context.Background())
		r := NewReplay("p", pr, 0, ReplayOptions{Workers: 2})
		tr := startRun(ctx, r)
		if _, err := io.WriteString(pw, events(base, 0)); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the event", func() bool { return tr.count() == 1 })
		cancel()
		_ = tr.wait(t, time.Second)
		if st := r.Status(); st.State != StateStopped || st.Detail != "" {
			t.Errorf("status %q %q, want stopped and nothing more", st.State, st.Detail)
		}
	})
}
