package jetlog

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
)

// stallingIter passes the real reader's messages through until it has passed after of them, then
// blocks in Next, as the client's reader once did with the stream full of messages it had not
// delivered, until it is stopped.
type stallingIter struct {
	msgIter
	after   int
	passed  int
	blocked chan time.Time // receives when Next starts blocking
	stopped chan struct{}
	stop    sync.Once
}

func stallAfter(n int) (*stallingIter, func(msgIter) msgIter) {
	s := &stallingIter{after: n, blocked: make(chan time.Time, 1), stopped: make(chan struct{})}
	return s, func(it msgIter) msgIter { s.msgIter = it; return s }
}

func (s *stallingIter) Next(opts ...jetstream.NextOpt) (jetstream.Msg, error) {
	if s.passed == s.after {
		select {
		case s.blocked <- time.Now(): // the first time only: a stopped reader no longer blocks
		default:
		}
		<-s.stopped
		return s.msgIter.Next(opts...) // stopped: the reader's own error
	}
	s.passed++
	return s.msgIter.Next(opts...)
}

// Stop stops the real reader before it lets a blocked Next go on: released first, that Next could
// be handed a message the real reader had buffered and come back to block again, for good.
func (s *stallingIter) Stop() {
	s.msgIter.Stop()
	s.stop.Do(func() { close(s.stopped) })
}

// stallLog opens a log whose Follows are taken for stalled after stall; asks counts the times its
// watchdogs went to ask the stream (long waits they looked into).
func stallLog(t *testing.T, stall time.Duration) (l *Log, asks *atomic.Uint64) {
	t.Helper()
	l = openLog(t, Config{})
	l.st.stallAfter = stall
	asks = new(atomic.Uint64)
	l.st.beforeAsk = func() { asks.Add(1) }
	return l, asks
}

// TestFollowStallIsCaughtAndResumed: a Follow whose reader delivers nothing while the stream
// holds messages past the last one delivered returns ErrStalled once the stall period has passed,
// saying where; /metrics counts it; following again from the next sequence delivers the rest in
// order, without a gap.
func TestFollowStallIsCaughtAndResumed(t *testing.T) {
	t.Parallel()
	const stall = 3 * time.Second
	l, _ := stallLog(t, stall)
	seqs := appendN(t, l, "a.jones", 10)
	it, wrap := stallAfter(5)
	l.st.wrapIter = wrap
	var got []uint64
	err := l.Follow(testCtx(t), 1, func(m Msg) error {
		got = append(got, m.Seq)
		return nil
	})
	if !errors.Is(err, ErrStalled) {
		t.Fatalf("follow of a stalled reader: %v; want %v", err, ErrStalled)
	}
	t.Log(err)
	select {
	case at := <-it.blocked:
		if waited := time.Since(at); waited < stall {
			t.Errorf("taken for stalled after %s; want %s or more", waited, stall)
		}
	default:
		t.Fatal("the reader never blocked")
	}
	for _, want := range []string{"after seq 5 ", "up to seq 10"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("stall error %q does not say %q", err, want)
		}
	}
	if !slices.Equal(got, seqs[:5]) {
		t.Fatalf("before the stall: %v; want %v", got, seqs[:5])
	}
	if n := counted(t, l, "deskwatch_hub_log_follow_stalls_total"); n != 1 {
		t.Errorf("/metrics counts %v stalls; want 1", n)
	}
	l.st.wrapIter = nil // the next Follow's reader is the client's own
	var rest []uint64
	for _, m := range collect(t, l, got[len(got)-1]+1, 5) {
		rest = append(rest, m.Seq)
	}
	if !slices.Equal(rest, seqs[5:]) {
		t.Errorf("following again: %v; want %v", rest, seqs[5:])
	}
}

