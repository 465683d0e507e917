package jetlog

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestAppendFollowOrder: what is appended comes back in order, with its agent, session, data,
// sequence and time; a Follow from the middle starts there; a Follow keeps delivering new ones.
func TestAppendFollowOrder(t *testing.T) {
	t.Parallel()
	l := openLog(t, Config{})
	before := time.Now().Add(-time.Second)
	seqs := appendN(t, l, "a.jones", 50)
	for i, s := range seqs {
		if s != uint64(i+1) {
			t.Fatalf("append %d got seq %d, want %d", i, s, i+1)
		}
	}
	got := collect(t, l, 0, 50)
	for i, m := range got {
		want := fmt.Sprintf(`{"n":%d}`, i)
		if m.Seq != uint64(i+1) || m.Agent != "a.jones" || m.Session != "s1" || string(m.Data) != want {
			t.Fatalf("message %d: %+v, want seq %d data %s", i, m, i+1, want)
		}
		if m.Time.Before(before) || m.Time.After(time.Now().Add(time.Second)) {
			t.Fatalf("message %d time %v", i, m.Time)
		}
	}
	if mid := collect(t, l, 30, 1); mid[0].Seq != 30 {
		t.Fatalf("follow from 30 started at %d", mid[0].Seq)
	}
	// Live: a Follow from the next sequence gets what is appended after it started.
	done := make(chan []Msg)
	go func() { done <- collect(t, l, 51, 3) }()
	appendN(t, l, "", 3)
	live := <-done
	for i, m := range live {
		if m.Seq != uint64(51+i) || m.Agent != "" || m.Session != "s1" {
			t.Fatalf("live message %d: %+v", i, m)
		}
	}
}

// TestDuplicateIDDropped: a resend with the same id within the window is acknowledged as a
// duplicate with the first one's sequence and is not stored twice.
func TestDuplicateIDDropped(t *testing.T) {
	t.Parallel()
	l := openLog(t, Config{})
	ctx := testCtx(t)
	s1, dup, err := l.Append(ctx, Msg{Agent: "a", Data: []byte("x")}, "a\n7")
	if err != nil || dup {
		t.Fatal(s1, dup, err)
	}
	s2, dup, err := l.Append(ctx, Msg{Agent: "a", Data: []byte("x")}, "a\n7")
	if err != nil || !dup || s2 != s1 {
		t.Fatalf("resend: seq %d dup %v err %v, want seq %d dup", s2, dup, err, s1)
	}
	s3, dup, err := l.Append(ctx, Msg{Agent: "a", Data: []byte("y")}, "a\n8")
	if err != nil || dup || s3 != s1+1 {
		t.Fatalf("next: seq %d dup %v err %v", s3, dup, err)
	}
	got := collect(t, l, 1, 2)
	if string(got[0].Data) != "x" || string(got[1].Data) != "y" || got[1].Seq != s3 {
		t.Fatalf("stored %+v", got)
	}
	if st, err := l.State(ctx); err != nil || st.Messages != 2 || st.LastSeq != 2 {
		t.Fatalf("state %+v %v", st, err)
	}
}

// TestAgentIDsRoundTrip: agent ids and sessions of any bytes come back exactly, each under its
// own subject.
func TestAgentIDsRoundTrip(t *testing.T) {
	t.Parallel()
	l := openLog(t, Config{})
	long := strings.Repeat("long.agent ", 800) // 8,800 bytes: longer than a NATS control line
	ids := []string{"", "_", "a.b.c", "a b", "*", ">", "a.>", "x\r\nNats-Msg-Id: 1", "\xff\xfe", "ü.名前", "-", "a/b\\c", "\x00", long, long + "2"}
	for i, id := range ids {
		if _, _, err := l.Append(testCtx(t), Msg{Agent: id, Session: ids[len(ids)-1-i], Data: []byte(id)}, id+"#1"); err != nil {
			t.Fatalf("append %q: %v", id, err)
		}
	}
	got := collect(t, l, 1, len(ids))
	for i, m := range got {
		if m.Agent != ids[i] || m.Session != ids[len(ids)-1-i] || string(m.Data) != ids[i] {
			t.Fatalf("message %d: agent %q session %q data %q, want agent %q session %q", i, m.Agent, m.Session, m.Data, ids[i], ids[len(ids)-1-i])
		}
	}
	if agentSubject("") == agentSubject("_") || agentSubject("a.b") == agentSubject("a>b") || agentSubject(long) == agentSubject(long+"2") {
		t.Fatal("two agents share a subject")
	}
	// A long message id still drops a resend (of long+"#1" above), and only a resend.
	for id, want := range map[string]bool{long + "#1": true, long + "#2": false} {
		if _, dup, err := l.Append(testCtx(t), Msg{Agent: long}, id); err != nil || dup != want {
			t.Fatalf("append with a long id: dup %v err %v, want dup %v", dup, err, want)
		}
	}
}

// TestHostileSizes: a 1 MiB event and an empty one are stored and read back exactly.
func TestHostileSizes(t *testing.T) {
	t.Parallel()
	l := openLog(t, Config{})
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<16)
	for _, data := range [][]byte{big, {}, nil} {
		if _, _, err := l.Append(testCtx(t), Msg{Agent: "a", Session: "s", Data: data}, ""); err != nil {
			t.Fatalf("append %d bytes: %v", len(data), err)
		}
	}
	got := collect(t, l, 1, 3)
	if !bytes.Equal(got[0].Data, big) || len(got[1].Data) != 0 || len(got[2].Data) != 0 {
		t.Fatalf("read back %d, %d, %d bytes", len(got[0].Data), len(got[1].Data), len(got[2].Data))
	}
	// Larger than NATS carries: refused, saying so, and the log goes on.
	if _, _, err := l.Append(testCtx(t), Msg{Agent: "a", Data: make([]byte, 9<<20)}, ""); err == nil || !strings.Contains(err.Error(), "9437184 bytes") {
		t.Fatalf("append 9 MiB: %v", err)
	}
	if seq := appendN(t, l, "a", 1); seq[0] != 4 {
		t.Fatalf("append after a refused one: seq %d", seq[0])
	}
}

