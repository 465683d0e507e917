package ui

import (
	"fmt"
	"testing"
	"time"

	"charm.land/bubbles/v2/table"

	"github.com/deskwatch/deskwatch/model"
	"github.com/deskwatch/deskwatch/themes"
)

// benchStore fills a store with n interactions over 50 agents, a fifth of them ended.
func benchStore(b *testing.B, n int) *model.Store { return benchStoreEnded(b, n, mostlyOpen) }

// mostlyOpen ends a fifth of the interactions, mostlyEnded nine in ten.
func mostlyOpen(i int) bool  { return i%5 == 4 }
func mostlyEnded(i int) bool { return i%10 != 0 }

// benchStoreEnded fills a store with n interactions over 50 agents, the i-th ended when ended(i).
func benchStoreEnded(b *testing.B, n int, ended func(int) bool) *model.Store {
	b.Helper()
	store := model.NewStore(model.WithRetention(n), model.WithWallClock(func() time.Time { return base }))
	states := []string{"queued", "ivr", "delivered", "hold", "wrap_up"}
	types := []string{"voice", "chat", "email"}
	for i := range n {
		typ := "ON_NEW_INTERACTION"
		if ended(i) {
			typ = "ON_INTERACTION_REMOVED"
		}
		line := fmt.Sprintf(`{"type":%q,"agentId":"agent%02d","ts":%d,"params":[{"interactionId":"int-%07d",`+
			`"state":%q,"type":%q,"subject":"Subject of interaction %d","associatedObjects":{"list":[]},`+
			`"callParties":[{"id":"p","name":"Caller %d","phone":"+1555%07d"}],"callMuted":%t,"callRecording":%t,`+
			`"attachedData":{},"ANI":"+1555%07d","service":"Service %d","startTime":%d}]}`,
			typ, i%50, base.UnixMilli()+int64(i), i, states[i%len(states)], types[i%len(types)], i, i, i,
			i%7 == 0, i%3 == 0, i, i%9, base.UnixMilli()+int64(i))
		ev, err := model.Decode([]byte(line))
		if err != nil {
			b.Fatal(err)
		}
		store.Apply(ev, ev.TS)
	}
	return store
}

// BenchmarkFrame measures one frame of the interactions view at 200x50, the cost every redraw pays
// (durations tick each second): the table draws only the rows on screen, so 100,000 interactions
// should cost about what 1,000 do.
func BenchmarkFrame(b *testing.B) {
	for _, n := range []int{1000, 100000} {
		b.Run(fmt.Sprintf("rows=%d", n), func(b *testing.B) {
			store := benchStore(b, n)
			now := base.Add(time.Hour)
			clock := func() time.Time { return now }
			c := testCommon(themes.Dark, store, clock)
			c.Width, c.Height, c.Alerts = 200, 50, model.DefaultAlertRules()
			m := New(c, nil)
			press(m, "j", "j")
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				m.dirty = true // a frame that must be drawn (a tick), not the cached one
				_ = m.Render()
			}
		})
	}
}

// BenchmarkTick measures the once-a-second tick through the real Update path, its alert counts
// and its redraw at 200x50, the clock a second on each time: with alerts counted incrementally
// (model.AlertIndex) 100,000 interactions should cost about what 1,000 do, whether most are open
// (80%, many alerting) or ended (90%). open-grouped groups the rows by agent,
// adding the headings' counts.
func BenchmarkTick(b *testing.B) {
	for _, st := range []struct {
		name  string
		ended func(int) bool
		group bool
	}{{"open", mostlyOpen, false}, {"ended", mostlyEnded, false}, {"open-grouped", mostlyOpen, true}} {
		for _, n := range []int{1000, 100000} {
			b.Run(fmt.Sprintf("store=%s/rows=%d", st.name, n), func(b *testing.B) {
				store := benchStoreEnded(b, n, st.ended)
				now := base.Add(time.Hour)
				clock := func() time.Time { return now }
				c := testCommon(themes.Dark, store, clock)
				c.Width, c.Height, c.Alerts = 200, 50, model.DefaultAlertRules()
				m := New(c, nil)
				if st.group {
					press(m, "b")
				}
				b.ReportAllocs()
				b.ResetTimer()
				for b.Loop() {
					now = now.Add(time.Second)
					m.Update(tickMsg(now))
					_ = m.Render()
				}
			})
		}
	}
}

// BenchmarkBubblesTableFrame draws the same frame with bubbles/table, as a monitor built on it
// would: every tick the durations change, so all rows are rebuilt and handed to the table.
// It is benchmark-only code, kept to report the ratio against BenchmarkFrame.
func BenchmarkBubblesTableFrame(b *testing.B) {
	for _, n := range []int{1000, 100000} {
		b.Run(fmt.Sprintf("rows=%d", n), func(b *testing.B) {
			store := benchStore(b, n)
			now := base.Add(time.Hour)
			snap := store.Snapshot()
			cols := allColumns()
			tcols := make([]table.Column, len(cols))
			for i, c := range cols {
				tcols[i] = table.Column{Title: c.title, Width: c.width}
			}
			t := table.New(table.WithColumns(tcols), table.WithHeight(46), table.WithWidth(200))
			rows := make([]table.Row, len(snap.Rows))
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				for i, r := range snap.Rows {
					row := make(table.Row, len(cols))
					for j, c := range cols {
						row[j] = model.Sanitize(c.text(r, now))
					}
					rows[i] = row
				}
				t.SetRows(rows)
				_ = t.View()
			}
		})
	}
}
