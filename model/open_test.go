package model

import (
	"fmt"
	"testing"
	"time"
)

func TestFormatDurationFitsTheColumn(t *testing.T) {
	t.Parallel()
	tests := []struct {
		d    time.Duration
		want string
	}{
		{-time.Second, "0:00"},
		{0, "0:00"},
		{1499 * time.Millisecond, "0:01"},
		{59*time.Minute + 59*time.Second, "59:59"},
		{time.Hour, "1:00:00"},
		{9*time.Hour + 59*time.Minute + 59*time.Second, "9:59:59"},
		{10 * time.Hour, "10h00m"},
		{30*time.Hour + 2*time.Minute + 40*time.Second, "30h02m"},
		{99*time.Hour + 59*time.Minute, "99h59m"},
		{100 * time.Hour, "4d04h"},
		{28*24*time.Hour + 4*time.Hour, "28d04h"},
		{999*24*time.Hour + 23*time.Hour, "999d23h"},
		{1234 * 24 * time.Hour, "1234d"},
	}
	for _, tt := range tests {
		got := FormatDuration(tt.d)
		if got != tt.want || len(got) > 7 {
			t.Errorf("FormatDuration(%v) = %q, want %q (at most 7 cells)", tt.d, got, tt.want)
		}
	}
}

// TestDurationStopsAtTheEnd follows a call through wrap-up (the desktop sets endTime) and removal:
// the duration runs until the end is known, then stays there, and removal never moves it back.
func TestDurationStopsAtTheEnd(t *testing.T) {
	t.Parallel()
	start := t0.UnixMilli()
	at := func(sec int, typ, state, extra string) string {
		return fmt.Sprintf(`{"type":%q,"ts":%d,"params":[%s]}`, typ, start+int64(sec)*1000,
			iv("A1", state, "voice", fmt.Sprintf(`"startTime":%d%s`, start, extra)))
	}
	s := NewStore()
	apply(t, s, at(0, EvNewInteraction, "delivered", ""))
	r := s.Row(RowKey("", "A1"))
	if got := FormatDuration(r.Duration(t0.Add(7 * time.Second))); got != "0:07" || !r.End().IsZero() {
		t.Fatalf("running call at 7 s: %s (end %v)", got, r.End())
	}
	apply(t, s, at(8, EvInteractionStateChange, "wrap_up", fmt.Sprintf(`,"endTime":%d,"duration":3`, start+3000)))
	r = s.Row(RowKey("", "A1"))
	for _, sec := range []int{8, 60, 3600} {
		if d := r.Duration(t0.Add(time.Duration(sec) * time.Second)); d != 3*time.Second {
			t.Errorf("wrap-up with endTime at %d s: duration %v, want 3s", sec, d)
		}
	}
	apply(t, s, at(12, EvInteractionRemoved, "completed", fmt.Sprintf(`,"endTime":%d,"duration":3`, start+3000)))
	if d := s.Row(RowKey("", "A1")).Duration(t0.Add(time.Hour)); d != 3*time.Second {
		t.Errorf("removed: duration %v, want 3s", d)
	}

	// Without endTime the call runs until removed, and stops at its removal, past what was shown.
	apply(t, s, fmt.Sprintf(`{"type":"ON_NEW_INTERACTION","ts":%d,"params":[%s]}`, start, iv("B2", "delivered", "chat",
		fmt.Sprintf(`"startTime":%d`, start))))
	shown := s.Row(RowKey("", "B2")).Duration(t0.Add(7 * time.Second))
	apply(t, s, fmt.Sprintf(`{"type":"ON_INTERACTION_REMOVED","ts":%d,"params":[%s]}`, start+7000,
		iv("B2", "completed", "chat", fmt.Sprintf(`"startTime":%d,"duration":3`, start))))
	if d := s.Row(RowKey("", "B2")).Duration(t0.Add(time.Hour)); d != shown || d != 7*time.Second {
		t.Errorf("removed without endTime: duration %v after showing %v, want 7s", d, shown)
	}

	// Completed without endTime: it stops when it completed, and stays there when removed.
	apply(t, s, fmt.Sprintf(`{"type":"ON_NEW_INTERACTION","ts":%d,"params":[%s]}`, start, iv("C3", "delivered", "chat",
		fmt.Sprintf(`"startTime":%d`, start))))
	apply(t, s, fmt.Sprintf(`{"type":"ON_INTERACTION_STATE_CHANGE","ts":%d,"params":[%s]}`, start+9000,
		iv("C3", "completed", "chat", fmt.Sprintf(`"startTime":%d`, start))))
	if d := s.Row(RowKey("", "C3")).Duration(t0.Add(time.Hour)); d != 9*time.Second {
		t.Errorf("completed at 9 s: duration %v an hour on, want 9s", d)
	}
	apply(t, s, fmt.Sprintf(`{"type":"ON_INTERACTION_REMOVED","ts":%d,"params":[%s]}`, start+20000,
		iv("C3", "completed", "chat", fmt.Sprintf(`"startTime":%d`, start))))
	if d := s.Row(RowKey("", "C3")).Duration(t0.Add(time.Hour)); d != 9*time.Second {
		t.Errorf("completed at 9 s, removed at 20 s: duration %v, want 9s", d)
	}
}

// TestCompletedIsNotOpen: a completed interaction that is not removed yet counts as ended in the
// header, sorts after the open ones, is hidden by "e" and matches state:ended; wrap-up stays open.
func TestCompletedIsNotOpen(t *testing.T) {
	t.Parallel()
	s := NewStore()
	apply(t, s,
		ev(EvNewInteraction, iv("A1", "completed", "voice", `"startTime":1699999990000`)),
		ev(EvNewInteraction, iv("B2", "wrap_up", "chat", `"startTime":1699999991000`)),
		ev(EvNewInteraction, iv("C3", "delivered", "email", `"startTime":1699999992000`)),
		ev(EvNewInteraction, iv("D4", "delivered", "voice", `"startTime":1699999989000`)),
		ev(EvInteractionRemoved, iv("D4", "delivered", "voice", `"startTime":1699999989000`)),
	)
	sn := s.Snapshot()
	st := sn.Stats
	if st.Open != 2 || st.Ended != 2 || st.ByState[StateCompleted] != 0 || st.ByState[StateWrapUp] != 1 {
		t.Errorf("stats: open %d ended %d by state %v; want 2 open (wrap_up, delivered), 2 ended",
			st.Open, st.Ended, st.ByState)
	}
	now := t0.Add(time.Minute)
	if got := ids(DefaultQuery(Filter{}).Run(sn.Rows, now)); got != "B2,C3,D4,A1" {
		t.Errorf("open first = %s, want B2,C3,D4,A1", got)
	}
	if got := ids(Query{HideEnded: true}.Run(sn.Rows, now)); got != "B2,C3" {
		t.Errorf("hide ended = %s, want B2,C3", got)
	}
	for filter, want := range map[string]string{"state:ended": "D4,A1", "state:open": "B2,C3"} {
		f, err := ParseFilter(filter)
		if err != nil {
			t.Fatal(err)
		}
		if got := ids(DefaultQuery(f).Run(sn.Rows, now)); got != want {
			t.Errorf("%s = %s, want %s", filter, got, want)
		}
	}
	for _, state := range States {
		if state.Ends() != (state == StateCompleted) {
			t.Errorf("%s: Ends() = %v", state, state.Ends())
		}
	}
}
