package feed

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/deskwatch/deskwatch/internal/synth"
	"github.com/deskwatch/deskwatch/internal/wstest"
	"github.com/deskwatch/deskwatch/model"
)

// benchEvents returns n generated events (cycled from at most 100,000) and their mean size.
func benchEvents(n int) ([][]byte, int64) {
	g := synth.NewGenerator(synth.GeneratorConfig{Seed: 1, Agents: 20})
	events := make([][]byte, min(n, 100_000))
	var total int64
	for i := range events {
		events[i], _ = g.Next()
		total += int64(len(events[i]))
	}
	return events, total / int64(max(len(events), 1))
}

// benchServer sends n events on each connection, at rate events per second (0: as fast as it
// can), recording when each was written in sent (nanoseconds since base).
func benchServer(b *testing.B, events [][]byte, n int, rate float64, base time.Time, sent []atomic.Int64) string {
	b.Helper()
	srv := wstest.ServeHTTP(b, false, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := (&websocket.Upgrader{WriteBufferSize: 64 << 10}).Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		start := time.Now()
		for i := range n {
			if rate > 0 {
				if wait := time.Until(start.Add(time.Duration(float64(i) / rate * float64(time.Second)))); wait > 0 {
					time.Sleep(wait)
				}
			}
			if sent != nil {
				sent[i].Store(int64(time.Since(base)))
			}
			if err := c.WriteMessage(websocket.TextMessage, events[i%len(events)]); err != nil {
				return
			}
		}
		wstest.Drain(c)
	}))
	return srv.WS
}

// BenchmarkWebSocketIngest measures end-to-end throughput from a loopback WebSocket server into the
// store: read, decode, apply.
func BenchmarkWebSocketIngest(b *testing.B) {
	events, size := benchEvents(b.N)
	url := benchServer(b, events, b.N, 0, time.Time{}, nil)
	store := model.NewStore()
	pump := NewPump(store, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	var got int
	b.SetBytes(size)
	b.ResetTimer()
	go NewWebSocket(url, WSOptions{}).Run(ctx, func(m Message) {
		pump.Handle(m)
		if got++; got == b.N {
			close(done)
		}
	})
	<-done
	b.StopTimer()
	if st := store.Snapshot().Stats; st.Rejected != 0 {
		b.Fatalf("%d rejected", st.Rejected)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkWebSocketLatency measures, at a steady rate, the time from the server writing a message
// to the store holding it, as percentiles. Each run sends at least 5 seconds of events (more when
// b.N asks for more), so that a p99 rests on thousands of messages: use -benchtime 1x.
func BenchmarkWebSocketLatency(b *testing.B) {
	for _, rate := range []float64{1000, 5000, 10000} {
		b.Run(fmt.Sprintf("rate=%.0f", rate), func(b *testing.B) {
			n := max(b.N, int(5*rate))
			events, _ := benchEvents(n)
			base := time.Now()
			sent := make([]atomic.Int64, n)
			url := benchServer(b, events, n, rate, base, sent)
			store := model.NewStore()
			pump := NewPump(store, nil)
			lat := make([]time.Duration, 0, n)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := make(chan struct{})
			b.ResetTimer()
			go NewWebSocket(url, WSOptions{}).Run(ctx, func(m Message) {
				pump.Handle(m)
				lat = append(lat, time.Since(base)-time.Duration(sent[m.Origin.Msg-1].Load()))
				if len(lat) == n {
					close(done)
				}
			})
			<-done
			b.StopTimer()
			slices.Sort(lat)
			b.ReportMetric(float64(n), "messages")
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
			b.ReportMetric(float64(lat[len(lat)-1].Microseconds()), "max-µs")
		})
	}
}
