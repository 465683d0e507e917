package hub

import (
	"fmt"
	"slices"
	"testing"

	"github.com/deskwatch/deskwatch/model"
)

// TestOwnEventsAreNotDecodedAgain: the apply loop takes the events this hub's bridge sent from
// the hub's decoded events instead of decoding them again, decodes those another hub stored, and
// a monitor gets both alike, each once and in order.
func TestOwnEventsAreNotDecodedAgain(t *testing.T) {
	t.Parallel()
	l, th, live := watchedLogHub(t)
	send(t, th.dial(t, "/ingest", nil), deskEvents("a1", 4)...)
	addToLog(t, l, "b2", "s2", deskEvents("b2", 3)...) // another hub's bridge
	got := seqsOf(t, readRaw(t, live, 7))
	slices.Sort(got)
	if want := []string{"a1:1", "a1:2", "a1:3", "a1:4", "b2:1", "b2:2", "b2:3"}; !slices.Equal(got, want) {
		t.Errorf("monitor got %v, want %v", got, want)
	}
	expectSilence(t, live)
	c := th.lg.decoded
	c.mu.Lock()
	hits, left := c.hits, len(c.cur)+len(c.old)
	c.mu.Unlock()
	if hits != 4 || left != 0 {
		t.Errorf("the apply loop took %d events decoded at ingest (%d left), want a1's 4 (0 left)", hits, left)
	}
	// The floor is the same as if every event had been decoded from the log.
	sn := th.store.Snapshot()
	if len(sn.Agents) != 2 || len(sn.Rows) != 2 {
		t.Fatalf("floor: %d agents, %d rows; want 2 and 2", len(sn.Agents), len(sn.Rows))
	}
	for _, r := range sn.Rows {
		if want := map[string]string{"a1": "connected", "b2": "delivered"}[r.AgentID]; string(r.Data.State) != want {
			t.Errorf("%s's interaction is %q, want %q", r.AgentID, r.Data.State, want)
		}
	}
}

// TestDecodedCacheIsBounded: events never read back are forgotten within two turns, and no more
// than maxDecoded wait at once.
func TestDecodedCacheIsBounded(t *testing.T) {
	t.Parallel()
	c := newDecodedCache()
	for i := range maxDecoded + 10 {
		c.put(fmt.Appendf(nil, `{"n":%d}`, i), model.Event{})
	}
	if n := len(c.cur) + len(c.old); n != maxDecoded {
		t.Errorf("%d events wait, want at most %d", n, maxDecoded)
	}
	if _, ok := c.take([]byte(`{"n":1}`)); !ok {
		t.Error("an event put is not taken")
	}
	if _, ok := c.take([]byte(`{"n":1}`)); ok {
		t.Error("an event is taken twice")
	}
	c.turned = c.turned.Add(-decodedAge) // a turn
	c.put([]byte(`{"n":"new"}`), model.Event{})
	if _, ok := c.take([]byte(`{"n":2}`)); !ok {
		t.Error("an event of the last turn is not taken")
	}
	c.turned = c.turned.Add(-decodedAge) // and another: what was put two turns ago is forgotten
	c.put([]byte(`{"n":"newer"}`), model.Event{})
	if _, ok := c.take([]byte(`{"n":3}`)); ok {
		t.Error("an event put two turns ago is still kept")
	}
	if n := len(c.cur) + len(c.old); n != 2 {
		t.Errorf("%d events wait after two turns, want the 2 put since", n)
	}
}

// TestDecodedCacheBoundsBytes: no event over maxDecodedEvent is kept, nor more than
// maxDecodedBytes of events in all, and the bytes counted come back to nothing as events are taken,
// dropped or forgotten.
func TestDecodedCacheBoundsBytes(t *testing.T) {
	t.Parallel()
	c := newDecodedCache()
	big := make([]byte, maxDecodedEvent+1)
	c.put(big, model.Event{})
	if _, ok := c.take(big); ok {
		t.Error("an event over maxDecodedEvent was kept")
	}
	const size = 32 << 10
	var put [][]byte
	for i := range 2 * maxDecodedBytes / size {
		data := fmt.Appendf(make([]byte, 0, size), "%0*d", size, i)
		c.put(data, model.Event{})
		put = append(put, data)
	}
	if want := maxDecodedBytes / size; len(c.cur) != want || c.bytes != maxDecodedBytes {
		t.Errorf("%d events of %d bytes kept, %d bytes counted; want %d and %d", len(c.cur), size, c.bytes,
			want, maxDecodedBytes)
	}
	c.turned = c.turned.Add(-decodedAge)
	c.put([]byte(`{}`), model.Event{}) // a turn: what was put is old now
	c.drop(put[0])
	for _, data := range put[1:] {
		c.take(data)
	}
	c.take([]byte(`{}`))
	if c.bytes != 0 || c.oldBytes != 0 || len(c.cur)+len(c.old) != 0 {
		t.Errorf("after every event was taken: %d bytes (%d old), %d events", c.bytes, c.oldBytes, len(c.cur)+len(c.old))
	}
}
