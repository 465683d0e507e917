package ui

import (
	"context"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/deskwatch/deskwatch/feed"
	"github.com/deskwatch/deskwatch/model"
	"github.com/deskwatch/deskwatch/themes"
	"github.com/deskwatch/deskwatch/travel"
)

// sliceHistory is a history over a slice of events, for the ui's tests (the travel package's own
// is tested there): a seek feeds a new store exactly the first n events, so what a viewer shows
// after a seek can be compared with a store fed n events. Events may be added while viewers seek.
type sliceHistory struct {
	mu  sync.Mutex
	evs []model.Event
}

// newTravelStore is a store as the ui's fixtures make them (the wall clock still at base+89s).
func newTravelStore() *model.Store {
	return model.NewStore(model.WithWallClock(func() time.Time { return base.Add(89 * time.Second) }))
}

// feedTo applies evs to store and adds them to the history, as a feed's pump does.
func (h *sliceHistory) feedTo(store *model.Store, evs ...model.Event) {
	for _, ev := range evs {
		store.Apply(ev, ev.TS)
		h.mu.Lock()
		h.evs = append(h.evs, ev)
		h.mu.Unlock()
	}
}

func (h *sliceHistory) Bounds() (first, last travel.Position) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return travel.Position{}, h.at(int64(len(h.evs)))
}

// at is position n (h.mu held).
func (h *sliceHistory) at(n int64) travel.Position {
	if n == 0 {
		return travel.Position{}
	}
	return travel.Position{N: n, At: h.evs[n-1].TS}
}

// Position is position n with its event time, as the travel package's histories give it.
func (h *sliceHistory) Position(n int64) (travel.Position, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if n < 0 || n > int64(len(h.evs)) {
		return travel.Position{}, travel.ErrOutside
	}
	return h.at(n), nil
}

func (h *sliceHistory) Find(t time.Time) travel.Position {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := int64(0)
	for i, ev := range h.evs {
		if !ev.TS.After(t) {
			n = int64(i + 1)
		}
	}
	return h.at(n)
}

func (h *sliceHistory) Seek(_ context.Context, n int64) (*travel.Cursor, error) {
	h.mu.Lock()
	evs := h.evs[:min(max(n, 0), int64(len(h.evs)))]
	h.mu.Unlock()
	if n < 0 || n > int64(len(h.evs)) {
		return nil, travel.ErrOutside
	}
	s := newTravelStore()
	for _, ev := range evs {
		s.Apply(ev, ev.TS)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return &travel.Cursor{Store: s, Pos: h.at(n)}, nil
}

// deskHistory decodes the desk fixture's events.
func deskHistory(t testing.TB) []model.Event {
	t.Helper()
	var evs []model.Event
	for i, l := range deskEvents() {
		ev, err := model.Decode([]byte(l))
		if err != nil {
			t.Fatalf("fixture line %d: %v", i+1, err)
		}
		evs = append(evs, ev)
	}
	return evs
}

// travelModel is a viewer of w×h over a store fed the first n desk events, with a history of
// them, the source's clock at the last one's time. A replay has a progress bar and a
// fakeControl it may pace; a live view has neither.
func travelModel(t *testing.T, w, h, n int, replay bool) (*Model, *sliceHistory, *fakeControl) {
	t.Helper()
	evs := deskHistory(t)
	store, hist := newTravelStore(), &sliceHistory{}
	hist.feedTo(store, evs[:n]...)
	clock := func() time.Time { return evs[n-1].TS.Add(5 * time.Second) }
	c := testCommon(themes.Mono, store, clock)
	c.History, c.Alerts = hist, model.DefaultAlertRules()
	ctl := &fakeControl{speed: 10}
	if replay {
		c.Control = ctl
		c.SetCapabilities(Capabilities{CanExport: true, CanControlReplay: true})
		c.Status = func() feed.Status {
			return feed.Status{Name: "desk.jsonl", State: feed.StateReplaying, Pos: int64(n), Total: int64(len(evs)),
				Speed: ctl.speed, Paused: ctl.paused, EventTime: clock()}
		}
	} else {
		c.Status = func() feed.Status {
			return feed.Status{Name: "ws://127.0.0.1:8080/events", State: feed.StateConnected, Messages: int64(n)}
		}
	}
	c.Width, c.Height = w, h
	return New(c, nil), hist, ctl
}

// travelPress presses keys, running each seek the model starts (and those it starts after) to
// its end, as the program would.
func travelPress(m *Model, keys ...string) {
	for _, k := range keys {
		busy := m.travel.busy
		_, cmd := m.Update(keyMsg(k))
		runSeeks(m, busy, cmd)
	}
}

// runSeeks runs cmd and feeds its result back when it is a seek the model started (it was not
// busy before and is now), and so on for the next queued one.
func runSeeks(m *Model, busy bool, cmd tea.Cmd) {
	for !busy && m.travel.busy && cmd != nil {
		_, cmd = m.Update(cmd())
	}
}

// fedModel is a viewer over a fresh store fed exactly the first n desk events, its clock at the
// n-th event's time: what a traveler at position n must show.
func fedModel(t *testing.T, w, h, n int) *Model {
	t.Helper()
	evs := deskHistory(t)
	store := newTravelStore()
	for _, ev := range evs[:n] {
		store.Apply(ev, ev.TS)
	}
	at := evs[n-1].TS
	c := testCommon(themes.Mono, store, func() time.Time { return at })
	c.Alerts = model.DefaultAlertRules()
	c.Status = func() feed.Status { return feed.Status{Name: "desk.jsonl", State: feed.StateReplaying, Paused: true} }
	c.Width, c.Height = w, h
	return New(c, nil)
}
