package model

import (
	"strings"
	"testing"
)

// TestEvictedRowsStayForgotten: what trails an interaction's end (the activity record, a late
// "completed" snapshot, an audio-quality clear) must not bring back a row that retention evicted;
// a new interaction with the same id, or a state change that reopens it, does.
func TestEvictedRowsStayForgotten(t *testing.T) {
	s := NewStore(WithRetention(1))
	apply(t, s,
		ev(EvNewInteraction, iv("a", "delivered", "voice", "")),
		ev(EvInteractionRemoved, iv("a", "completed", "voice", "")),
		ev(EvNewInteraction, iv("b", "delivered", "voice", "")),
		ev(EvInteractionRemoved, iv("b", "completed", "voice", "")), // a is evicted here
		ev(EvSaveActivityRecord, iv("a", "completed", "voice", `"disposition":"Sale"`)),
		ev(EvInteractionStateChange, iv("a", "completed", "voice", "")),
		ev(EvInteractionRemoved, iv("a", "completed", "voice", "")),
		ev(EvAudioQualityAlert, `"a",false`),
	)
	sn := s.Snapshot()
	if s.Row(RowKey("", "a")) != nil || len(sn.Rows) != 1 || sn.Stats.Open != 0 {
		t.Fatalf("evicted row came back: %d rows, %d open", len(sn.Rows), sn.Stats.Open)
	}
	if sn.Stats.Stale != 4 || sn.Stats.Evicted != 1 {
		t.Errorf("stale %d evicted %d, want 4 and 1", sn.Stats.Stale, sn.Stats.Evicted)
	}
	apply(t, s, ev(EvNewInteraction, iv("a", "queued", "voice", "")))
	if r := s.Row(RowKey("", "a")); r == nil || r.Ended {
		t.Fatalf("a new interaction with an evicted id should be a new open row: %+v", r)
	}
	// b is evicted when a ends again; a state change that reopens it brings it back.
	apply(t, s, ev(EvInteractionRemoved, iv("a", "completed", "voice", "")),
		ev(EvInteractionStateChange, iv("b", "hold", "voice", "")))
	if r := s.Row(RowKey("", "b")); r == nil || r.Ended || r.Data.State != StateHold {
		t.Errorf("a reopening state change should bring b back open: %+v", r)
	}
}

// TestClosingEventsNeverOpenARow: an interaction first seen by its activity record or a "completed"
// snapshot (the monitor joined after its end) is an ended row, and a late "completed" snapshot of an
// ended row does not reopen it.
func TestClosingEventsNeverOpenARow(t *testing.T) {
	s := NewStore()
	apply(t, s,
		ev(EvSaveActivityRecord, iv("r", "completed", "voice", `"disposition":"Sale"`)),
		ev(EvInteractionStateChange, iv("c", "completed", "chat", "")),
		ev(EvNewInteraction, iv("d", "delivered", "voice", "")),
		ev(EvInteractionRemoved, iv("d", "completed", "voice", "")),
		ev(EvInteractionStateChange, iv("d", "completed", "voice", "")),
	)
	for _, id := range []string{"r", "c", "d"} {
		r := s.Row(RowKey("", id))
		if r == nil || !r.Ended {
			t.Errorf("%s: want an ended row, got %+v", id, r)
			continue
		}
		if txt := strings.Join(kinds(r), "|"); strings.Contains(txt, "reopened") {
			t.Errorf("%s reopened: %s", id, txt)
		}
	}
	if r := s.Row(RowKey("", "r")); r != nil && (r.Record == nil || Str(r.Record.Disposition) != "Sale") {
		t.Errorf("the record was not kept: %+v", r.Record)
	}
	if st := s.Snapshot().Stats; st.Open != 0 || st.Ended != 3 {
		t.Errorf("open %d ended %d, want 0 and 3", st.Open, st.Ended)
	}
}

func TestForgottenIsBounded(t *testing.T) {
	f := newForgotten(3)
	for _, k := range []string{"a", "b", "a", "c", "d"} {
		f.add(k)
	}
	// The ring keeps the last three (a, c, d); the first a leaving did not drop the second.
	for k, want := range map[string]bool{"a": true, "b": false, "c": true, "d": true} {
		if f.has(k) != want {
			t.Errorf("has(%q) = %v, want %v", k, !want, want)
		}
	}
	if len(f.at) != 3 || f.n != 3 {
		t.Errorf("%d remembered in %d slots, want 3", len(f.at), f.n)
	}
	f.revive("c")
	if f.has("c") {
		t.Error("revived key still forgotten")
	}
}

// TestReopenCyclesKeepOneQueueEntry: an interaction ended, reopened and ended again, over and over
// (any bridge can, for its own agent), stands once in the queue of ended rows: the queue is not
// counted in the memory bound, and on a monitor it was only read again once retention's number of
// rows had ended. Retention still forgets the row, at its first end's turn.
func TestReopenCyclesKeepOneQueueEntry(t *testing.T) {
	t.Parallel()
	s := NewStore(WithRetention(3))
	for range 5000 {
		apply(t, s, ev(EvInteractionStateChange, iv("a", "connected", "voice", "")),
			ev(EvInteractionRemoved, iv("a", "completed", "voice", "")))
	}
	if len(s.ended) != 1 {
		t.Fatalf("the queue of ended rows holds %d entries after 5,000 ends of one row, want 1", len(s.ended))
	}
	// a open again when its turn comes: b goes (4 ended), then a's end queues it anew and c goes.
	apply(t, s, ev(EvInteractionStateChange, iv("a", "connected", "voice", "")))
	for _, id := range []string{"b", "c", "d", "e"} {
		apply(t, s, ev(EvNewInteraction, iv(id, "delivered", "voice", "")), ev(EvInteractionRemoved, iv(id, "completed", "voice", "")))
	}
	apply(t, s, ev(EvInteractionRemoved, iv("a", "completed", "voice", "")))
	kept := func(id string) bool { return s.Row(RowKey("", id)) != nil }
	if sn := s.Snapshot(); sn.Stats.Ended != 3 || kept("b") || kept("c") || !kept("a") {
		t.Errorf("ended %d, kept b %v c %v a %v: want 3 ended, b then c forgotten, a kept", sn.Stats.Ended,
			kept("b"), kept("c"), kept("a"))
	}
	if len(s.ended) != 3 {
		t.Errorf("the queue holds %d entries for 3 ended rows", len(s.ended))
	}
}
