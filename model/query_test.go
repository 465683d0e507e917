package model

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

func queryStore(t *testing.T) *Store {
	s := NewStore()
	apply(t, s,
		evAgent("jdoe", EvNewInteraction, iv("A1", "delivered", "voice",
			`"ANI":"+15550100","service":"Sales","callParties":[{"id":"p","name":"Ann Smith","phone":"+15550100"}],"startTime":1699999990000`)),
		evAgent("mroe", EvNewInteraction, iv("B2", "hold", "chat", `"service":"Support","startTime":1699999900000`)),
		evAgent("jdoe", EvNewInteraction, iv("C3", "queued", "email", `"email":"bob@example.com","service":"Billing","startTime":1699999999000`)),
		evAgent("mroe", EvInteractionRemoved, iv("B2", "completed", "chat", `"service":"Support","startTime":1699999900000`)),
	)
	return s
}

func ids(rows []*Row) string {
	var out []string
	for _, r := range rows {
		out = append(out, r.Data.ID)
	}
	return strings.Join(out, ",")
}

func TestQueryFilter(t *testing.T) {
	rows := queryStore(t).Snapshot().Rows
	now := t0.Add(time.Minute)
	tests := []struct{ filter, want string }{
		{"", "B2,A1,C3"},
		{"smith", "A1"},
		{"5550100", "A1"},
		{"SUPPORT", "B2"},
		{"bob@", "C3"},
		{"jdoe", "A1,C3"},
		{"jdoe billing", "C3"},
		{"b2", "B2"},
		{"nothing-matches", ""},
	}
	for _, tt := range tests {
		f := mustParse(t, tt.filter)
		if got := ids(Query{Filter: f}.Run(rows, now)); got != tt.want {
			t.Errorf("filter %q = %q, want %q", tt.filter, got, tt.want)
		}
	}
	if got := ids(Query{OpenFirst: true}.Run(rows, now)); got != "A1,C3,B2" {
		t.Errorf("open first = %q", got)
	}
	if got := ids(Query{OpenFirst: true, Desc: true}.Run(rows, now)); got != "C3,A1,B2" {
		t.Errorf("open first, newest first = %q", got)
	}
	if got := ids(Query{HideEnded: true}.Run(rows, now)); got != "A1,C3" {
		t.Errorf("hide ended = %q", got)
	}
}

func TestQuerySort(t *testing.T) {
	rows := queryStore(t).Snapshot().Rows
	now := t0.Add(time.Minute)
	tests := []struct {
		key  SortKey
		desc bool
		want string
	}{
		{SortStarted, false, "B2,A1,C3"},
		{SortStarted, true, "C3,A1,B2"},
		{SortDuration, true, "B2,A1,C3"},
		{SortState, false, "C3,A1,B2"},
		{SortService, false, "C3,A1,B2"},
		{SortAgent, false, "A1,C3,B2"}, // ties keep first-sight order
		{SortID, true, "C3,B2,A1"},
	}
	for _, tt := range tests {
		if got := ids(Query{Sort: tt.key, Desc: tt.desc}.Run(rows, now)); got != tt.want {
			t.Errorf("sort %v desc=%v = %q, want %q", tt.key, tt.desc, got, tt.want)
		}
	}
	if k, ok := ParseSortKey("duration"); !ok || k != SortDuration || k.String() != "duration" {
		t.Error("ParseSortKey")
	}
	if SortRecording.Next() != SortStarted {
		t.Error("sort keys should wrap")
	}
}

func TestQuerySortFlagsAndDirection(t *testing.T) {
	call := func(id string, muted, rec bool, dir string) string {
		s := `{"interactionId":"` + id + `","state":"delivered","type":"voice","subject":"s",` +
			`"associatedObjects":{"list":[],"selected":null},"callParties":[],` +
			`"callMuted":` + strconv.FormatBool(muted) + `,"callRecording":` + strconv.FormatBool(rec) +
			`,"attachedData":{}`
		if dir != "" {
			s += `,"callDirection":"` + dir + `"`
		}
		return s + "}"
	}
	s := NewStore()
	apply(t, s,
		ev(EvNewInteraction, call("A", true, false, "outbound")),
		ev(EvNewInteraction, call("B", false, true, "")),
		ev(EvNewInteraction, call("C", true, true, "inbound")),
		ev(EvNewInteraction, call("D", false, false, "inbound")),
	)
	rows := s.Snapshot().Rows
	for _, tt := range []struct {
		key  SortKey
		desc bool
		want string
	}{
		{SortMuted, false, "B,D,A,C"}, // ties keep first-sight order
		{SortMuted, true, "A,C,B,D"},
		{SortRecording, false, "A,D,B,C"},
		{SortDirection, false, "B,C,D,A"}, // none, inbound, outbound
	} {
		if got := ids(Query{Sort: tt.key, Desc: tt.desc}.Run(rows, t0)); got != tt.want {
			t.Errorf("sort %v desc=%v = %q, want %q", tt.key, tt.desc, got, tt.want)
		}
	}
	for _, name := range []string{"dir", "muted", "rec"} {
		if k, ok := ParseSortKey(name); !ok || k.String() != name {
			t.Errorf("ParseSortKey(%q) = %v, %v", name, k, ok)
		}
	}
}
