package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/feed"
	"github.com/deskwatch/deskwatch/model"
	"github.com/deskwatch/deskwatch/themes"
	"github.com/deskwatch/deskwatch/travel"
)

// deskMessages are the desk fixture's lines as a live source delivers them, a second apart, with
// a bad one (a rejection, which counts as a position too) after the fourth.
func deskMessages() []feed.Message {
	var out []feed.Message
	add := func(data string) {
		out = append(out, feed.Message{Data: []byte(data), Origin: model.Origin{Source: "ws", Msg: int64(len(out) + 1)},
			Received: base.Add(time.Duration(len(out)) * time.Second)})
	}
	for i, l := range deskEvents() {
		if i == 4 {
			add(`{"type":`)
		}
		add(l)
	}
	return out
}

// pumped is a store fed the first n messages by a pump, as the feed feeds its own.
func pumped(msgs []feed.Message, n int) *model.Store {
	st := newTravelStore()
	p := feed.NewPump(st, nil)
	for _, m := range msgs[:n] {
		p.Handle(m)
	}
	return st
}

// Over the travel package's live history and the feed's pump: a frozen view's position is the
// pump's count of messages handled (rejected ones included), and a step back shows what a store
// fed one message less shows.
func TestTravelOverALiveHistory(t *testing.T) {
	t.Parallel()
	const w, h = 160, 30
	msgs := deskMessages()
	p := feed.NewPump(newTravelStore(), nil)
	hist := travel.NewLive(p, travel.Options{Every: 3, Store: []model.Option{model.WithWallClock(func() time.Time {
		return base.Add(89 * time.Second)
	})}})
	for _, msg := range msgs[:8] {
		p.Handle(msg)
	}
	clock := func() time.Time { return base.Add(clockAt) }
	c := testCommon(themes.Mono, p.Store(), clock)
	c.History = hist
	c.Status = func() feed.Status { return feed.Status{Name: "ws", State: feed.StateConnected} }
	c.Width, c.Height = w, h
	m := New(c, nil)
	travelPress(m, "space")
	if m.travel.pos().N != p.Handled() {
		t.Fatalf("frozen at position %d, the pump handled %d", m.travel.pos().N, p.Handled())
	}
	for _, msg := range msgs[8:] {
		p.Handle(msg)
	}
	m.Update(ChangedMsg())
	travelPress(m, ",", ",", ",", ",", ".")
	if got := plain(m.Render()); m.travel.pos().N != 5 || !strings.Contains(got, "event 5 of 12") ||
		!strings.Contains(got, "7 events behind") {
		t.Fatalf("four steps back from 8 and one on: at %d\n%s", m.travel.pos().N, got)
	}
	for _, n := range []int{5, 7, 6} { // the last two: a step forward of the cursor, a seek back
		if n != 5 {
			travelPress(m, gotoKeys(fmt.Sprintf("#%d", n))...)
		}
		fc := testCommon(themes.Mono, pumped(msgs, n), func() time.Time { return m.travel.pos().At })
		fc.Status, fc.Width, fc.Height = c.Status, w, h-1
		if got, want := body(m.Render(), h-2), body(New(fc, nil).Render(), h-2); got != want {
			t.Errorf("at position %d the traveler shows\n%s\nwant (a store fed %d messages)\n%s", n, got, n, want)
		}
	}
	travelPress(m, "space")
	if m.travel.on || m.snap.Stats.Events+m.snap.Stats.Rejected != int64(len(msgs)) {
		t.Errorf("back to live: %+v", m.snap.Stats)
	}
}
