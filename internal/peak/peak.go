// Package peak keeps the largest of values written by several goroutines at once.
package peak

import "sync/atomic"

// Raise makes p at least v: a compare-and-swap loop, so that no larger value another goroutine
// wrote meanwhile is lost.
func Raise(p *atomic.Int64, v int64) {
	for old := p.Load(); v > old && !p.CompareAndSwap(old, v); old = p.Load() {
	}
}
