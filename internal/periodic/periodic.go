// Package periodic is the loop behind every job the hub, the simulator and the SSH server do at a
// fixed period (a keepalive, a poll, a progress line, a checkpoint): a ticker, stopped on return,
// and a call at each tick until the job is told to stop or says it is done.
package periodic

import "time"

// Every calls fn with each tick's time, every d, until done is closed or fn returns false. The
// first call is one period in; a job that should also run at once calls fn itself first. A tick
// that falls while fn runs is kept (one at most, as time.Ticker keeps it), so a slow fn is called
// again at once rather than piling up calls.
func Every(done <-chan struct{}, d time.Duration, fn func(now time.Time) bool) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case now := <-t.C:
			if !fn(now) {
				return
			}
		}
	}
}
