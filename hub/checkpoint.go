package hub

import (
	"context"
	"fmt"
	"maps"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/deskwatch/deskwatch/internal/jetlog"
	"github.com/deskwatch/deskwatch/internal/periodic"
	"github.com/deskwatch/deskwatch/model"
)

// A checkpoint is the floor after one sequence of the log, saved in the log (jetlog.Checkpoint),
// from which a hub that starts again, or a monitor that asks for history, rebuilds the floor
// without reading the whole log: every agent as a monitor's snapshot describes it (snapshotEvents,
// unfiltered), what tells a resent event from a new one, and which hub owns each desktop
// (owner.go). Which of its bridges publish for which agent belongs to the hub's connections and
// is not saved: a hub that starts again has none.

// checkpointVersion is the version of checkpointData; a checkpoint of another is not used.
const checkpointVersion = 1

// checkpointData is a checkpoint's Data (JSON).
type checkpointData struct {
	Version  int                          `json:"version"`
	Events   []jsontext.Value             `json:"events,omitzero"` // written by encodeFloor
	Sessions map[string]agentSeq          `json:"sessions"`
	Replays  map[string]map[string]string `json:"replays"`
	Owners   map[string]deskOwner         `json:"owners,omitempty"` // the desktops' owners (owner.go)
}

// floorCopy is the floor as it was after one sequence of the log, taken under h.mu: the store's
// snapshot (copy-on-write, so taking it is cheap) and copies of the dedupe records, so that a
// checkpoint at seq describes exactly the floor after seq however far the apply loop has gone on.
type floorCopy struct {
	seq      uint64
	at       time.Time
	sn       *model.Snapshot
	sessions map[string]agentSeq
	replays  map[string]map[string]string
	owners   map[string]deskOwner
}

// copyFloorLocked copies the floor after the last message applied; h.mu is held.
func (h *Hub) copyFloorLocked() *floorCopy {
	c := &floorCopy{seq: h.lg.seq, at: h.lg.at, sn: h.store.Snapshot(), sessions: maps.Clone(h.sessions),
		replays: make(map[string]map[string]string, len(h.replays)), owners: h.ownersCopyLocked()}
	for id, slots := range h.replays {
		c.replays[id] = maps.Clone(slots)
	}
	return c
}

// checkpoint saves the floor to the log when events were applied since the last save. The ticker
// and Close call it, both only once Start has started the apply loop; the apply loop copies the
// floor itself and saves it in the background (checkpointBehind). One save runs at a time.
func (h *Hub) checkpoint(ctx context.Context) {
	lg := h.lg
	lg.ckMu.Lock()
	defer lg.ckMu.Unlock()
	h.mu.Lock()
	if lg.seq == lg.ckSeq.Load() {
		h.mu.Unlock()
		return
	}
	c := h.copyFloorLocked()
	h.mu.Unlock()
	h.saveFloor(ctx, c)
}

// checkpointBehind saves c in the background, so that the apply loop applies the next messages
// while c is encoded and saved. The apply loop has set lg.ckBusy under h.mu: while a save runs it
// copies no other floor; instead the save, when it is done, copies the floor again if a checkpoint
// has come due meanwhile (coalescing those the loop passed by), and clears lg.ckBusy under h.mu
// once none is due.
func (h *Hub) checkpointBehind(c *floorCopy) {
	lg := h.lg
	lg.ckRunning.Add(1)
	go func() {
		defer lg.ckRunning.Done()
		for c != nil {
			ctx, cancel := context.WithTimeout(context.Background(), appendWait)
			lg.ckMu.Lock()
			saved := h.saveFloor(ctx, c)
			lg.ckMu.Unlock()
			cancel()
			h.mu.Lock()
			c = nil
			if saved && h.checkpointDueLocked() {
				c = h.copyFloorLocked()
			} else {
				lg.ckBusy.Store(false) // a failed save is tried again checkpointRetry later
			}
			h.mu.Unlock()
		}
	}()
}

// checkpointDueLocked says whether the last message applied has passed a CheckpointEvery-th
// sequence (the same on every hub of a log) that no checkpoint saved is at or after; h.mu is held.
// In a cluster only the hub that leads the stream saves (jetlog.Log.Leads): the others' floors are
// the same, and three saves at once cost every hub three times the work.
func (h *Hub) checkpointDueLocked() bool {
	every := uint64(h.cfg.CheckpointEvery)
	return h.lg.seq/every > h.lg.ckSeq.Load()/every && h.cfg.EventLog.Leads() &&
		time.Now().UnixNano() >= h.lg.ckRetry.Load()
}

