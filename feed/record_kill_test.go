package feed

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/model"
)

// TestRecorderSurvivesKill records from a child process that is killed with SIGKILL: what it recorded
// until a second before must be on disk, and the file must replay with at most a truncated last line.
func TestRecorderSurvivesKill(t *testing.T) {
	if path := os.Getenv("DESKWATCH_RECORDER_CHILD"); path != "" {
		recordForever(path)
		return
	}
	t.Parallel()
	path := filepath.Join(t.TempDir(), "rec.jsonl")
	cmd := exec.Command(os.Args[0], "-test.run=^TestRecorderSurvivesKill$")
	cmd.Env = append(os.Environ(), "DESKWATCH_RECORDER_CHILD="+path)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2500 * time.Millisecond)
	killed := time.Now()
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()

	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	store := newTestStore()
	pump := NewPump(store, nil)
	var rejected []string
	pump.OnReject(func(o model.Origin, reason string) { rejected = append(rejected, o.String()+": "+reason) })
	var last Message
	r := NewReplay(path, f, 0, ReplayOptions{})
	err = r.Run(context.Background(), func(m Message) { last = m; pump.Handle(m) })
	if err != nil {
		t.Fatal(err)
	}
	sn := store.Snapshot()
	if sn.Stats.Events < 100 {
		t.Fatalf("only %d events survived the kill", sn.Stats.Events)
	}
	for i, rej := range rejected {
		if i < len(rejected)-1 || !last.Partial || !strings.Contains(rej, "truncated last line") {
			t.Errorf("unexpected rejection: %s", rej)
		}
	}
	// The child stamps each event with its wall time: the newest on disk is at most ~1 s old.
	var newest int64
	for _, a := range sn.Agents {
		newest = max(newest, a.LastEvent.UnixMilli())
	}
	if lost := killed.Sub(time.UnixMilli(newest)); lost > 1500*time.Millisecond {
		t.Errorf("the kill lost the last %v of events, want at most about a second", lost)
	}
}

// recordForever is the child of TestRecorderSurvivesKill: it records events stamped with the wall
// clock, a few hundred a second, until it is killed.
func recordForever(path string) {
	rec, err := NewRecorder(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	for i := 0; ; i++ {
		d := fmt.Sprintf(`{"type":"ON_AGENT_STATE_CHANGE","agentId":"a%d","ts":%d,"params":["ready"],"pad":"%s"}`,
			i%5, time.Now().UnixMilli(), strings.Repeat("p", i%300))
		rec.Record(Message{Data: []byte(d), Received: time.Now()})
		time.Sleep(2 * time.Millisecond)
	}
}