// TestFollowStallAfterQuiet: a reader that waits on a quiet stream, the watchdog having asked it
// and let it be, and then delivers nothing of the messages that come is taken for stalled.
func TestFollowStallAfterQuiet(t *testing.T) {
	t.Parallel()
	l, asks := stallLog(t, 3*time.Second)
	appendN(t, l, "a.jones", 3)
	_, wrap := stallAfter(3)
	l.st.wrapIter = wrap
	ended := make(chan error, 1)
	go func() { ended <- l.Follow(testCtx(t), 1, func(Msg) error { return nil }) }()
	waitFor(t, "the watchdog to look into the quiet", func() bool {
		return asks.Load() >= 1 || len(ended) > 0
	})
	appendN(t, l, "b.khan", 2)
	select {
	case err := <-ended:
		if !errors.Is(err, ErrStalled) || !strings.Contains(err.Error(), "after seq 3 while the stream holds up to seq 5") {
			t.Errorf("follow of a reader stalled after a quiet: %v; want %v after seq 3, up to seq 5", err, ErrStalled)
		}
	case <-time.After(testTimeout):
		t.Fatal("a reader stalled after a quiet was not taken for stalled")
	}
}

// TestFollowMessageStoredAsAskedIsNoStall: a message stored just as the watchdog asks the stream,
// and handed to the reader a moment after the answer, is no stall: the watchdog declares one only
// on an answer a quarter period old. (Declared on the answer itself, this Follow ended with
// ErrStalled while the message was on its way.)
func TestFollowMessageStoredAsAskedIsNoStall(t *testing.T) {
	t.Parallel()
	const stall, handover = 4 * time.Second, 200 * time.Millisecond
	l, asks := stallLog(t, stall)
	seqs := appendN(t, l, "a.jones", 3)
	stored := make(chan error, 1)
	var once sync.Once
	count := l.st.beforeAsk
	l.st.beforeAsk = func() {
		count()
		once.Do(func() {
			_, _, err := l.Append(testCtx(t), Msg{Agent: "b.khan", Session: "s1", Data: []byte(`{}`)}, "")
			stored <- err
		})
	}
	l.st.wrapIter = func(it msgIter) msgIter {
		return &slowHandover{msgIter: it, after: seqs[len(seqs)-1], wait: handover}
	}
	got, ended, cancel := followAside(t, l)
	defer cancel()
	for _, want := range seqs {
		if seq := next(t, got, ended); seq != want {
			t.Fatalf("delivered seq %d; want %d", seq, want)
		}
	}
	if err := <-stored; err != nil {
		t.Fatalf("append as the watchdog asks: %v", err)
	}
	if seq := next(t, got, ended); seq != seqs[len(seqs)-1]+1 {
		t.Fatalf("after the ask: seq %d; want %d", seq, seqs[len(seqs)-1]+1)
	}
	waitFor(t, "the watchdog to look into the next long wait", func() bool {
		return asks.Load() >= 2 || len(ended) > 0
	})
	cancel()
	if err := <-ended; !errors.Is(err, context.Canceled) {
		t.Errorf("follow ended with %v; want %v", err, context.Canceled)
	}
	if n := l.st.followStalls.Load(); n != 0 {
		t.Errorf("%d stalls counted; want none", n)
	}
}

// slowHandover hands the reader's messages past sequence after over wait late, as a busy client
// does a message that reached it just as the watchdog asked the stream.
type slowHandover struct {
	msgIter
	after uint64
	wait  time.Duration
}

func (s *slowHandover) Next(opts ...jetstream.NextOpt) (jetstream.Msg, error) {
	m, err := s.msgIter.Next(opts...)
	if err == nil {
		if meta, merr := m.Metadata(); merr == nil && meta.Sequence.Stream > s.after {
			time.Sleep(s.wait) // the slow handover is what is tested, not a wait for a condition
		}
	}
	return m, err
}

// TestFollowSlowFnIsNoStall: time spent in fn is not a wait for the next message: an fn that
// takes three stall periods over one message, while the stream holds more, does not trip the
// watchdog.
func TestFollowSlowFnIsNoStall(t *testing.T) {
	t.Parallel()
	const stall = 2 * time.Second
	l, _ := stallLog(t, stall)
	seqs := appendN(t, l, "a.jones", 3)
	var got []uint64
	err := l.Follow(testCtx(t), 1, func(m Msg) error {
		if got = append(got, m.Seq); len(got) == 1 {
			time.Sleep(3 * stall) // the slow fn is what is tested, not a wait for a condition
		}
		if len(got) == len(seqs) {
			return errEnough
		}
		return nil
	})
	if !errors.Is(err, errEnough) || !slices.Equal(got, seqs) {
		t.Fatalf("follow with a slow fn: %v after %v; want %v after %v", err, got, errEnough, seqs)
	}
	if n := l.st.followStalls.Load(); n != 0 {
		t.Errorf("%d stalls counted; want none", n)
	}
}

