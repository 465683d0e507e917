package travel

import (
	"hash/fnv"
	"math"
	"sort"
	"time"

	"github.com/deskwatch/deskwatch/model"
)

// Defaults of Options. Checkpoint memory is bounded twice: by count and by the checkpoints' own
// bytes (model.Checkpoint.Bytes, what a checkpoint keeps alive beyond what the live store shares
// with it). When either bound is passed, every other checkpoint is dropped and the interval
// doubles, so a history keeps between half and all of MaxCheckpoints, evenly spread, and a seek
// applies at most the interval's messages after restoring one: on a 1,000,000-event file, K grows
// from 2,000 to 8,000 (between 64 and 128 checkpoints).
const (
	DefaultEvery              = 2000
	DefaultMaxCheckpoints     = 128
	DefaultMaxCheckpointBytes = 256 << 20
	// DefaultHistory and DefaultHistoryBytes bound a live history (--history): the messages of
	// the last hour of event time, and at most 256 MiB of them (their bytes and about 200 bytes
	// of bookkeeping each).
	DefaultHistory      = time.Hour
	DefaultHistoryBytes = 256 << 20
)

// Options configure a history. Zero values mean the defaults.
type Options struct {
	// Store are the options of the feed's store (retention, caps, KPI limits, wall clock): the
	// history builds the empty store of position 0 with them, and a file's index store.
	Store []model.Option
	// Every is the checkpoint interval K in messages to begin with (DefaultEvery); EveryTime, when
	// set, also takes one after that much event time (live histories).
	Every     int64
	EveryTime time.Duration
	// MaxCheckpoints and MaxCheckpointBytes bound the checkpoints' memory (see the defaults).
	MaxCheckpoints     int
	MaxCheckpointBytes int64
	// MaxAge and MaxBytes bound a live history's messages (DefaultHistory, DefaultHistoryBytes);
	// MaxBytes bounds a file's index too (16 bytes a message).
	MaxAge   time.Duration
	MaxBytes int64
	// Name is a file's name in origins (the path by default: what the replay names it);
	// MaxMessage is the replay's line limit (--max-message).
	Name       string
	MaxMessage int
}

// resume is where a message is in a file: its line's offset and number, and the replay clock after
// it. A replay started there reads that message again first (it is skipped: it is already applied).
type resume struct {
	off, line int64
	clock     time.Time
	// sum is the FNV-1a of the message at off as first read (0: not known): a play from off finds
	// that message again, or the file was changed under the history.
	sum uint64
}

// sumOf is a message's fingerprint for resume.sum (never 0).
func sumOf(data []byte) uint64 {
	h := fnv.New64a()
	h.Write(data)
	return max(h.Sum64(), 1)
}

// snap is a state a seek can restore: a store checkpoint at a position, with the pump's connection
// then and, for a file, where the position's message is.
type snap struct {
	pos   Position
	cp    *model.Checkpoint // nil: the empty store of position 0
	conn  int64
	res   resume
	bytes int64
}

// restore is a new store in sn's state.
func restore(sn snap, opts []model.Option) *model.Store {
	if sn.cp == nil {
		return model.NewStore(opts...)
	}
	return sn.cp.Restore()
}

// snaps are a history's checkpoints in order of position, within their memory bounds.
type snaps struct {
	list      []snap
	every     int64
	everyTime time.Duration
	bytes     int64
	max       int
	maxBytes  int64
}

func newSnaps(o Options) snaps {
	return snaps{every: max(o.Every, 1), everyTime: o.EveryTime,
		max: max(o.MaxCheckpoints, 2), maxBytes: o.MaxCheckpointBytes}
}

// withDefaults fills in o's unset fields.
func (o Options) withDefaults() Options {
	if o.Every <= 0 {
		o.Every = DefaultEvery
	}
	if o.MaxCheckpoints <= 0 {
		o.MaxCheckpoints = DefaultMaxCheckpoints
	}
	if o.MaxCheckpointBytes <= 0 {
		o.MaxCheckpointBytes = DefaultMaxCheckpointBytes
	}
	if o.MaxAge <= 0 {
		o.MaxAge = DefaultHistory
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultHistoryBytes
	}
	return o
}

// due reports whether a checkpoint is due at position pos.
func (s *snaps) due(pos Position) bool {
	if len(s.list) == 0 {
		return true
	}
	last := s.list[len(s.list)-1].pos
	return pos.N-last.N >= s.every || s.everyTime > 0 && pos.At.Sub(last.At) >= s.everyTime
}

// add appends sn (at a position after the last one's) and thins the list when it is over a bound:
// every other checkpoint goes (the oldest stays) and the interval doubles.
func (s *snaps) add(sn snap) {
	s.list = append(s.list, sn)
	s.bytes += sn.bytes
	for len(s.list) > 2 && (len(s.list) > s.max || s.bytes > s.maxBytes) {
		kept := s.list[:1]
		s.bytes = s.list[0].bytes
		for i := 2; i < len(s.list); i += 2 {
			kept = append(kept, s.list[i])
			s.bytes += s.list[i].bytes
		}
		clear(s.list[len(kept):])
		s.list = kept
		s.every = min(s.every, math.MaxInt64/2) * 2
		s.everyTime = min(s.everyTime, math.MaxInt64/2) * 2
	}
}

// at is the last checkpoint at or before position n.
func (s *snaps) at(n int64) (snap, bool) {
	i := s.search(n)
	if i == 0 {
		return snap{}, false
	}
	return s.list[i-1], true
}

// search is the number of checkpoints at or before position n.
func (s *snaps) search(n int64) int {
	return sort.Search(len(s.list), func(i int) bool { return s.list[i].pos.N > n })
}

// dropBefore forgets the checkpoints before position n.
func (s *snaps) dropBefore(n int64) {
	i := 0
	for i < len(s.list) && s.list[i].pos.N < n {
		s.bytes -= s.list[i].bytes
		i++
	}
	if i > 0 {
		clear(s.list[:i])
		s.list = s.list[i:]
	}
}
