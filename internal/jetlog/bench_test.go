package jetlog

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/internal/cputime"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// benchEvent is an event of a typical size (a state change with its fields, ~300 bytes).
var benchEvent = bytes.Repeat([]byte("x"), 300)

// fill stores n events straight through JetStream's asynchronous publish (faster than Append one
// by one, which waits for each acknowledgement): the set-up of the tests and benchmarks that read.
func fill(tb testing.TB, l *Log, n int) {
	tb.Helper()
	for i := range n {
		agent := fmt.Sprintf("agent.%d", i%500)
		// A stall of the default 200 ms (4,000 unacknowledged) fails under -race on a loaded machine.
		if _, err := l.js.PublishMsgAsync(&nats.Msg{Subject: agentSubject(agent), Data: benchEvent},
			jetstream.WithStallWait(testTimeout)); err != nil {
			tb.Fatal(err)
		}
	}
	select {
	case <-l.js.PublishAsyncComplete():
	case <-time.After(5 * testTimeout):
		tb.Fatal("asynchronous publish did not complete")
	}
}

// TestFollow100k: a Follow reads 100,000 messages in order without a gap. A Follow was once seen
// waiting in the client's Next for minutes with the stream full (under -race, on a loaded
// machine): its watchdog now ends it with ErrStalled, and this test follows again from the next
// message, as the hub's apply loop does, so that such a stall costs seconds and is logged.
func TestFollow100k(t *testing.T) {
	t.Parallel()
	const n = 100_000
	l := openLog(t, Config{})
	fill(t, l, n)
	next := uint64(1)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	for {
		err := l.Follow(ctx, next, func(m Msg) error {
			if m.Seq != next || m.Agent != fmt.Sprintf("agent.%d", (next-1)%500) || len(m.Data) != len(benchEvent) {
				return fmt.Errorf("message %d: seq %d agent %q", next, m.Seq, m.Agent)
			}
			if next++; next > n {
				return errEnough
			}
			return nil
		})
		if errors.Is(err, ErrStalled) {
			t.Logf("%v; following again from %d", err, next)
			continue
		}
		if err != errEnough {
			t.Fatalf("%v after %d of %d messages", err, next-1, n)
		}
		return
	}
}

// msgsPerSec reports b.N over the time the benchmark ran as msgs/s.
func msgsPerSec(b *testing.B) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkAppend stores one event at a time, each waiting for its acknowledgement, as the hub
// does for one bridge: the cost of durability per event.
func BenchmarkAppend(b *testing.B) {
	l := openLog(b, Config{})
	ctx := context.Background()
	b.ResetTimer()
	for i := range b.N {
		if _, _, err := l.Append(ctx, Msg{Agent: "a.jones", Session: "s1", Data: benchEvent}, fmt.Sprint("a.jones#", i)); err != nil {
			b.Fatal(err)
		}
	}
	msgsPerSec(b)
}

// BenchmarkAppendParallel stores events from many goroutines at once, as the hub does for many
// bridges.
func BenchmarkAppendParallel(b *testing.B) {
	l := openLog(b, Config{})
	ctx := context.Background()
	b.SetParallelism(16)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, _, err := l.Append(ctx, Msg{Agent: "a.jones", Session: "s1", Data: benchEvent}, ""); err != nil {
				b.Error(err)
				return
			}
		}
	})
	msgsPerSec(b)
}

// BenchmarkCorePublish is the baseline of BenchmarkAppend without durability: a plain core NATS
// publish on the same in-process connection, flushed at the end (nothing stored, nothing waited
// for per message).
func BenchmarkCorePublish(b *testing.B) {
	l := openLog(b, Config{})
	b.ResetTimer()
	for range b.N {
		if err := l.nc.Publish("bench.core", benchEvent); err != nil {
			b.Fatal(err)
		}
	}
	if err := l.nc.Flush(); err != nil {
		b.Fatal(err)
	}
	msgsPerSec(b)
}

// BenchmarkCoreRequest is the baseline with a round trip per message, as Append waits for its
// acknowledgement: a core NATS request to an in-process responder, nothing stored.
func BenchmarkCoreRequest(b *testing.B) {
	l := openLog(b, Config{})
	sub, err := l.nc.Subscribe("bench.req", func(m *nats.Msg) { m.Respond(nil) })
	if err != nil {
		b.Fatal(err)
	}
	defer sub.Unsubscribe()
	b.ResetTimer()
	for range b.N {
		if _, err := l.nc.Request("bench.req", benchEvent, testTimeout); err != nil {
			b.Fatal(err)
		}
	}
	msgsPerSec(b)
}

