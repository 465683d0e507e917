package model

// Checkpoints (issue 15, time travel): an immutable copy of everything a Store's writer holds, from
// which any number of independent stores can be restored, each then applying further events exactly
// as the original would have. A checkpoint shares the store's immutable rows and agents, so taking
// one costs a copy of pointers (O(rows + agents)), never of the rows themselves.

// Checkpoint is a store's whole state at one version. It is immutable and safe to share.
type Checkpoint struct {
	version uint64
}

// Checkpoint returns the store's state now. It is safe while the store's writer runs (it takes the
// store's lock); the writer copies what it changes afterwards, as it does after a Snapshot.
func (s *Store) Checkpoint() *Checkpoint {
	s.mu.Lock()
	defer s.mu.Unlock()
	return &Checkpoint{version: s.version.Load()}
}

// Version is the store version the checkpoint was taken at.
func (c *Checkpoint) Version() uint64 { return c.version }

// Restore returns a new store in the checkpoint's state, with the options of the store it was taken
// from: applying to it the events that followed gives what the original store had after them.
// Restoring never changes the checkpoint, so it can be restored again.
func (c *Checkpoint) Restore() *Store {
	panic("model: Checkpoint.Restore is not written yet")
}

// Bytes estimates the memory the checkpoint keeps alive beyond what the store shares with it (its
// maps and slices of pointers), for the history's memory bound.
func (c *Checkpoint) Bytes() int64 { return 0 }
