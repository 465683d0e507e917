package model

import (
	"maps"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultRetention is how many ended interactions the store keeps before it forgets the oldest.
const DefaultRetention = 10000

const (
	maxRejections = 1000
	maxAlerts     = 500
	rateWindow    = RateWindow
)

// Store applies events and is the single source of truth for one feed. It is safe for one writer
// (the feed's pump) and any number of concurrent readers, who read immutable snapshots.
type Store struct {
	mu      sync.Mutex
	version atomic.Uint64
	snap    atomic.Pointer[Snapshot]
	wall    func() time.Time

	retention int
	// agentKinds is WithAgentTimeline's: a bit per ChangeKind agents' timelines keep (0: all).
	agentKinds uint32
	maxAgents  int // caps.go
	maxOpen    int
	maxHeld    int64 // held.go
	trimmedTo  int64 // Stats.HeldAgents after the last trimAgents
	// heldGen counts the changes of what the rows and agents hold, over the cache of overShare
	// (held_reclaim.go).
	heldGen uint64
	over    overCache
	// lastReclaim is what the memory bound ended in the last event applied (LastReclaimed).
	lastReclaim []Reclaim
	// maxAgentOpen and maxParties are WithAgentCaps' (0: none); agentOpen counts each agent's open
	// rows while maxAgentOpen is set.
	maxAgentOpen, maxParties int
	agentOpen                map[string]int
	rows                     map[string]*slot
	order                    []*slot
	gone                     int // evicted slots still in order
	ended                    []*slot
	// removed counts the removed rows kept (retention bounds them); the others are present (caps.go).
	removed   int
	forgotten forgotten // keys of recently evicted rows
	nextSeq   uint64

	agents map[string]*agentSlot
	// lastAgent is the agent slot looked up last (agentSlot): an event's rows are counted twice or
	// more, each time for the agent the event is of.
	lastAgent  *agentSlot
	agentOrder []string
	// resync lists the agents the source's snapshot has listed since it (re)connected, until its
	// DESKWATCH_RESYNC_END; nil when no snapshot is being received (desktop.go).
	resync map[string]bool
	// epoch rises whenever readers may have been handed rows or agents (a new snapshot, Row): a
	// row or agent made in the current epoch is still private to the writer and may be changed in
	// place; an older one is copied first.
	epoch uint64
	// fork is the epoch of the latest checkpoint taken or restored (checkpoint.go): a row or agent
	// of an older epoch may be copied by other writers too, so a copy of it clips its slices (an
	// append must not write into capacity another writer's copy appends into).
	fork uint64

	indexes indexes    // alertindex.go
	floor   FloorStats // floor.go: the statistics of issue 14

	stats      Stats
	rate       [60]rateBucket
	rejections ring[Rejection]
	alerts     ring[Alert]
	trend      trend
}

// slot is the writer's handle on a row: the row it points to is replaced, never changed, once a
// reader may have it (epoch is the store's epoch when the writer made it).
type slot struct {
	row   *Row
	epoch uint64
	gone  bool
	// queued says the slot stands in the store's queue of ended rows (Store.ended), so that a row
	// ended, reopened and ended again stands there once: a bridge that does so forever would
	// otherwise grow the queue by one entry each time, unbounded while fewer rows than retention end.
	queued bool
}

type rateBucket struct {
	sec   int64
	count int
}

// Stats are the store's counters. Snapshots carry a copy.
type Stats struct {
	// Events counts applied events; Rejected counts refused messages; Warnings counts the
	// warnings about accepted ones (Store.Warn).
	Events, Rejected, Warnings int64
	// Open and Ended count the rows by whether they are open (Row.Open): Ended counts the removed
	// rows kept and the completed ones; Evicted counts forgotten ended rows.
	Open, Ended, Evicted int
	// ByState and ByType count open rows (so never completed).
	ByState map[State]int
	ByType  map[Type]int
	// Unknown counts events of types the monitor does not know, by type, for the first
	// MaxUnknownTypes distinct types; UnknownOther counts the events of any further ones.
	Unknown      map[string]int64
	UnknownOther int64
	// EventsPerSec is the mean rate over the last few seconds of event time.
	EventsPerSec float64
	// Lost counts events that seq jumps say were lost on the way, over all agents.
	Lost int64
	// Stale counts events about interactions that had ended and been forgotten (retention): the
	// activity record or a late snapshot of an evicted row is dropped rather than bringing it back.
	Stale int64
	// Refused counts events refused because they would take the store past its caps (caps.go).
	Refused int64
	// Held estimates the memory the rows and agents hold, in bytes; HeldEnded the part of it the
	// removed rows hold, which retention forgets first at the memory bound, and HeldAgents the
	// agents' part, whose older history goes next (held.go).
	Held, HeldEnded, HeldAgents int64
	// Trimmed counts the times the agents' older history was forgotten at the memory bound, and an
	// agent's over its share near it; Reclaimed the interactions ended there because their agents
	// held more than their shares and others' needed the room (held_reclaim.go).
	Trimmed, Reclaimed int64
}

// clone is a copy of st with its own maps.
func (st Stats) clone() Stats {
	st.ByState, st.ByType, st.Unknown = maps.Clone(st.ByState), maps.Clone(st.ByType), maps.Clone(st.Unknown)
	return st
}

// bytes estimates the memory of st's maps (checkpoint.go).
func (st Stats) bytes() int64 {
	return int64(len(st.ByState)+len(st.ByType)+len(st.Unknown)) * (16 + 8 + mapEntryBytes)
}

// Option configures a Store.
type Option func(*Store)

// WithRetention sets how many ended interactions are kept (at least 1).
func WithRetention(n int) Option { return func(s *Store) { s.retention = max(n, 1) } }

// WithAgentTimeline keeps only changes of these kinds in agents' timelines. The hub keeps logins
// and logouts, the only ones its snapshots read: otherwise a floor of thousands of agents grows
// towards maxTimeline changes each, hundreds of megabytes, for nobody.
func WithAgentTimeline(kinds ...ChangeKind) Option {
	return func(s *Store) {
		for _, k := range kinds {
			s.agentKinds |= 1 << k
		}
	}
}

// keepsAgent reports whether agents' timelines keep changes of kind.
func (s *Store) keepsAgent(kind ChangeKind) bool {
	return s.agentKinds == 0 || s.agentKinds&(1<<kind) != 0
}

// WithWallClock sets the clock used to stamp field changes for highlighting (tests use a fake one).
func WithWallClock(now func() time.Time) Option { return func(s *Store) { s.wall = now } }

// NewStore returns an empty store.
func NewStore(opts ...Option) *Store {
	s := &Store{
		wall:       time.Now,
		retention:  DefaultRetention,
		maxAgents:  DefaultMaxAgents,
		maxOpen:    DefaultMaxOpen,
		maxHeld:    DefaultMaxHeld,
		rows:       make(map[string]*slot),
		agents:     make(map[string]*agentSlot),
		rejections: newRing[Rejection](maxRejections),
		alerts:     newRing[Alert](maxAlerts),
		forgotten:  newForgotten(rememberEvicted),
		floor:      FloorStats{limits: DefaultKPILimits()},
		stats: Stats{ByState: map[State]int{}, ByType: map[Type]int{},
			Unknown: map[string]int64{}},
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Version is the number of changes applied so far; it rises with every event and rejection.
func (s *Store) Version() uint64 { return s.version.Load() }

// Snapshot is an immutable view of the store at one version. It shares rows and agents with the
// store (they are immutable), so taking one costs a copy of pointers, once per version for all readers.
type Snapshot struct {
	Version uint64
	// Rows lists every retained interaction in order of first sight.
	Rows []*Row
	// Agents lists the agents in order of first sight.
	Agents []*Agent
	Stats  Stats
	// Rejections lists the most recent rejected messages, oldest first.
	Rejections []Rejection
	// Alerts lists the most recent alert log entries, oldest first.
	Alerts []Alert
	// Trend samples open interactions and events over the last minutes of event time, oldest
	// first.
	Trend []TrendPoint
	// Floor holds the floor's statistics (floor.go); Floor.Figures computes them at a moment.
	Floor *FloorStats
}

// Snapshot returns the store's state at its current version. Readers calling it at the same version
// share one snapshot.
func (s *Store) Snapshot() *Snapshot {
	if sn := s.snap.Load(); sn != nil && sn.Version == s.version.Load() {
		return sn
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if sn := s.snap.Load(); sn != nil && sn.Version == s.version.Load() {
		return sn
	}
	sn := &Snapshot{Version: s.version.Load(), Rows: make([]*Row, 0, len(s.order)-s.gone)}
	for _, sl := range s.order {
		if !sl.gone {
			sn.Rows = append(sn.Rows, sl.row)
		}
	}
	sn.Agents = make([]*Agent, len(s.agentOrder))
	for i, id := range s.agentOrder {
		sn.Agents[i] = s.agents[id].ag
	}
	sn.Stats = s.stats.clone()
	sn.Stats.EventsPerSec = s.eventsPerSec()
	sn.Rejections = s.rejections.items()
	sn.Alerts = s.alerts.items()
	sn.Trend = s.trend.points()
	sn.Floor = s.floor.publish() // the engine copies a published record before changing it (floor_*.go)
	s.snap.Store(sn)
	s.epoch++ // its rows and agents are published: the writer copies them before a change
	return sn
}

// Row returns the current row for key, or nil.
func (s *Store) Row(key string) *Row {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sl := s.rows[key]; sl != nil {
		s.epoch++ // the row is published
		return sl.row
	}
	return nil
}

// Knows reports whether the store holds agent id.
func (s *Store) Knows(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.agents[id]
	return ok
}

// Reject records a refused message: where it came from, why, and its first bytes.
func (s *Store) Reject(o Origin, reason string, raw []byte, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := PeekHead(raw)
	s.rejectLocked(o, reason, raw, at, h.AgentID(), h.Seq, h.HasSeq)
}

// rejectLocked records a refused message (s.mu held) of agent with seq (when hasSeq) and moves a
// known agent's seq count past it: it did arrive (the rejected log lists it, or a hub's
// DESKWATCH_SKIPPED in its place), so the event after it must not report it lost. A message the
// store refused never creates an agent.
func (s *Store) rejectLocked(o Origin, reason string, raw []byte, at time.Time, agent string, seq int64, hasSeq bool) {
	s.stats.Rejected++
	s.rejections.push(Rejection{Origin: o, Reason: clipText(reason, MaxLogText), Raw: clip(raw, RejectedRawBytes), At: at})
	v := s.version.Add(1)
	if _, known := s.agents[agent]; known && hasSeq {
		s.checkSeq(s.touchAgent(agent, at, v), seq, at)
	}
}

// WarningPrefix starts the reason of a warning in the rejected log.
const WarningPrefix = "accepted with a warning: "

// Warn records a warning about a message that was accepted (Event.Warnings): it is listed with the
// rejections, where it came from and why, and counted in Stats.Warnings, not Stats.Rejected.
func (s *Store) Warn(o Origin, reason string, raw []byte, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats.Warnings++
	s.rejections.push(Rejection{Origin: o, Reason: clipText(WarningPrefix+reason, MaxLogText), Warning: true,
		Raw: clip(raw, RejectedRawBytes), At: at})
	s.version.Add(1)
}

func clip(b []byte, n int) []byte {
	if len(b) > n {
		b = b[:n]
	}
	return append([]byte(nil), b...)
}

func (s *Store) countEvent(at time.Time) {
	s.stats.Events++
	sec := at.Unix()
	n := int64(len(s.rate))
	b := &s.rate[(sec%n+n)%n] // a time before 1970 (an Apply caller's) must not index below 0
	if b.sec != sec {
		b.sec, b.count = sec, 0
	}
	b.count++
}

// RateWindow is how many seconds of event time Stats.EventsPerSec averages.
const RateWindow = 5

// eventsPerSec averages the last rateWindow complete seconds before the newest bucket.
func (s *Store) eventsPerSec() float64 {
	var newest int64
	for _, b := range s.rate {
		newest = max(newest, b.sec)
	}
	total := 0
	for _, b := range s.rate {
		if b.sec < newest && b.sec >= newest-rateWindow {
			total += b.count
		}
	}
	return float64(total) / rateWindow
}

// ring keeps the last n items pushed.
type ring[T any] struct {
	buf  []T
	next int
	full bool
}

func newRing[T any](n int) ring[T] { return ring[T]{buf: make([]T, n)} }

// ringOf is a ring of n holding items (at most n, oldest first), as items returned them.
func ringOf[T any](items []T, n int) ring[T] {
	r := newRing[T](n)
	for _, v := range items {
		r.push(v)
	}
	return r
}

func (r *ring[T]) push(v T) {
	r.buf[r.next] = v
	r.next = (r.next + 1) % len(r.buf)
	r.full = r.full || r.next == 0
}

func (r *ring[T]) items() []T {
	if !r.full {
		return append([]T(nil), r.buf[:r.next]...)
	}
	return append(append([]T(nil), r.buf[r.next:]...), r.buf[:r.next]...)
}
