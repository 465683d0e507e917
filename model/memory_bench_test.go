package model_test

import (
	"runtime"
	"testing"

	"github.com/deskwatch/deskwatch/internal/synth"
	"github.com/deskwatch/deskwatch/model"
)

// BenchmarkRetainedBytes reports the heap one retained interaction costs: a store fed by the
// generator until it holds 20,000 interactions (nearly all ended, with their activity record and
// timeline, none evicted), measured as live heap after a collection, per row; and how much of it
// is the strings the row holds (ids, subject, parties, attached data, timeline texts...), so that
// the rest is the structure around them. Use -benchtime 1x.
func BenchmarkRetainedBytes(b *testing.B) {
	const rows = 20000
	var perRow, strs float64
	for b.Loop() {
		before := liveHeap()
		store := model.NewStore(model.WithRetention(rows))
		g := synth.NewGenerator(synth.GeneratorConfig{Seed: 1, Agents: 50})
		for st := store.Snapshot().Stats; st.Open+st.Ended < rows; st = store.Snapshot().Stats {
			applyGenerated(b, store, g, 1000)
		}
		after := liveHeap()
		sn := store.Snapshot()
		var s int
		for _, r := range sn.Rows {
			s += rowStrings(r)
		}
		perRow = float64(after-before) / float64(len(sn.Rows))
		strs = float64(s) / float64(len(sn.Rows))
		runtime.KeepAlive(store)
	}
	b.ReportMetric(perRow, "heap-bytes/row")
	b.ReportMetric(strs, "string-bytes/row")
	b.ReportMetric(perRow-strs, "bytes/row-beyond-strings")
}

func liveHeap() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// rowStrings adds up the bytes of the strings and raw JSON a row holds (its snapshot, its record
// when it is another snapshot, its timeline's texts).
func rowStrings(r *model.Row) int {
	n := len(r.Key) + len(r.AgentID) + len(r.AudioAlert) + interactionStrings(r.Data)
	if r.Record != nil && r.Record != r.Data {
		n += interactionStrings(r.Record)
	}
	for _, c := range r.Timeline {
		n += len(c.Text)
	}
	return n
}

func interactionStrings(in *model.Interaction) int {
	n := len(in.ID) + len(in.State) + len(in.Type) + len(in.Subject)
	for _, p := range []*string{in.PhoneNumber, in.Email, in.Description, in.Disposition,
		in.GlobalInteractionID, in.Service, in.PlaybackURL, in.RecordingURL, in.DNIS, in.ANI} {
		n += len(model.Str(p))
	}
	if in.CallDirection != nil {
		n += len(*in.CallDirection)
	}
	if in.Origination != nil {
		n += len(*in.Origination)
	}
	for k, v := range in.AttachedData {
		n += len(k) + len(v)
	}
	for _, p := range in.CallParties {
		n += len(p.ID) + len(p.Name) + len(p.Phone) + len(model.Str(p.UserID))
	}
	for _, o := range in.AssociatedObjects.List {
		n += len(o.ID) + len(o.Type) + len(o.DisplayName) + len(o.DisplayType) + len(o.CustomFields) + len(o.Source)
	}
	n += len(in.AssociatedObjects.Selected)
	for k, v := range in.Extra {
		n += len(k) + len(v)
	}
	return n
}
