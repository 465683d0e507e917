// Package broadcast is a set of subscribers to a "something changed" signal, each holding at most
// one pending signal: the feed's notifier delivers through it, and the SSH server's tests drive
// sessions with it. Wake is that signal for one channel, the wake-up of a writer (the hub's acker,
// a simulated bridge) that drains what was queued for it.
package broadcast

import "sync"

// Set is the subscribers to one signal. The zero value is an empty set, ready to use.
type Set struct {
	mu   sync.Mutex
	subs map[chan struct{}]struct{}
}

// Subscribe returns a channel that receives the signals, and a function that ends the subscription.
func (s *Set) Subscribe() (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	s.mu.Lock()
	if s.subs == nil {
		s.subs = make(map[chan struct{}]struct{})
	}
	s.subs[ch] = struct{}{}
	s.mu.Unlock()
	return ch, func() {
		s.mu.Lock()
		delete(s.subs, ch)
		s.mu.Unlock()
	}
}

// Signal sends every subscriber a signal, unless it has one pending already; it never blocks.
func (s *Set) Signal() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for ch := range s.subs {
		Wake(ch)
	}
}

// Wake puts a signal in ch (a channel with room for one) unless one is pending already: the
// receiver, when it next looks, sees that something happened since it last did, once however many
// times it was woken. It never blocks.
func Wake(ch chan<- struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// Len is the number of subscribers.
func (s *Set) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.subs)
}
