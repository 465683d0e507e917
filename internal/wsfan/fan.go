package wsfan

import (
	"sync"
	"time"
)

// Snapshots says how a Fan takes the snapshot new subscribers get before the live messages.
type Snapshots[S any] struct {
	// Take returns the stream's state now; the fan calls it holding the server's lock.
	Take func() S
	// Current reports whether the last snapshot taken is still the stream's state, so that a new
	// subscriber may share it; nil: a snapshot is never shared.
	Current func(S) bool
	// Interval is the least time between two snapshots: a subscriber that joins sooner, while the
	// last is no longer current, waits for the next with the others that join meanwhile.
	Interval time.Duration
}

// Slow says how a subscriber past one of its bounds is dropped: the close code and reason. It is
// called holding the server's lock.
type Slow func(o *Overflow) (code int, reason string)

// Fan is the subscribers of one stream, carrying messages of type M, each sent a snapshot of type
// S first. It shares the server's lock: the server broadcasts holding it, and the fan takes each
// snapshot and registers its subscriber for the live messages holding it, so that the first live
// message a subscriber receives is the first one after its snapshot.
type Fan[M, S any] struct {
	mu   sync.Locker
	snap Snapshots[S]
	slow Slow

	subs    map[*Subscriber[M]]struct{}            // every subscriber receiving live messages
	every   map[*Subscriber[M]]struct{}            // those of subs without Keys: they receive every message
	byKey   map[string]map[*Subscriber[M]]struct{} // those of subs with Keys, under each of their keys
	waiting map[*Subscriber[M]]chan S              // subscribers waiting for the next snapshot
	cur     S
	curAt   time.Time // when cur was taken; zero before the first
	closed  bool
	joined  map[*Subscriber[M]]struct{} // every subscriber that joined, until it leaves
	left    sync.WaitGroup              // counts joined
}

// NewFan returns a fan guarded by mu, the server's lock, whose subscribers get snapshots as snap
// says and are dropped as slow says.
func NewFan[M, S any](mu sync.Locker, snap Snapshots[S], slow Slow) *Fan[M, S] {
	return &Fan[M, S]{mu: mu, snap: snap, slow: slow, subs: make(map[*Subscriber[M]]struct{}),
		every: make(map[*Subscriber[M]]struct{}), byKey: make(map[string]map[*Subscriber[M]]struct{}),
		waiting: make(map[*Subscriber[M]]chan S), joined: make(map[*Subscriber[M]]struct{})}
}

// Subscribe joins sub to the stream. The channel returned delivers its snapshot once sub is
// registered for the live messages (at once, or at the next snapshot); the caller writes it, then
// drains the queue, and calls Leave when the connection ends. Subscribe reports false, and sub
// has not joined, once the fan is closed.
func (f *Fan[M, S]) Subscribe(sub *Subscriber[M]) (<-chan S, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return nil, false
	}
	f.joined[sub] = struct{}{}
	f.left.Add(1) // under the lock with closed false, so never concurrent with Wait after Close
	ch := make(chan S, 1)
	if len(f.waiting) > 0 {
		f.waiting[sub] = ch
		return ch, true
	}
	if f.curAt.IsZero() || f.snap.Current == nil || !f.snap.Current(f.cur) {
		if wait := f.snap.Interval - time.Since(f.curAt); wait > 0 {
			f.waiting[sub] = ch
			time.AfterFunc(wait, f.release)
			return ch, true
		}
		f.takeLocked()
	}
	f.registerLocked(sub, ch)
	return ch, true
}

// takeLocked makes the stream's state now the one new subscribers get.
func (f *Fan[M, S]) takeLocked() {
	if f.curAt.IsZero() || f.snap.Current == nil || !f.snap.Current(f.cur) {
		f.cur = f.snap.Take()
	}
	f.curAt = time.Now()
}

