package hub

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/internal/jetlog"
)

// Tests of a hub that starts again on a log that lost messages behind its back.

// checkpointAndCrash has first apply three events, save its checkpoint at seq 2 and crash, so that
// the log holds one message after the checkpoint.
func checkpointAndCrash(t *testing.T, first *logHub) {
	t.Helper()
	send(t, first.dial(t, "/ingest?session=s1", nil), deskEvents("a1", 3)...)
	first.waitApplied(t, 3)
	first.waitCheckpointed(t, 2)
	first.crash()
}

// startAgainOn starts a new hub on l (closed when the test ends) and returns what Start restored
// and its error.
func startAgainOn(t *testing.T, l *jetlog.Log) (Restored, error) {
	h, r, err := startOn(l, Config{Log: &syncBuffer{}}, nil)
	t.Cleanup(h.Close)
	return r, err
}

// waitAgedOut waits until l, opened with a one-second history, holds no message any more.
func waitAgedOut(t *testing.T, l *jetlog.Log) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		st, err := l.State(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if st.Messages == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the log still holds %d messages after 15s of a 1s history", st.Messages)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestLostLogBehindItsCheckpointIsRefused: the data directory's stream of events is lost (its
// files deleted while the hub was stopped) but its checkpoints are not. The stream made anew
// numbers its messages from 1 again, below the checkpoint: a hub that started on it would
// acknowledge every event and apply none. Start refuses, and says why.
func TestLostLogBehindItsCheckpointIsRefused(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	checkpointAndCrash(t, startLogHub(t, dir, Config{CheckpointEvery: 2}))
	if err := os.RemoveAll(filepath.Join(dir, "jetstream", "$G", "streams", jetlog.StreamName)); err != nil {
		t.Fatal(err)
	}
	l := openLog(t, dir)
	t.Cleanup(func() { _ = l.Close() })
	r, err := startAgainOn(t, l)
	if err == nil || !strings.Contains(err.Error(), "was lost or replaced") {
		t.Fatalf("Start on a log behind its checkpoint: restored %v, error %v; want it refused as lost", r, err)
	}
}

// TestStartAfterTheLogAgedOut: a hub stopped for longer than the history starts again on a log
// that holds no message at all (every one after its checkpoint aged out): the stream still ends
// at the last sequence it stored, and no message at or after it will come. Start restores the
// checkpoint and counts the rest lost rather than wait for one.
func TestStartAfterTheLogAgedOut(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	open := func() *jetlog.Log { return openLogConfig(t, jetlog.Config{Dir: dir, History: time.Second}) }
	first := startHubOnLog(t, open(), Config{CheckpointEvery: 2})
	first.ownsLog = true
	checkpointAndCrash(t, first)

	l := open()
	t.Cleanup(func() { _ = l.Close() })
	waitAgedOut(t, l)
	r, err := startAgainOn(t, l)
	if err != nil {
		t.Fatalf("Start on a log whose messages all aged out: %v (restored %v)", err, r)
	}
	if r.Checkpoint != 2 || r.Lost != 1 || r.Replayed != 0 {
		t.Errorf("restored %v; want the checkpoint at seq 2, 1 message lost, none replayed", r)
	}
}

// TestMessagesGoneBeforeTheHubReadThemAreSaid: a hub whose apply loop falls further behind than
// the history allows (held here while the log's one-second history ages out what it had not read
// yet) counts the messages it never applied in /metrics, says which in its log, and goes on with
// those that follow.
func TestMessagesGoneBeforeTheHubReadThemAreSaid(t *testing.T) {
	t.Parallel()
	l := openLogConfig(t, jetlog.Config{Dir: t.TempDir(), History: time.Second})
	t.Cleanup(func() { _ = l.Close() })
	lh := startHubOnLog(t, l, Config{})
	evs := deskEvents("a1", 1001)
	appendOne := func(e string) uint64 {
		t.Helper()
		seq, _, err := l.Append(t.Context(), jetlog.Msg{Agent: "a1", Data: []byte(e)}, "")
		if err != nil {
			t.Fatal(err)
		}
		return seq
	}
	lh.mu.Lock() // the apply loop waits at the first message it reads
	held := true
	defer func() {
		if held {
			lh.mu.Unlock()
		}
	}()
	var last uint64
	for _, e := range evs[:1000] { // far more than a Follow fetches ahead (followBatch)
		last = appendOne(e)
	}
	waitAgedOut(t, l)
	after := appendOne(evs[1000])
	lh.mu.Unlock()
	held = false
	lh.waitApplied(t, after)

	metrics, _ := lh.get(t, "/metrics")
	missed := metricValue(t, metrics, "deskwatch_hub_log_missed_total")
	if missed < 500 || missed > float64(last) {
		t.Errorf("log_missed_total = %v; want most of the %d messages the hub never read", missed, last)
	}
	line := lh.log.line(t, "never applied")
	if !strings.Contains(line, fmt.Sprintf("to %d (", last)) || !strings.Contains(line, "--history-size") {
		t.Errorf("the log's line on the messages never applied: %q; want them up to seq %d and why", line, last)
	}
}
