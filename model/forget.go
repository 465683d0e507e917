package model

import (
	"slices"
	"unsafe"
)

// rememberEvicted is how many evicted rows' keys the store remembers, so that the events that
// trail an interaction's end (ON_SAVE_ACTIVITY_RECORD, a late state change) do not bring back a row
// retention just forgot. At a few hundred interactions ending per second that is tens of seconds of
// history, in well under a megabyte for usual ids (the keys are the evicted rows' own strings), and
// at most 10,000 × 1,025 bytes (about 10 MB) for the longest: the decoder bounds agent and
// interaction ids to MaxIDBytes, and RowKey escapes at most every byte of the agent id to three.
const rememberEvicted = 10000

// forgotten is a bounded set of the most recently evicted keys: the oldest is dropped when a new
// one comes in.
type forgotten struct {
	limit int
	// pages hold the keys: n of them, a ring whose oldest entry is at next once n is limit. A
	// checkpoint shares the pages (saved): a page of an older gen is copied before a write.
	pages []*keyPage
	n     int
	next  int
	gen   uint64
	// at maps a remembered key to its slot in the ring, so that an older entry of a key evicted
	// twice leaving the ring does not drop the newer one.
	at map[string]int
}

// keyPageSize is how many keys a page of forgotten holds: the unit it copies on write.
const keyPageSize = 256

type keyPage struct {
	gen  uint64
	keys [keyPageSize]string
}

func newForgotten(n int) forgotten {
	return forgotten{limit: max(n, 1), at: make(map[string]int)}
}

// key is the key in slot i.
func (f *forgotten) key(i int) string { return f.pages[i/keyPageSize].keys[i%keyPageSize] }

// set writes key into slot i, copying its page first when a checkpoint shares it.
func (f *forgotten) set(i int, key string) {
	pg := i / keyPageSize
	switch {
	case pg == len(f.pages):
		f.pages = append(f.pages, &keyPage{gen: f.gen})
	case f.pages[pg].gen != f.gen:
		c := *f.pages[pg]
		c.gen = f.gen
		f.pages[pg] = &c
	}
	f.pages[pg].keys[i%keyPageSize] = key
}

// add remembers key, dropping the oldest remembered key when full.
func (f *forgotten) add(key string) {
	i := f.n
	if i < f.limit {
		f.n++
	} else {
		i = f.next
		if old := f.key(i); f.at[old] == i {
			delete(f.at, old)
		}
		f.next = (i + 1) % f.n
	}
	f.set(i, key)
	f.at[key] = i
}

// has reports whether key was evicted recently and has not been revived since.
func (f *forgotten) has(key string) bool {
	_, ok := f.at[key]
	return ok
}

// revive forgets that key was evicted: the interaction is open again.
func (f *forgotten) revive(key string) { delete(f.at, key) }

// saved is f as a checkpoint keeps it (checkpoint.go): its pages, shared (f copies a page before
// it writes it from now on), without the map, which restored makes again.
func (f *forgotten) saved() forgotten {
	f.gen++
	return forgotten{limit: f.limit, pages: slices.Clone(f.pages), n: f.n, next: f.next, gen: f.gen}
}

// restored is a writable copy of a saved f: it copies a page before writing it, as f does. Its map
// holds every key at its latest entry, the revived ones too: a revived key is a row the store
// holds, and has is asked only of keys the store does not hold (until the row is evicted again,
// which adds the key anew).
func (f forgotten) restored() forgotten {
	f.pages, f.at = slices.Clone(f.pages), make(map[string]int, f.n)
	for j := range f.n {
		i := (f.next + j) % f.n // oldest first, so a key's latest entry is kept
		f.at[f.key(i)] = i
	}
	return f
}

// bytes estimates the memory of a saved f (checkpoint.go): its page pointers, and the pages
// written since the checkpoint before it (of its gen), which no earlier checkpoint holds; the key
// strings are the rows' own.
func (f forgotten) bytes() int64 {
	n := int64(len(f.pages)) * 8
	for _, p := range f.pages {
		if p.gen == f.gen-1 {
			n += int64(unsafe.Sizeof(*p))
		}
	}
	return n
}
