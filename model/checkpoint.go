package model

import (
	"cmp"
	"maps"
	"slices"
	"time"
	"unsafe"
)

// Checkpoints (issue 15, time travel): an immutable copy of everything a Store's writer holds, from
// which any number of independent stores can be restored, each then applying further events exactly
// as the original would have. A checkpoint shares the store's immutable rows and agents, so taking
// one costs a copy of pointers (O(rows + agents)), never of the rows themselves.
//
// Sharing works as for snapshots, by epoch: taking a checkpoint raises the store's epoch, so its
// writer copies a row, an agent or a floor record before changing it; a restored store starts at
// that epoch with every shared row, agent and record older, so it copies them too. One thing more
// than for snapshots: two writers (the original and a restore, or two restores) may now copy the
// same row, so neither may append into the spare capacity of a slice they share (Store.fork).
//
// What a checkpoint keeps is not always what the writer held, when the rest can be made again:
// the floor statistics are kept published (as a snapshot holds them), and Restore makes their
// open-row facts and waiting queues again from the open rows (FloorStats.restored); the keys of
// evicted rows are kept in pages shared with the store (copied on write), without their map, which
// Restore makes again (forgotten.restored).
//
// What a restored store does not carry over: the alert indexes (Store.AlertIndex makes a new one
// that counts from the restored snapshot: its counts are by contract those of the snapshot and
// clock, so they are the same) and the cached snapshot. Evicted slots still waiting in the
// store's order, and ended-queue entries of evicted rows, are dropped: they change nothing. The
// property test (checkpoint_test.go) checks all of this against fresh replays.

// Checkpoint is a store's whole state at one version. It is immutable and safe to share.
type Checkpoint struct {
	version uint64
	// epoch is the store's epoch after the checkpoint: every row, agent and floor record the
	// checkpoint holds is of an older one.
	epoch uint64
	opts  storeOpts

	// rows are the retained rows in the store's order, so by Seq; ended lists the Seq of the
	// rows in the store's queue of ended rows (retention), oldest first (each once).
	rows    []*Row
	ended   []uint64
	removed int
	nextSeq uint64
	// agents are in order of first sight.
	agents    []*Agent
	agentOpen map[string]int
	resync    map[string]bool
	forgotten forgotten

	floor      *FloorStats // published: no open-row facts or waiting queues (see FloorStats.restored)
	stats      Stats
	rate       [60]rateBucket
	rejections []Rejection
	alerts     []Alert
	trend      trend
	trimmedTo  int64

	bytes int64
}

// storeOpts are a store's options (its clock and caps), as Restore gives them again.
type storeOpts struct {
	wall                                                    func() time.Time
	retention, maxAgents, maxOpen, maxAgentOpen, maxParties int
	agentKinds                                              uint32
	maxHeld                                                 int64
}

// Checkpoint returns the store's state now. It is safe while the store's writer runs (it takes the
// store's lock); the writer copies what it changes afterwards, as it does after a Snapshot.
func (s *Store) Checkpoint() *Checkpoint {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := &Checkpoint{version: s.version.Load(),
		opts: storeOpts{wall: s.wall, retention: s.retention, maxAgents: s.maxAgents, maxOpen: s.maxOpen,
			maxAgentOpen: s.maxAgentOpen, maxParties: s.maxParties, agentKinds: s.agentKinds, maxHeld: s.maxHeld},
		rows: make([]*Row, 0, len(s.order)-s.gone), removed: s.removed, nextSeq: s.nextSeq,
		agents:    make([]*Agent, len(s.agentOrder)),
		agentOpen: maps.Clone(s.agentOpen), resync: maps.Clone(s.resync), forgotten: s.forgotten.saved(),
		floor: s.floor.publish(), stats: s.stats.clone(), rate: s.rate,
		rejections: s.rejections.items(), alerts: s.alerts.items(), trend: s.trend, trimmedTo: s.trimmedTo}
	for _, sl := range s.order {
		if !sl.gone {
			c.rows = append(c.rows, sl.row)
		}
	}
	c.ended = make([]uint64, 0, len(s.ended))
	for _, sl := range s.ended {
		if !sl.gone {
			c.ended = append(c.ended, sl.row.Seq)
		}
	}
	for i, id := range s.agentOrder {
		c.agents[i] = s.agents[id].ag
	}
	s.epoch++ // its rows, agents and floor records are shared: the writer copies them before a change
	s.fork, s.floor.epoch = s.epoch, s.epoch
	c.epoch = s.epoch
	c.bytes = c.estimate()
	return c
}

