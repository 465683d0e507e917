package ui

import (
	"fmt"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/model"
	"github.com/deskwatch/deskwatch/themes"
)

// wallStore fills a store with a floor of agents over services: each agent logs in and takes a
// state, and 4,000 interactions spread over the services, some waiting, some answered and ended.
func wallStore(b *testing.B, agents, services int) *model.Store {
	b.Helper()
	store := model.NewStore(model.WithRetention(10000), model.WithWallClock(func() time.Time { return base }))
	apply := func(line string) {
		ev, err := model.Decode([]byte(line))
		if err != nil {
			b.Fatal(err)
		}
		store.Apply(ev, ev.TS)
	}
	states := []string{`"ready"`, `"busy"`, `"not_ready","Lunch"`, `"after_call_work"`}
	for a := range agents {
		ms := base.UnixMilli() + int64(a)
		apply(fmt.Sprintf(`{"type":"ON_LOGIN","agentId":"agent%03d","ts":%d,"params":[{"isLoggedIn":true,"agentId":"agent%03d"}]}`, a, ms, a))
		apply(fmt.Sprintf(`{"type":"ON_AGENT_STATE_CHANGE","agentId":"agent%03d","ts":%d,"params":[%s]}`, a, ms+1, states[a%len(states)]))
	}
	for i := range 4000 {
		ms := base.UnixMilli() + 1000 + int64(i)*100
		iv := func(typ, state string, at int64) string {
			return fmt.Sprintf(`{"type":%q,"agentId":"agent%03d","ts":%d,"params":[{"interactionId":"int-%05d",`+
				`"state":%q,"type":"voice","subject":"","associatedObjects":{"list":[]},"callParties":[],`+
				`"callMuted":false,"callRecording":true,"attachedData":{},"service":"Service %02d","startTime":%d}]}`,
				typ, i%agents, at, i, state, i%services, ms)
		}
		apply(iv("ON_NEW_INTERACTION", "queued", ms))
		if i%4 != 0 {
			apply(iv("ON_INTERACTION_STATE_CHANGE", "delivered", ms+int64(i%40)*1000))
		}
		if i%3 == 0 {
			apply(iv("ON_INTERACTION_REMOVED", "completed", ms+60000))
		}
	}
	return store
}

// BenchmarkWallView measures the wallboard's once-a-second redraw through the real tick, with 500
// agents and 20 services, at a wall screen's size and a terminal's: the figures of the new second
// and the frame drawn from them.
func BenchmarkWallView(b *testing.B) {
	store := wallStore(b, 500, 20)
	for _, size := range [][2]int{{200, 50}, {80, 24}} {
		b.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(b *testing.B) {
			now := base.Add(10 * time.Minute)
			clock := func() time.Time { return now }
			c := testCommon(themes.Dark, store, clock)
			c.Width, c.Height, c.Wallboard = size[0], size[1], true
			m := New(c, nil)
			b.ReportAllocs()
			for b.Loop() {
				now = now.Add(time.Second)
				m.Update(tickMsg(now))
				_ = m.Render()
			}
		})
	}
}
