package jetlog

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

// testTimeout bounds every wait in these tests: generous, for a loaded 2-core machine.
const testTimeout = 60 * time.Second

// openLog opens a log in cfg.Dir (a new temporary directory when "") and closes it when the test
// ends.
func openLog(t testing.TB, cfg Config) *Log {
	t.Helper()
	if cfg.Dir == "" && cfg.NATS == "" {
		cfg.Dir = t.TempDir()
	}
	l, err := Open(testCtx(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

// appendN appends n events for agent, numbered from 0 in their data, and returns their sequences.
func appendN(t testing.TB, l *Log, agent string, n int) []uint64 {
	t.Helper()
	seqs := make([]uint64, n)
	for i := range n {
		seq, dup, err := l.Append(testCtx(t), Msg{Agent: agent, Session: "s1", Data: fmt.Appendf(nil, `{"n":%d}`, i)}, "")
		if err != nil || dup {
			t.Fatalf("append %d: seq %d dup %v err %v", i, seq, dup, err)
		}
		seqs[i] = seq
	}
	return seqs
}

// errEnough ends a Follow that has what it wanted.
var errEnough = errors.New("enough")

// collect follows l from from until it has n messages.
func collect(t testing.TB, l *Log, from uint64, n int) []Msg {
	t.Helper()
	var got []Msg
	if n == 0 {
		return nil
	}
	err := l.Follow(testCtx(t), from, func(m Msg) error {
		got = append(got, m)
		if len(got) == n {
			return errEnough
		}
		return nil
	})
	if !errors.Is(err, errEnough) {
		t.Fatalf("follow from %d: %v after %d messages of %d", from, err, len(got), n)
	}
	return got
}

// waitFor polls cond until it holds or the test times out.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(testTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
