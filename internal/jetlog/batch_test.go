package jetlog

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

// TestAddBatchesAndFollowDeliversEachEventOnce: events added at once from many goroutines (as a
// hub's bridge connections add them) share stored messages, and Follow delivers every one once,
// byte for byte (agents and sessions that a subject could not hold, invalid UTF-8, an agent id
// longer than a subject token), each with its message's Seq; FollowBatches delivers a message's
// events together.
func TestAddBatchesAndFollowDeliversEachEventOnce(t *testing.T) {
	t.Parallel()
	const adders, each = 64, 20
	l := openLog(t, Config{})
	agent := func(g int) string {
		switch g % 4 {
		case 0:
			return ""
		case 1:
			return fmt.Sprintf("a.%d > *\xff", g)
		case 2:
			return strings.Repeat("L", 300) + fmt.Sprint(g)
		}
		return fmt.Sprintf("agent %d", g)
	}
	var wg sync.WaitGroup
	for g := range adders {
		wg.Go(func() {
			for i := range each {
				m := Msg{Agent: agent(g), Session: fmt.Sprintf("s\x00%d", g), Data: fmt.Appendf(nil, `{"g":%d,"i":%d}`, g, i)}
				if _, err := l.Add(testCtx(t), m); err != nil {
					t.Errorf("add %d of %d: %v", i, g, err)
					return
				}
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	next := make([]int, adders) // each adder's events come in its order
	seen, lastSeq := 0, uint64(0)
	shared := false
	err := l.Follow(testCtx(t), 1, func(m Msg) error {
		var g, i int
		if _, err := fmt.Sscanf(string(m.Data), `{"g":%d,"i":%d}`, &g, &i); err != nil {
			return fmt.Errorf("data %q: %v", m.Data, err)
		}
		if m.Agent != agent(g) || m.Session != fmt.Sprintf("s\x00%d", g) || i != next[g] {
			return fmt.Errorf("event %d of %d: agent %q session %q, want %q, event %d", i, g, m.Agent, m.Session, agent(g), next[g])
		}
		if m.Seq < lastSeq {
			return fmt.Errorf("seq %d after %d", m.Seq, lastSeq)
		}
		shared = shared || m.Seq == lastSeq
		next[g]++
		lastSeq = m.Seq
		if seen++; seen == adders*each {
			return errEnough
		}
		return nil
	})
	if !errors.Is(err, errEnough) {
		t.Fatalf("follow: %v after %d of %d events", err, seen, adders*each)
	}
	if !shared || l.st.batches.Load() >= adders*each || l.st.batched.Load() != adders*each {
		t.Errorf("%d events in %d batches (shared %v): want fewer batches than events", l.st.batched.Load(), l.st.batches.Load(), shared)
	}
	var batches, events uint64
	err = l.FollowBatches(testCtx(t), 1, func(ms []Msg) error {
		for _, m := range ms {
			if m.Seq != ms[0].Seq {
				return fmt.Errorf("one message's events with seqs %d and %d", ms[0].Seq, m.Seq)
			}
		}
		batches++
		if events += uint64(len(ms)); events == adders*each {
			return errEnough
		}
		return nil
	})
	if !errors.Is(err, errEnough) || batches != lastSeq {
		t.Fatalf("FollowBatches: %v, %d messages, want %d", err, batches, lastSeq)
	}
}

// TestAddStoresALargeEventAlone: an event larger than a batch holds is stored as a message of its
// own, as Append stores one, and reads back whole.
func TestAddStoresALargeEventAlone(t *testing.T) {
	t.Parallel()
	l := openLog(t, Config{})
	big := bytes.Repeat([]byte("b"), batchMaxBytes+1)
	seq, err := l.Add(testCtx(t), Msg{Agent: "a1", Session: "s1", Data: big})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := l.st.stream.GetMsg(testCtx(t), seq)
	if err != nil {
		t.Fatal(err)
	}
	if raw.Header.Get(batchHeader) != "" || raw.Subject != agentSubject("a1") {
		t.Errorf("stored on %s with header %v; want alone on the agent's subject", raw.Subject, raw.Header)
	}
	if got := collect(t, l, seq, 1)[0]; !bytes.Equal(got.Data, big) || got.Agent != "a1" || got.Session != "s1" {
		t.Errorf("read back agent %q session %q, %d bytes", got.Agent, got.Session, len(got.Data))
	}
}

// TestAddGivesUpWithItsCaller: an Add whose context ends returns at once, and a closed log refuses
// one; neither leaves an event waiting for ever.
func TestAddGivesUpWithItsCaller(t *testing.T) {
	t.Parallel()
	l := openLog(t, Config{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := l.Add(ctx, Msg{Agent: "a1", Data: []byte("{}")}); !errors.Is(err, context.Canceled) {
		t.Errorf("add with an ended context: %v, want context.Canceled", err)
	}
	if _, err := l.Add(testCtx(t), Msg{Agent: "a1", Data: []byte("{}")}); err != nil {
		t.Fatal(err)
	}
	l.Close()
	if _, err := l.Add(testCtx(t), Msg{Agent: "a1", Data: []byte("{}")}); !errors.Is(err, ErrClosed) {
		t.Errorf("add to a closed log: %v, want ErrClosed", err)
	}
}

// TestForeignBatchIsSkipped: a message on the stream that claims to be a batch and is not one (a
// foreign publisher on an external NATS, a damaged store) is skipped with a line saying which and
// why, and the events after it are delivered.
func TestForeignBatchIsSkipped(t *testing.T) {
	t.Parallel()
	logged := &strings.Builder{}
	var mu sync.Mutex
	l := openLog(t, Config{Log: writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return logged.Write(p)
	})})
	for _, bad := range []struct{ version, data string }{
		{batchVersion, "\x05ab"},       // a length past the end
		{batchVersion, ""},             // no events
		{"2", "\x01a\x01s\x02{}"},      // a version this log does not read
		{batchVersion, "\xff\xff\xff"}, // not a length at all
	} {
		nm := &nats.Msg{Subject: SubjectPrefix + batchToken, Data: []byte(bad.data), Header: nats.Header{batchHeader: []string{bad.version}}}
		if _, err := l.js.PublishMsg(testCtx(t), nm); err != nil {
			t.Fatal(err)
		}
	}
	seq, err := l.Add(testCtx(t), Msg{Agent: "a1", Session: "s1", Data: []byte(`{"ok":1}`)})
	if err != nil {
		t.Fatal(err)
	}
	if got := collect(t, l, 1, 1)[0]; got.Seq != seq || string(got.Data) != `{"ok":1}` {
		t.Errorf("first event delivered: seq %d %q, want seq %d", got.Seq, got.Data, seq)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, want := range []string{"skipped stream message 1: not a batch of events: event 1", "skipped stream message 2: not a batch of events: no events",
		`skipped stream message 3: a batch of version "2"`, "skipped stream message 4: not a batch of events"} {
		if !strings.Contains(logged.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, logged)
		}
	}
}

type writerFunc func(p []byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// FuzzDecodeBatch: any bytes decode to events or to an error, never a panic, and events encoded
// decode to themselves.
func FuzzDecodeBatch(f *testing.F) {
	f.Add([]byte("\x02a1\x02s1\x02{}"), "a", "s", []byte("{}"))
	f.Add([]byte("\x00\x00\x00"), "", "", []byte(nil))
	f.Add([]byte("\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01"), "\xff", "s\x00", []byte("\xfe"))
	f.Fuzz(func(t *testing.T, raw []byte, agent, session string, data []byte) {
		if ms, err := decodeBatch(raw, 7, time.Unix(1, 0)); err == nil {
			for _, m := range ms {
				if m.Seq != 7 || len(m.Data) > len(raw) {
					t.Fatalf("decoded %+v from %d bytes", m, len(raw))
				}
			}
		}
		in := []*added{{m: Msg{Agent: agent, Session: session, Data: data}}, {m: Msg{Agent: session, Data: raw}}}
		ms, err := decodeBatch(encodeBatch(in), 1, time.Time{})
		if err != nil || len(ms) != 2 {
			t.Fatalf("decode of an encoded batch: %v, %d events", err, len(ms))
		}
		for i, m := range ms {
			w := in[i].m
			if m.Agent != w.Agent || m.Session != w.Session || !bytes.Equal(m.Data, w.Data) {
				t.Fatalf("event %d: %+v, want %+v", i, m, w)
			}
		}
	})
}