// saveFloor encodes c and saves it as the checkpoint at c.seq, unless a checkpoint as new is
// saved already; lg.ckMu is held. It reports false when the save failed.
func (h *Hub) saveFloor(ctx context.Context, c *floorCopy) bool {
	lg := h.lg
	if c.seq <= lg.ckSeq.Load() {
		return true
	}
	blob, err := h.encodeFloor(c)
	if err == nil && h.saveHook != nil {
		err = h.saveHook(c.seq)
	}
	if err == nil {
		err = h.cfg.EventLog.SaveCheckpoint(ctx, jetlog.Checkpoint{Seq: c.seq, Time: c.at, Data: blob})
	}
	lg.ckAt = time.Now()
	if err != nil {
		lg.ckRetry.Store(lg.ckAt.Add(checkpointRetry).UnixNano())
		h.log.Printf("log: checkpoint at seq %d not saved: %v; trying again in %s", c.seq, err, checkpointRetry)
		return false
	}
	lg.ckSeq.Store(c.seq)
	h.m.checkpoints.Inc()
	return true
}

// encodeFloor encodes c as a checkpoint's Data. The events are written into the blob as they are
// (each is valid JSON, as a monitor's snapshot gets it): json.Marshal of them as jsontext.Values
// checked and copied each of the floor's thousands again, half the work and most of the memory.
func (h *Hub) encodeFloor(c *floorCopy) ([]byte, error) {
	rest, err := json.Marshal(checkpointData{Version: checkpointVersion, Sessions: c.sessions,
		Replays: c.replays, Owners: c.owners}) // Events left out (omitzero): written below
	if err != nil {
		return nil, err
	}
	blob := make([]byte, 0, len(rest)+512*len(c.sn.Agents))
	blob = append(blob, `{"events":[`...)
	first := true
	h.floorEvents(c.sn, func(ev []byte) {
		if !first {
			blob = append(blob, ',')
		}
		first = false
		blob = append(blob, ev...)
	})
	blob = append(blob, "],"...)
	blob = append(blob, rest[1:]...)
	// One pass, no allocation: a checkpoint that could not be read back is not saved.
	if !jsontext.Value(blob).IsValid(jsontext.AllowDuplicateNames(true)) {
		return nil, fmt.Errorf("checkpoint at seq %d: the floor's events are not valid JSON", c.seq)
	}
	return blob, nil
}

// floorEvents describes every agent of sn as the events of a monitor's snapshot, unfiltered, to
// each.
func (h *Hub) floorEvents(sn *model.Snapshot, each func([]byte)) {
	open := make(map[string][]*model.Row)
	for _, r := range sn.Rows {
		if !r.Ended {
			open[r.AgentID] = append(open[r.AgentID], r)
		}
	}
	skip := h.skipLogger(fmt.Sprintf("checkpoint of version %d", sn.Version), "snapshot")
	all := &filter{}
	for _, ag := range sn.Agents {
		for _, data := range h.snapshotEvents(ag, open[ag.ID], all, skip) {
			each(data)
		}
	}
}

// checkpointTicker saves the floor CheckpointInterval after the last save when events were applied
// since, so that a quiet floor is saved too.
func (h *Hub) checkpointTicker(ctx context.Context) {
	periodic.Every(ctx.Done(), min(h.cfg.CheckpointInterval, time.Second), func(time.Time) bool {
		h.lg.ckMu.Lock()
		due := time.Since(h.lg.ckAt) >= h.cfg.CheckpointInterval && h.cfg.EventLog.Leads()
		h.lg.ckMu.Unlock()
		if due {
			save, cancel := context.WithTimeout(ctx, appendWait)
			h.checkpoint(save)
			cancel()
		}
		return true
	})
}

// decodeCheckpoint reads a checkpoint's Data.
func decodeCheckpoint(cp jetlog.Checkpoint) (*checkpointData, error) {
	var data checkpointData
	if err := json.Unmarshal(cp.Data, &data); err != nil {
		return nil, err
	}
	if data.Version != checkpointVersion {
		return nil, fmt.Errorf("version %d, this hub reads version %d", data.Version, checkpointVersion)
	}
	return &data, nil
}

// load applies a checkpoint's events to the floor (empty) and takes its dedupe records; an event
// the floor refuses (a hub started with lower caps) is reported to skip.
func (f *floor) load(cp jetlog.Checkpoint, data *checkpointData, skip func(string, ...any)) {
	for _, raw := range data.Events {
		ev, err := model.Decode(raw)
		if err == nil {
			err = f.store.ApplyChecked(ev, model.EventTime(ev, cp.Time))
		}
		if err != nil {
			skip("an event left out: %s", logText(err.Error()))
		}
	}
	if data.Sessions != nil {
		f.sessions = data.Sessions
	}
	for id, slots := range data.Replays {
		f.replays[id] = slots
	}
}

// restore loads a checkpoint into the hub's floor (Start). It returns the agents restored.
func (h *Hub) restore(cp jetlog.Checkpoint) (int, error) {
	data, err := decodeCheckpoint(cp)
	if err != nil {
		return 0, err
	}
	skip := h.skipLogger(fmt.Sprintf("checkpoint at seq %d", cp.Seq), "snapshot")
	h.mu.Lock()
	defer h.mu.Unlock()
	h.floor.load(cp, data, skip)
	h.restoreOwnersLocked(data.Owners)
	return len(h.store.Snapshot().Agents), nil
}
