package ui

import (
	"fmt"
	"testing"

	"github.com/deskwatch/deskwatch/model"
	"github.com/deskwatch/deskwatch/themes"
)

// endChat removes chat-77 (b.smith's open chat) from the store and lets the model see it.
func endChat(t *testing.T, m *Model, store *model.Store, typ, state string) {
	t.Helper()
	ev, err := model.Decode([]byte(fmt.Sprintf(`{"type":%q,"agentId":"b.smith","ts":%d,"params":[`+
		`{"interactionId":"chat-77","state":%q,"type":"chat","subject":"Where is my order?","email":"kim@example.com",`+
		`"startTime":%d}]}`, typ, base.UnixMilli()+91000, state, base.UnixMilli()+20000)))
	if err != nil {
		t.Fatal(err)
	}
	store.Apply(ev, ev.TS)
	m.Update(changedMsg{})
}

// TestSelectionMovesOnWhenItsRowEnds: the open rows come first (c-1001, chat-77, mail-9, then the
// ended call); when the selected chat ends, the cursor goes on to the open row that took its place
// instead of following the chat down into the ended ones.
func TestSelectionMovesOnWhenItsRowEnds(t *testing.T) {
	t.Parallel()
	for _, end := range []struct{ typ, state string }{
		{model.EvInteractionRemoved, "completed"},
		{model.EvInteractionStateChange, "completed"}, // completed is ended before it is removed
	} {
		m, store := newTestModel(t, themes.Dark, 120, 20, deskEvents())
		press(m, "j")
		if r := m.table.Selected(); r == nil || r.Data.ID != "chat-77" {
			t.Fatalf("j selected %v, want chat-77", r)
		}
		endChat(t, m, store, end.typ, end.state)
		if r := m.table.Selected(); r == nil || r.Data.ID != "mail-9" || !r.Open() {
			t.Errorf("%s: after chat-77 ended the cursor is on %v, want mail-9, the next open row", end.typ, r.Data.ID)
		}
	}
}

// TestPinnedRowIsFollowed: f pins the selected row, and the cursor then follows it when it ends;
// f again unpins it.
func TestPinnedRowIsFollowed(t *testing.T) {
	t.Parallel()
	m, store := newTestModel(t, themes.Dark, 120, 20, deskEvents())
	press(m, "j", "f")
	if m.table.pinned != model.RowKey("b.smith", "chat-77") {
		t.Fatalf("f pinned %q, want chat-77", m.table.pinned)
	}
	endChat(t, m, store, model.EvInteractionRemoved, "completed")
	if r := m.table.Selected(); r == nil || r.Data.ID != "chat-77" {
		t.Errorf("pinned chat-77 ended: cursor on %v, want it still on chat-77", r)
	}
	press(m, "f")
	if m.table.pinned != "" {
		t.Errorf("f again left %q pinned", m.table.pinned)
	}
}

// TestAnEndedRowChosenOnPurposeStays: a user who selects an ended row keeps it.
func TestAnEndedRowChosenOnPurposeStays(t *testing.T) {
	t.Parallel()
	m, store := newTestModel(t, themes.Dark, 120, 20, deskEvents())
	press(m, "G")
	if r := m.table.Selected(); r == nil || r.Open() {
		t.Fatalf("G selected %v, want the ended call", r)
	}
	endChat(t, m, store, model.EvInteractionRemoved, "completed")
	if r := m.table.Selected(); r == nil || r.Data.ID != "c-1002-voice" {
		t.Errorf("cursor moved off the ended row the user chose to %v", r)
	}
}