// Version is the store version the checkpoint was taken at.
func (c *Checkpoint) Version() uint64 { return c.version }

// Restore returns a new store in the checkpoint's state, with the options of the store it was taken
// from: applying to it the events that followed gives what the original store had after them.
// Restoring never changes the checkpoint, so it can be restored again, concurrently too.
func (c *Checkpoint) Restore() *Store {
	o := c.opts
	s := &Store{wall: o.wall, retention: o.retention, maxAgents: o.maxAgents, maxOpen: o.maxOpen,
		maxAgentOpen: o.maxAgentOpen, maxParties: o.maxParties, agentKinds: o.agentKinds, maxHeld: o.maxHeld,
		agentOpen: maps.Clone(c.agentOpen), resync: maps.Clone(c.resync), forgotten: c.forgotten.restored(),
		rows: make(map[string]*slot, len(c.rows)), order: make([]*slot, len(c.rows)),
		removed: c.removed, nextSeq: c.nextSeq,
		agents: make(map[string]*agentSlot, len(c.agents)), agentOrder: make([]string, len(c.agents)),
		epoch: c.epoch, fork: c.epoch, floor: c.floor.restored(c.rows), stats: c.stats.clone(), rate: c.rate,
		rejections: ringOf(c.rejections, maxRejections), alerts: ringOf(c.alerts, maxAlerts), trend: c.trend,
		trimmedTo: c.trimmedTo}
	s.version.Store(c.version)
	s.floor.epoch = s.epoch
	slots := make([]slot, len(c.rows)) // one allocation for all
	for i, r := range c.rows {
		sl := &slots[i]
		sl.row = r // epoch 0: older than the store's, so copied before a change
		s.order[i] = sl
		s.rows[r.Key] = sl
	}
	s.ended = make([]*slot, len(c.ended))
	for i, seq := range c.ended {
		j, _ := slices.BinarySearchFunc(c.rows, seq, func(r *Row, seq uint64) int { return cmp.Compare(r.Seq, seq) })
		s.ended[i], s.order[j].queued = s.order[j], true
	}
	agents := make([]agentSlot, len(c.agents))
	for i, ag := range c.agents {
		agents[i].ag = ag
		s.agents[ag.ID] = &agents[i]
		s.agentOrder[i] = ag.ID
	}
	for i, r := range c.rows {
		if as := s.agents[r.AgentID]; as != nil {
			as.slots = append(as.slots, s.order[i])
			if !r.Ended {
				as.rows, as.snap = as.rows+r.held, as.snap+r.snapHeld
			}
		}
	}
	return s
}

// Bytes estimates the memory the checkpoint keeps alive beyond what the store shares with it (its
// maps and slices of pointers), for the history's memory bound. See estimate.
func (c *Checkpoint) Bytes() int64 { return c.bytes }

// mapEntryBytes is what one map entry costs beyond its key and value: a rough figure for Go's
// maps (control bytes, load factor, growth slack).
const mapEntryBytes = 16

// estimate counts what the checkpoint holds of its own: the struct (with the trend and rate
// arrays), its slices of pointers (rows, ended, agents: 8 bytes an entry), the copies of the
// store's maps (an entry at key + value + mapEntryBytes), the forgotten keys' page pointers and
// the pages written since the checkpoint before (forgotten.bytes), the rejection and alert logs (with their texts and raw bytes, which
// the checkpoint may be the last to hold), and the floor's maps of records. Not counted: the rows,
// agents and floor records (with their ring pages) it shares with the store, and the strings it
// shares with them. Once the store replaces a row, the checkpoint may be the last to hold the old
// one: a history that must bound that too counts it apart (Row sizes), since checkpoints taken
// close together share most of their rows.
func (c *Checkpoint) estimate() int64 {
	const ptr, str = 8, 16
	n := int64(unsafe.Sizeof(*c))
	n += ptr * int64(len(c.rows)+len(c.ended)+len(c.agents))
	n += int64(len(c.agentOpen)) * (str + 8 + mapEntryBytes)
	n += int64(len(c.resync)) * (str + 1 + mapEntryBytes)
	n += c.forgotten.bytes()
	n += c.stats.bytes()
	for _, r := range c.rejections {
		n += int64(unsafe.Sizeof(r)) + int64(len(r.Reason)+len(r.Raw))
	}
	for _, a := range c.alerts {
		n += int64(unsafe.Sizeof(a)) + int64(len(a.Text))
	}
	return n + c.floor.bytes()
}