// TestFollowEnds: a Follow returns ctx's error when ctx ends, fn's when fn fails, and ErrClosed
// when the log closes; calls after Close return ErrClosed and a second Close is harmless.
func TestFollowEnds(t *testing.T) {
	t.Parallel()
	l := openLog(t, Config{})
	appendN(t, l, "a", 1)
	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan struct{})
	ended := make(chan error, 2)
	go func() {
		ended <- l.Follow(ctx, 1, func(Msg) error { close(started); return nil })
	}()
	<-started
	cancel()
	if err := <-ended; !errors.Is(err, context.Canceled) {
		t.Fatalf("follow after cancel: %v", err)
	}
	started = make(chan struct{})
	go func() {
		ended <- l.Follow(context.Background(), 1, func(Msg) error { close(started); return nil })
	}()
	<-started
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-ended; !errors.Is(err, ErrClosed) {
		t.Fatalf("follow after close: %v", err)
	}
	if err := l.Close(); err != nil {
		t.Fatalf("second close: %v", err)
	}
	if _, _, err := l.Append(context.Background(), Msg{}, ""); !errors.Is(err, ErrClosed) {
		t.Fatalf("append after close: %v", err)
	}
	if err := l.Follow(context.Background(), 1, func(Msg) error { return nil }); !errors.Is(err, ErrClosed) {
		t.Fatalf("follow after close: %v", err)
	}
}

// TestManyFollows: a hundred Follows at once (monitors asking for history) each get every
// message, old and new, and leave no consumer behind on the server when they end.
func TestManyFollows(t *testing.T) {
	t.Parallel()
	const follows, each = 100, 20
	l := openLog(t, Config{})
	appendN(t, l, "a", each/2)
	errs := make(chan error, follows)
	for range follows {
		go func() {
			next := uint64(1)
			errs <- l.Follow(testCtx(t), 1, func(m Msg) error {
				if m.Seq != next {
					return fmt.Errorf("got seq %d, want %d", m.Seq, next)
				}
				if next++; next > each {
					return errEnough
				}
				return nil
			})
		}()
	}
	appendN(t, l, "b", each/2)
	for range follows {
		if err := <-errs; !errors.Is(err, errEnough) {
			t.Fatal(err)
		}
	}
	info, err := l.st.stream.Info(testCtx(t))
	if err != nil || info.State.Consumers != 0 {
		t.Fatalf("%d consumers left behind (%v)", info.State.Consumers, err)
	}
}

// TestFollowBuffersBoundedBytes: a Follow whose fn is slow (a monitor reading history slowly)
// holds a bounded number of bytes of messages it has not been given yet, not followBatch of the
// largest messages (256 events of 1 MiB for each of the hub's history monitors).
func TestFollowBuffersBoundedBytes(t *testing.T) {
	t.Parallel()
	l := openLog(t, Config{})
	const n, size = 48, 1 << 20
	data := bytes.Repeat([]byte("x"), size)
	for i := range n {
		if _, _, err := l.Append(testCtx(t), Msg{Agent: "a1", Data: data}, ""); err != nil {
			t.Fatalf("append %d: %v", i, err)
		}
	}
	ctx, cancel := context.WithCancel(testCtx(t))
	defer cancel()
	started := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- l.Follow(ctx, 1, func(Msg) error {
			close(started)
			<-ctx.Done() // the reader is stuck on its first message
			return ctx.Err()
		})
	}()
	<-started
	time.Sleep(time.Second) // the client fetches what it may meanwhile
	var delivered uint64
	for info := range l.st.stream.ListConsumers(testCtx(t)).Info() {
		delivered = max(delivered, info.Delivered.Stream)
	}
	cancel()
	<-done
	if limit := uint64(2*l.nc.MaxPayload()/size) + 2; delivered > limit {
		t.Errorf("%d messages of 1 MiB delivered to a Follow stuck on the first; want at most %d", delivered, limit)
	}
}

// TestLogWritesAreOneAtATime: the Log's own lines (logf: a Follow's skipped message) and those its
// cluster watcher and NATS handlers write (to logTo of its Config) share one Logger, so that a
// writer that is not safe for concurrent use (here a bytes.Buffer) gets whole lines and no race
// (the race detector fails this test otherwise).
func TestLogWritesAreOneAtATime(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	l := openLog(t, Config{Log: &buf})
	const n = 200
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range n {
			l.st.logf("from logf %d", i)
		}
	}()
	for i := range n {
		logTo(l.cfg).Printf("from the watcher %d", i)
	}
	<-done
	l.Close() // nothing writes once it is closed
	var logf, watcher int
	for _, line := range strings.Split(buf.String(), "\n") {
		switch {
		case strings.HasPrefix(line, "from logf "):
			logf++
		case strings.HasPrefix(line, "from the watcher "):
			watcher++
		}
	}
	if logf != n || watcher != n {
		t.Errorf("%d logf lines and %d of the watcher's; want %d each:\n%s", logf, watcher, n, buf.String())
	}
}
