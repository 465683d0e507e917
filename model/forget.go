package model

import (
	"maps"
	"slices"
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
	keys  []string // grows to limit, then is a ring whose oldest entry is at next
	next  int
	// at maps a remembered key to its slot in keys, so that an older entry of a key evicted twice
	// leaving the ring does not drop the newer one.
	at map[string]int
}

func newForgotten(n int) forgotten {
	return forgotten{limit: max(n, 1), at: make(map[string]int)}
}

// add remembers key, dropping the oldest remembered key when full.
func (f *forgotten) add(key string) {
	i := len(f.keys)
	if i < f.limit {
		f.keys = append(f.keys, key)
	} else {
		i = f.next
		if old := f.keys[i]; f.at[old] == i {
			delete(f.at, old)
		}
		f.keys[i] = key
		f.next = (i + 1) % len(f.keys)
	}
	f.at[key] = i
}

// has reports whether key was evicted recently and has not been revived since.
func (f *forgotten) has(key string) bool {
	_, ok := f.at[key]
	return ok
}

// revive forgets that key was evicted: the interaction is open again.
func (f *forgotten) revive(key string) { delete(f.at, key) }

// clone is a copy of f that changes apart from it.
func (f forgotten) clone() forgotten {
	f.keys, f.at = slices.Clone(f.keys), maps.Clone(f.at)
	return f
}

// bytes estimates the memory of f's keys and map (checkpoint.go); the key strings are shared.
func (f forgotten) bytes() int64 {
	return int64(len(f.keys))*16 + int64(len(f.at))*(16+8+mapEntryBytes)
}