// BenchmarkFollow reads b.N stored events through one Follow (history replay).
func BenchmarkFollow(b *testing.B) {
	l := openLog(b, Config{})
	fill(b, l, b.N)
	b.ResetTimer()
	n := 0
	err := l.Follow(context.Background(), 1, func(Msg) error {
		if n++; n == b.N {
			return errEnough
		}
		return nil
	})
	if err != errEnough {
		b.Fatal(err)
	}
	msgsPerSec(b)
}

// BenchmarkTrimPurge drops the oldest 15% of a stream of 200,000 events in one purge, as trim
// does (by=sequence: up to a sequence, whole blocks at once), against a purge keeping a count
// (by=count: the file store goes message by message, a tombstone each). Each run purges a stream
// filled afresh, outside the timer; its blocks are still cached, unlike a hub's oldest.
//
//	go test -run '^$' -bench '^BenchmarkTrimPurge$' -benchtime 3x ./internal/jetlog/
func BenchmarkTrimPurge(b *testing.B) {
	const n = 200_000
	for _, by := range []string{"sequence", "count"} {
		b.Run("by="+by, func(b *testing.B) {
			for range b.N {
				b.StopTimer()
				l := openLog(b, Config{trimEvery: -1})
				fill(b, l, n)
				keep := uint64(n * trimTo)
				opt := jetstream.WithPurgeSequence(n - keep + 1)
				if by == "count" {
					opt = jetstream.WithPurgeKeep(keep)
				}
				b.StartTimer()
				if err := l.st.stream.Purge(context.Background(), opt); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				if st, err := l.State(context.Background()); err != nil || st.Messages != keep {
					b.Fatalf("after the purge: %d messages (%v), want %d", st.Messages, err, keep)
				}
				l.Close()
			}
		})
	}
}

// BenchmarkClusterStore is what three clustered hubs' logs spend to store an event and deliver it
// to a reader on each: b.N events of 860 bytes (a typical bridge event) added by 600 goroutines
// spread over the three, the stream on 3 replicas, one message an event (Append, as the hub stored
// them before it batched) or in batches (Add). cpu-µs/event is this process's CPU time (the three
// servers, their clients and the readers) per event; events/msg how many a stored message held.
func BenchmarkClusterStore(b *testing.B) {
	event := bytes.Repeat([]byte("x"), 860)
	for _, how := range []string{"append", "add"} {
		b.Run(how, func(b *testing.B) {
			cfgs := clusterConfigs(b, 3)
			logs, errs := openCluster(testCtx(b), cfgs)
			for i, l := range logs {
				if errs[i] != nil {
					b.Fatal(errs[i])
				}
				b.Cleanup(func() { l.Close() })
			}
			var read sync.WaitGroup
			for _, l := range logs {
				read.Go(func() {
					n := 0
					_ = l.Follow(testCtx(b), 1, func(Msg) error {
						if n++; n == b.N {
							return errEnough
						}
						return nil
					})
				})
			}
			var next atomic.Int64
			var add sync.WaitGroup
			cpu := cputime.Process()
			b.ResetTimer()
			for g := range 600 {
				add.Go(func() {
					l := logs[g%3]
					for i := next.Add(1); i <= int64(b.N); i = next.Add(1) {
						m := Msg{Agent: fmt.Sprint("agent.", i%5000), Session: "s1", Data: event}
						var err error
						if how == "append" {
							_, _, err = l.Append(context.Background(), m, fmt.Sprint("id", i))
						} else {
							_, err = l.Add(context.Background(), m)
						}
						if err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			add.Wait()
			read.Wait()
			b.StopTimer()
			b.ReportMetric(float64((cputime.Process()-cpu).Microseconds())/float64(b.N), "cpu-µs/event")
			st, err := logs[0].State(testCtx(b))
			if err == nil && st.Messages > 0 {
				b.ReportMetric(float64(b.N)/float64(st.Messages), "events/msg")
			}
		})
	}
}
