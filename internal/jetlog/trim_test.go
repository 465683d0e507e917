package jetlog

import (
	"testing"
)

// TestTrimDropsTheOldestInOneStep: past trimAt of its size bound, trim drops the oldest messages
// in one purge down to about trimTo of it, keeping the newest; under trimAt it drops nothing.
func TestTrimDropsTheOldestInOneStep(t *testing.T) {
	t.Parallel()
	const bound = 64 << 10
	l := openLog(t, Config{HistoryBytes: bound, trimEvery: -1}) // trimmed here alone
	ctx := testCtx(t)
	appendN(t, l, "a", 10)
	if n, err := l.trim(ctx); n != 0 || err != nil {
		t.Fatalf("trim of a stream far under its bound dropped %d (%v)", n, err)
	}
	st := fillPastTrimAt(t, l, bound)
	n, err := l.trim(ctx)
	if err != nil {
		t.Fatal(err)
	}
	after, err := l.State(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("before %d messages, %d bytes; trim dropped %d; after %d messages, %d bytes, first %d", st.Messages, st.Bytes, n, after.Messages, after.Bytes, after.FirstSeq)
	if float64(after.Bytes) > (trimTo+0.02)*bound || float64(after.Bytes) < (trimTo-0.1)*bound {
		t.Errorf("after a trim the stream holds %d bytes, want about %.0f (%.0f%% of %d)", after.Bytes, trimTo*bound, 100*trimTo, bound)
	}
	if after.LastSeq != st.LastSeq || after.FirstSeq <= st.FirstSeq {
		t.Errorf("trim kept %d..%d of %d..%d: want the newest kept and the oldest gone", after.FirstSeq, after.LastSeq, st.FirstSeq, st.LastSeq)
	}
	if got := collect(t, l, 1, 1); got[0].Seq != after.FirstSeq {
		t.Errorf("follow from 1 started at %d, want the first kept %d", got[0].Seq, after.FirstSeq)
	}
}

// TestTrimRunsOnItsOwn: an open log trims itself within a few seconds of passing trimAt, before
// JetStream's own bound drops a message at a time.
func TestTrimRunsOnItsOwn(t *testing.T) {
	t.Parallel()
	const bound = 64 << 10
	l := openLog(t, Config{HistoryBytes: bound})
	ctx := testCtx(t)
	fillPastTrimAt(t, l, bound)
	waitFor(t, "the log to trim itself", func() bool {
		st, err := l.State(ctx)
		return err == nil && float64(st.Bytes) <= (trimTo+0.02)*bound
	})
}

// fillPastTrimAt appends to l, bounded at bound bytes, until it holds more than trimAt of them or
// has dropped its first message (trimmed already, by its own loop or JetStream's bound), and
// returns its state then.
func fillPastTrimAt(t *testing.T, l *Log, bound int64) State {
	t.Helper()
	for {
		appendN(t, l, "a", 50)
		st, err := l.State(testCtx(t))
		if err != nil {
			t.Fatal(err)
		}
		if float64(st.Bytes) > trimAt*float64(bound) || st.FirstSeq > 1 {
			return st
		}
	}
}
