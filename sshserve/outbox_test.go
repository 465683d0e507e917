package sshserve

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/internal/e2e"
)

// gate is a client that accepts nothing until opened, then takes everything.
type gate struct {
	open chan struct{}
	e2e.Buffer
}

func (g *gate) Write(p []byte) (int, error) {
	<-g.open
	return g.Buffer.Write(p)
}

// stallRecorder collects onStall calls.
type stallRecorder struct {
	mu   sync.Mutex
	whys []string
}

func (r *stallRecorder) stall(why string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.whys = append(r.whys, why)
}

func (r *stallRecorder) get() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.whys...)
}

// While the client reads nothing, writes are taken until the next would make more than the limit
// wait; that write fails, the stall is reported once, and the server never held more than the limit.
func TestOutboxBoundsWhatWaits(t *testing.T) {
	const limit = 64 << 10
	g := &gate{open: make(chan struct{})}
	var rec stallRecorder
	o := newOutbox(g, limit, time.Hour, rec.stall)
	chunk := bytes.Repeat([]byte("x"), 10<<10)
	taken := 0
	var err error
	for range 100 {
		if _, err = o.Write(chunk); err != nil {
			break
		}
		taken += len(chunk)
	}
	if err == nil || !strings.Contains(err.Error(), "client stalled") {
		t.Fatalf("after %d bytes: err %v, want a stall", taken, err)
	}
	if taken > limit || taken < limit-len(chunk) {
		t.Errorf("took %d bytes before the stall, want within a chunk below %d", taken, limit)
	}
	if _, err := o.Write([]byte("more")); err == nil {
		t.Error("a write after the stall succeeded")
	}
	if whys := rec.get(); len(whys) != 1 || !strings.Contains(whys[0], fmt.Sprintf("the limit of %d", limit)) {
		t.Errorf("stalls reported: %q", whys)
	}
	if _, peak := o.stats(); peak > limit {
		t.Errorf("held %d bytes, more than the limit %d", peak, limit)
	}
	close(g.open)
	o.Close(wait)
}

// A client that reads gets everything, in order, by the time Close returns; one that is merely
// slow is never dropped.
func TestOutboxDeliversInOrder(t *testing.T) {
	g := &gate{open: make(chan struct{})}
	var rec stallRecorder
	o := newOutbox(g, 1<<20, time.Hour, rec.stall)
	var want strings.Builder
	for i := range 2000 {
		line := fmt.Sprintf("frame %d %s\n", i, strings.Repeat("=", i%200))
		want.WriteString(line)
		if _, err := o.Write([]byte(line)); err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
		if i == 500 {
			close(g.open) // the client starts reading late
		}
	}
	o.Close(wait)
	if got := g.String(); got != want.String() {
		t.Errorf("the client got %d bytes, want %d in order", len(got), want.Len())
	}
	if sent, _ := o.stats(); sent != int64(want.Len()) {
		t.Errorf("sent %d, want %d", sent, want.Len())
	}
	if _, err := o.Write([]byte("late")); err == nil {
		t.Error("a write after Close succeeded")
	}
	if whys := rec.get(); len(whys) != 0 {
		t.Errorf("a reading client was reported stalled: %q", whys)
	}
}

// A client that accepts nothing of a small output for the write timeout is reported stalled,
// though the limit is far away.
func TestOutboxWriteTimeout(t *testing.T) {
	g := &gate{open: make(chan struct{})}
	defer close(g.open)
	var rec stallRecorder
	o := newOutbox(g, 1<<20, 50*time.Millisecond, rec.stall)
	if _, err := o.Write([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, wait, "the stall", func() bool { return len(rec.get()) == 1 })
	if why := rec.get()[0]; !strings.Contains(why, "accepted no output for 50ms") {
		t.Errorf("why %q", why)
	}
}
