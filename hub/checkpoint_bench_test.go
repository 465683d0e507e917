package hub

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/klauspost/compress/s2"

	"github.com/deskwatch/deskwatch/internal/jetlog"
)

// benchFloor starts a hub on a real log (checkpoints due every every messages) and applies a floor
// of agents agents each logged in with an open call; apply applies one more message of the log,
// at the sequence after *seq.
func benchFloor(b *testing.B, agents int, every uint64) (h *Hub, seq *uint64, apply func(agent string, evSeq int64, typ, params string)) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	b.Cleanup(cancel)
	l, err := jetlog.Open(ctx, jetlog.Config{Dir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { l.Close() })
	h = New(Config{Log: &syncBuffer{}, EventLog: l, CheckpointEvery: int(every)})
	b.Cleanup(h.Close)
	if _, err := h.Start(ctx); err != nil {
		b.Fatal(err)
	}
	seq = new(uint64)
	apply = func(agent string, evSeq int64, typ, params string) {
		*seq++
		h.applyMsgs([]jetlog.Msg{{Seq: *seq, Time: time.Now(), Agent: agent, Session: "s1",
			Data: []byte(event(typ, agent, t0+evSeq, evSeq, params))}})
	}
	for a := range agents {
		agent := fmt.Sprintf("a%d", a)
		apply(agent, 1, "ON_LOGIN", fmt.Sprintf(`[{"isLoggedIn":true,"agentId":%q,"username":"u"}]`, agent))
		apply(agent, 2, "ON_NEW_INTERACTION", "["+interaction(agent+"-c1", "connected", "Sales")+"]")
	}
	return h, seq, apply
}

// BenchmarkApplyAtCheckpoint: the apply loop's time for the message at which a checkpoint comes
// due, on a floor of 1,000 agents each with an open call (the hub on a real log). The loop copies
// the floor there; the encoding and saving happen beside it (waited for outside the timer).
func BenchmarkApplyAtCheckpoint(b *testing.B) {
	const agents, every = 1000, 1 << 20
	h, seq, apply := benchFloor(b, agents, every)
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		*seq = uint64(i+1)*every - 1 // the next message is the checkpoint's
		b.StartTimer()
		apply("a0", int64(i+3), "ON_AGENT_STATE_CHANGE", `["ready"]`)
		b.StopTimer()
		h.lg.ckRunning.Wait()
		b.StartTimer()
	}
	b.StopTimer()
	// Each iteration's checkpoint is saved before the next comes due: the last is at b.N*every.
	if got, want := h.lg.ckSeq.Load(), uint64(b.N)*every; got < want {
		b.Fatalf("last checkpoint saved at seq %d, want %d", got, want)
	}
}

// BenchmarkCheckpointEncode: the CPU a checkpoint of 5,000 agents (each with an open call) costs
// to encode, apart from saving it: the work the hub that leads the stream does every
// CheckpointEvery messages. blob-MB and packed-MB are its size as encoded and as jetlog stores it
// (S2), outside the timer.
func BenchmarkCheckpointEncode(b *testing.B) {
	h, _, _ := benchFloor(b, 5000, 1<<40)
	h.mu.Lock()
	c := h.copyFloorLocked()
	h.mu.Unlock()
	var blob []byte
	b.ResetTimer()
	for range b.N {
		var err error
		if blob, err = h.encodeFloor(c); err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(len(blob)))
	}
	b.StopTimer()
	b.ReportMetric(float64(len(blob))/1e6, "blob-MB")
	b.ReportMetric(float64(len(s2.Encode(nil, blob)))/1e6, "packed-MB")
}
