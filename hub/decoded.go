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
// It is bounded: at most maxDecoded events wait; and one the apply loop never reads back (the
// log did not take it, or dropped it before the loop got there) is forgotten within two turns of
// decodedAge.
const (
	maxDecoded = 1 << 16
	decodedAge = 10 * time.Second
)

type decodedCache struct {
	seed maphash.Seed

	mu       sync.Mutex
	cur, old map[uint64]decodedEvent // the entries of this turn and of the last
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
	k := maphash.Bytes(c.seed, data)
	now := time.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if now.Sub(c.turned) >= decodedAge {
		c.old, c.cur, c.turned = c.cur, make(map[uint64]decodedEvent, len(c.cur)), now
	}
	if len(c.cur)+len(c.old) < maxDecoded {
		c.cur[k] = decodedEvent{data: data, ev: ev}
	}
}

// take returns the event put for data, and forgets it; ok is false when there is none (the event
// came from another hub's bridge, or was forgotten).
func (c *decodedCache) take(data []byte) (ev model.Event, ok bool) {
	k := maphash.Bytes(c.seed, data)
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, m := range [2]map[uint64]decodedEvent{c.cur, c.old} {
		if e, found := m[k]; found && bytes.Equal(e.data, data) {
			delete(m, k)
			c.hits++
			return e.ev, true
		}
	}
	return model.Event{}, false
}

// drop forgets the event put for data (the log did not take it).
func (c *decodedCache) drop(data []byte) {
	k := maphash.Bytes(c.seed, data)
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.cur, k)
	delete(c.old, k)
}
