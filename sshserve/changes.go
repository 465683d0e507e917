package sshserve

import (
	"time"

	"github.com/deskwatch/deskwatch/internal/broadcast"
)

// noteChange records when the first change the session's frame does not show yet arrived, and
// when the latest did.
func (v *session) noteChange() {
	now := time.Now().UnixNano()
	v.lastChange.Store(now)
	v.changedAt.CompareAndSwap(0, now)
}

// watchChanges notes the store's changes and asks for a frame, which delivers them to the model
// (Config.ChangeMsg), until the session ends.
func (v *session) watchChanges(src <-chan struct{}) {
	for {
		select {
		case <-v.done:
			return
		case _, ok := <-src:
			if !ok {
				return
			}
			v.noteChange()
			v.paced.schedule()
		}
	}
}

// relay forwards change signals to a channel of the session's own, closed when done closes: a
// model's command waiting for the next change then returns instead of outliving the session.
// Like the notifier's channels it holds at most one pending signal. note is called on each.
func relay(src, done <-chan struct{}, note func()) <-chan struct{} {
	out := make(chan struct{}, 1)
	go func() {
		defer close(out)
		for {
			select {
			case <-done:
				return
			case _, ok := <-src:
				if !ok {
					return
				}
				note()
				broadcast.Wake(out)
			}
		}
	}()
	return out
}