// TestFollowQuietStreamIsNoStall: a Follow that waits on a stream holding nothing past what it
// delivered is not stalled, however long the wait: its watchdog asks the stream and lets it be,
// and the Follow delivers the next message when it comes.
func TestFollowQuietStreamIsNoStall(t *testing.T) {
	t.Parallel()
	l, asks := stallLog(t, time.Second)
	seqs := appendN(t, l, "a.jones", 3)
	got, ended, cancel := followAside(t, l)
	defer cancel()
	for _, want := range seqs {
		if seq := next(t, got, ended); seq != want {
			t.Fatalf("delivered seq %d; want %d", seq, want)
		}
	}
	waitFor(t, "the watchdog to look into two long waits", func() bool {
		return asks.Load() >= 2 || len(ended) > 0
	})
	select {
	case err := <-ended:
		t.Fatalf("follow of a quiet stream ended: %v", err)
	default:
	}
	more := appendN(t, l, "b.khan", 1)
	if seq := next(t, got, ended); seq != more[0] {
		t.Errorf("after the quiet: seq %d; want %d", seq, more[0])
	}
	cancel()
	if err := <-ended; !errors.Is(err, context.Canceled) {
		t.Errorf("follow ended with %v; want %v", err, context.Canceled)
	}
	if n := l.st.followStalls.Load(); n != 0 {
		t.Errorf("%d stalls counted; want none", n)
	}
}

// followAside runs a Follow of l from sequence 1 in another goroutine: the sequences it delivers
// come on got, its error on ended once cancel (or the test's end) stops it.
func followAside(t *testing.T, l *Log) (got chan uint64, ended chan error, cancel context.CancelFunc) {
	ctx, cancel := context.WithCancel(testCtx(t))
	got, ended = make(chan uint64, 10), make(chan error, 1)
	go func() {
		ended <- l.Follow(ctx, 1, func(m Msg) error { got <- m.Seq; return nil })
	}()
	return got, ended, cancel
}

// next is the next sequence a Follow running in another goroutine delivered to got; the test
// fails if it ends (with its error on ended) or times out first.
func next(t *testing.T, got <-chan uint64, ended <-chan error) uint64 {
	t.Helper()
	select {
	case seq := <-got:
		return seq
	case err := <-ended:
		t.Fatalf("follow ended: %v", err)
	case <-time.After(testTimeout):
		t.Fatal("timed out waiting for a message")
	}
	return 0
}

// counted is the value of the counter name among the log's figures for /metrics.
func counted(t *testing.T, l *Log, name string) float64 {
	t.Helper()
	reg := prometheus.NewRegistry()
	reg.MustRegister(l.ClusterCollector())
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() == name && len(f.GetMetric()) == 1 {
			return f.GetMetric()[0].GetCounter().GetValue()
		}
	}
	t.Fatalf("no counter %s among %d families", name, len(fams))
	return 0
}

// TestFollowEndsWhileAnotherWatchdogAsks: a Follow whose ctx ends returns at once, though its
// watchdog is waiting for its turn to ask the stream behind another's question (to a stream that
// does not answer, which takes requestTimeout, one watchdog after the other).
func TestFollowEndsWhileAnotherWatchdogAsks(t *testing.T) {
	t.Parallel()
	l, asks := stallLog(t, time.Second)
	appendN(t, l, "a.jones", 1)
	l.st.lastSeq.turn <- struct{}{} // another watchdog's question, unanswered
	defer func() { <-l.st.lastSeq.turn }()
	got, ended, cancel := followAside(t, l)
	defer cancel()
	if seq := next(t, got, ended); seq != 1 {
		t.Fatalf("delivered seq %d; want 1", seq)
	}
	waitFor(t, "the watchdog to look into the quiet", func() bool { return asks.Load() >= 1 })
	cancel()
	select {
	case err := <-ended:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("follow ended with %v; want %v", err, context.Canceled)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the follow did not return while its watchdog waited for its turn to ask")
	}
}