func (f *Fan[M, S]) registerLocked(sub *Subscriber[M], ch chan S) {
	f.routeLocked(sub)
	ch <- f.cur
}

// JoinLocked joins sub to the live messages from the next one broadcast, without a snapshot: for a
// subscriber the server has brought up to date itself (a monitor that read the history to where the
// stream is now). The caller holds the server's lock, so that no message falls between. It reports
// false once the fan is closed. sub leaves with Leave, as one that subscribed.
func (f *Fan[M, S]) JoinLocked(sub *Subscriber[M]) bool {
	if f.closed {
		return false
	}
	f.joined[sub] = struct{}{}
	f.left.Add(1)
	f.routeLocked(sub)
	return true
}

// routeLocked registers sub for the live messages of its keys (every message without Keys).
func (f *Fan[M, S]) routeLocked(sub *Subscriber[M]) {
	f.subs[sub] = struct{}{}
	if sub.Keys == nil {
		f.every[sub] = struct{}{}
	}
	for _, k := range sub.Keys {
		if f.byKey[k] == nil {
			f.byKey[k] = make(map[*Subscriber[M]]struct{})
		}
		f.byKey[k][sub] = struct{}{}
	}
}

// removeLocked takes sub out of the live messages' subscribers.
func (f *Fan[M, S]) removeLocked(sub *Subscriber[M]) {
	if _, ok := f.subs[sub]; !ok {
		return
	}
	delete(f.subs, sub)
	delete(f.every, sub)
	for _, k := range sub.Keys {
		if delete(f.byKey[k], sub); len(f.byKey[k]) == 0 {
			delete(f.byKey, k)
		}
	}
}

// release takes one snapshot for every subscriber waiting for one.
func (f *Fan[M, S]) release() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed || len(f.waiting) == 0 {
		return
	}
	f.takeLocked()
	for sub, ch := range f.waiting {
		select {
		case <-sub.Done(): // gone while waiting
		default:
			f.registerLocked(sub, ch)
		}
	}
	clear(f.waiting)
}

// Broadcast queues m, of size bytes and routed by key, for every subscriber without Keys and every
// one with key among its Keys; one past a bound of its queue is dropped (as Slow says) rather than
// allowed to hold the others up. The caller holds the server's lock. Its work is the subscribers
// m is for, not all of them: a floor's monitors each watching a team cost one lookup an event.
func (f *Fan[M, S]) Broadcast(key string, m M, size int) {
	f.pushLocked(f.every, m, size)
	f.pushLocked(f.byKey[key], m, size)
}

func (f *Fan[M, S]) pushLocked(subs map[*Subscriber[M]]struct{}, m M, size int) {
	for sub := range subs {
		if o := sub.Push(m, size); o != nil {
			f.removeLocked(sub)
			sub.Stop(f.slow(o))
		}
	}
}

// Leave removes sub, once its connection has ended.
func (f *Fan[M, S]) Leave(sub *Subscriber[M]) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.removeLocked(sub)
	delete(f.waiting, sub)
	if _, ok := f.joined[sub]; ok {
		delete(f.joined, sub)
		f.left.Done()
	}
}

// Len returns how many subscribers receive the live messages.
func (f *Fan[M, S]) Len() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.subs)
}

// Close stops every subscriber with code and reason and returns once their close frames are sent
// (each within its CloseWait), so that a server exiting next does not cut them; no subscriber
// joins afterwards.
func (f *Fan[M, S]) Close(code int, reason string) {
	f.mu.Lock()
	f.closed = true
	closing := make([]<-chan struct{}, 0, len(f.joined))
	for sub := range f.joined {
		sub.Stop(code, reason)
		closing = append(closing, sub.Closed())
	}
	f.mu.Unlock()
	for _, c := range closing { // each within its subscriber's CloseWait
		<-c
	}
}

// Wait waits, after Close, until every subscriber that joined has left.
func (f *Fan[M, S]) Wait() { f.left.Wait() }
