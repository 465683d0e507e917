package model

import (
	"container/heap"
	"time"
)

// waitQueue is the writer's own record of a service's waiting interactions, never published: the
// published svcRec carries only its summary (how many, the oldest live start, the longest frozen
// wait), so a snapshot never copies a waiting set. Heaps with lazy deletion keep the summary in
// O(log n) per change.
type waitQueue struct {
	entries map[string]waitEntry
	live    waitHeap // by start, oldest first: the entries whose desktop is connected
	frozen  waitHeap // by wait, longest first: the entries whose desktop disconnected
}

type waitItem struct {
	order int64 // smallest first
	key   string
	e     waitEntry
}

type waitHeap []waitItem

func (h waitHeap) Len() int           { return len(h) }
func (h waitHeap) Less(i, j int) bool { return h[i].order < h[j].order }
func (h waitHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *waitHeap) Push(x any)        { *h = append(*h, x.(waitItem)) }
func (h *waitHeap) Pop() any {
	old := *h
	it := old[len(old)-1]
	*h = old[:len(old)-1]
	return it
}

// set records key waiting as e, or not waiting (ok false).
func (q *waitQueue) set(key string, e waitEntry, ok bool) {
	if !ok {
		delete(q.entries, key)
		return
	}
	q.entries[key] = e
	if e.frozenAt.IsZero() {
		heap.Push(&q.live, waitItem{order: e.start.UnixNano(), key: key, e: e})
	} else {
		heap.Push(&q.frozen, waitItem{order: -int64(e.frozenAt.Sub(e.start)), key: key, e: e})
	}
	if n := len(q.live) + len(q.frozen); n > 2*len(q.entries)+16 {
		q.rebuild()
	}
}

// rebuild drops the heaps' stale items.
func (q *waitQueue) rebuild() {
	q.live, q.frozen = q.live[:0], q.frozen[:0]
	for key, e := range q.entries {
		if e.frozenAt.IsZero() {
			q.live = append(q.live, waitItem{order: e.start.UnixNano(), key: key, e: e})
		} else {
			q.frozen = append(q.frozen, waitItem{order: -int64(e.frozenAt.Sub(e.start)), key: key, e: e})
		}
	}
	heap.Init(&q.live)
	heap.Init(&q.frozen)
}

// top is h's first item still current, dropping the stale ones above it.
func (q *waitQueue) top(h *waitHeap) (waitItem, bool) {
	for len(*h) > 0 {
		it := (*h)[0]
		if e, ok := q.entries[it.key]; ok && e == it.e {
			return it, true
		}
		heap.Pop(h)
	}
	return waitItem{}, false
}

// summarize writes the queue's summary into the service's (writable) record.
func (q *waitQueue) summarize(sv *svcRec) {
	sv.waitingN = len(q.entries)
	sv.oldestLive, sv.longestFrozen = time.Time{}, 0
	if it, ok := q.top(&q.live); ok {
		sv.oldestLive = it.e.start
	}
	if it, ok := q.top(&q.frozen); ok {
		sv.longestFrozen = max(it.e.frozenAt.Sub(it.e.start), 0)
	}
}

// longestWait is the oldest waiting interaction's wait at now.
func (sv *svcRec) longestWait(now time.Time) time.Duration {
	d := sv.longestFrozen
	if !sv.oldestLive.IsZero() {
		d = max(d, now.Sub(sv.oldestLive))
	}
	return d
}
