package hub

import (
	"bytes"
	"hash/maphash"
	"sync"
	"time"

	"github.com/deskwatch/deskwatch/model"
)

// With a log, a bridge's event is decoded twice on the hub that took it: once to check it before
// it is stored, and again when the apply loop reads it back from the log. decodedCache keeps the
// checked event until the apply loop comes to it, so that the loop decodes only the events of the
// other hubs' bridges (in a cluster of three, a third fewer decodes on every hub).
//
// It is bounded: at most maxDecoded events, of maxDecodedBytes in all, wait, none larger than
// maxDecodedEvent (an apply loop far behind would otherwise hold in memory what the log holds on
// disk); one the apply loop never reads back (the log did not take it, or dropped it before the
// loop got there) is forgotten within two turns of decodedAge. An event not kept is decoded again.
const (
	maxDecoded      = 1 << 16
	maxDecodedBytes = 16 << 20
	maxDecodedEvent = 64 << 10
	decodedAge      = 10 * time.Second
)

type decodedCache struct {
	seed maphash.Seed

	mu       sync.Mutex
	cur, old map[uint64]decodedEvent // the entries of this turn and of the last
	bytes    int                     // the size of their events
	oldBytes int                     // of that, old's
	turned   time.Time               // when cur was started
	hits     int                     // events the apply loop took from here (tests)
}

type decodedEvent struct {
	data []byte
	ev   model.Event
}

func newDecodedCache() *decodedCache {
	return &decodedCache{seed: maphash.MakeSeed(), cur: make(map[uint64]decodedEvent), turned: time.Now()}
}

// put keeps ev, decoded from data (as the log will hold it), for take.
func (c *decodedCache) put(data []byte, ev model.Event) {
	if len(data) > maxDecodedEvent {
		return
	}
	k := maphash.Bytes(c.seed, data)
	now := time.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if now.Sub(c.turned) >= decodedAge {
		c.bytes -= c.oldBytes
		c.old, c.cur, c.turned = c.cur, make(map[uint64]decodedEvent, len(c.cur)), now
		c.oldBytes = c.bytes
	}
	if len(c.cur)+len(c.old) >= maxDecoded || c.bytes+len(data) > maxDecodedBytes {
		return
	}
	if e, ok := c.cur[k]; ok { // the same bytes again, or another event with their hash
		c.bytes -= len(e.data)
	}
	c.cur[k] = decodedEvent{data: data, ev: ev}
	c.bytes += len(data)
}

// take returns the event put for data, and forgets it; ok is false when there is none (the event
// came from another hub's bridge, or was forgotten).
func (c *decodedCache) take(data []byte) (ev model.Event, ok bool) {
	k := maphash.Bytes(c.seed, data)
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, m := range [2]map[uint64]decodedEvent{c.cur, c.old} {
		if e, found := m[k]; found && bytes.Equal(e.data, data) {
			c.forget(m, k, i == 1)
			c.hits++
			return e.ev, true
		}
	}
	return model.Event{}, false
}

// forget deletes m's entry k (m is c.old when old); c.mu is held.
func (c *decodedCache) forget(m map[uint64]decodedEvent, k uint64, old bool) {
	e, ok := m[k]
	if !ok {
		return
	}
	delete(m, k)
	c.bytes -= len(e.data)
	if old {
		c.oldBytes -= len(e.data)
	}
}

// drop forgets the event put for data (the log did not take it).
func (c *decodedCache) drop(data []byte) {
	k := maphash.Bytes(c.seed, data)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.forget(c.cur, k, false)
	c.forget(c.old, k, true)
}
