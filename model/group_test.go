package model

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func groupsText(gs []Group) string {
	var parts []string
	for _, g := range gs {
		parts = append(parts, fmt.Sprintf("%s=%s", g.Key, ids(g.Rows)))
	}
	return strings.Join(parts, " ")
}

func TestGroupRows(t *testing.T) {
	rows, _ := filterRows(t)
	tests := []struct {
		by   GroupBy
		want string
	}{
		{GroupNone, "=A1,B2,C3,D4,E5"},
		{GroupAgent, "j doe=D4 jdoe=A1,C3 mroe=B2 =E5"},
		{GroupService, "Billing=C3 Sales=A1 Sales EMEA=D4 Support=B2 Ünïcode Straße=E5"},
		{GroupState, "queued=C3 delivered=A1 hold=B2,D4 ended=E5"},
		{GroupType, "voice=A1,D4,E5 chat=B2 email=C3"},
	}
	for _, tt := range tests {
		if got := groupsText(GroupRows(rows, tt.by)); got != tt.want {
			t.Errorf("group by %v:\n got %s\nwant %s", tt.by, got, tt.want)
		}
	}
	// Rows keep the order they came in, whatever it is.
	rev := []*Row{rows[4], rows[3], rows[2], rows[1], rows[0]}
	if got := groupsText(GroupRows(rev, GroupType)); got != "voice=E5,D4,A1 chat=B2 email=C3" {
		t.Errorf("reversed input: %s", got)
	}
	if GroupRows(nil, GroupAgent) != nil {
		t.Error("no rows should give no groups")
	}
}

func TestGroupUnknownValuesAfterKnown(t *testing.T) {
	mk := func(id string, st State, ty Type) *Row {
		return &Row{Data: &Interaction{ID: id, State: st, Type: ty}}
	}
	rows := []*Row{mk("a", "supervised", "sms"), mk("b", StateUnknown, TypeChat), mk("c", StateQueued, "fax")}
	if got := groupsText(GroupRows(rows, GroupState)); got != "queued=c unknown=b supervised=a" {
		t.Errorf("states: %s", got)
	}
	// A completed row not yet removed is ended, as the open count has it: one group of the ended,
	// where the newcomer saw "completed" and "ended" apart.
	done := append(rows, mk("d", StateCompleted, TypeVoice), &Row{Data: &Interaction{ID: "e", State: StateHold}, Ended: true})
	if got := groupsText(GroupRows(done, GroupState)); got != "queued=c unknown=b supervised=a ended=d,e" {
		t.Errorf("states with ended ones: %s", got)
	}
	if got := groupsText(GroupRows(rows, GroupType)); got != "chat=b fax=c sms=a" {
		t.Errorf("types: %s", got)
	}
}

func TestGroupByNames(t *testing.T) {
	g := GroupNone
	var seen []string
	for range 5 {
		seen = append(seen, g.String())
		p, ok := ParseGroupBy(strings.ToUpper(g.String()))
		if !ok || p != g {
			t.Errorf("ParseGroupBy(%q) = %v, %v", g.String(), p, ok)
		}
		g = g.Next()
	}
	if g != GroupNone || strings.Join(seen, ",") != "none,agent,service,state,type" {
		t.Errorf("cycle %v ends at %v", seen, g)
	}
	if _, ok := ParseGroupBy("colour"); ok {
		t.Error("ParseGroupBy accepted an unknown name")
	}
	if GroupBy(99).String() != "?" {
		t.Error("out of range String")
	}
}

// synthRows builds n rows over 50 agents, 8 services, every type and state, with parties.
func synthRows(n int) []*Row {
	services := []string{"Sales", "Support", "Billing", "Retention", "Sales EMEA", "Tech", "VIP", "Claims"}
	rows := make([]*Row, n)
	for i := range rows {
		svc := services[i%len(services)]
		start := float64(t0.Add(-time.Duration(i%3600) * time.Second).UnixMilli())
		d := &Interaction{ID: fmt.Sprintf("int-%07d", i), State: States[i%len(States)],
			Type: Types[i%len(Types)], Subject: fmt.Sprintf("Question about invoice %d", i),
			CallParties: []CallParty{{ID: "p1", Name: fmt.Sprintf("Caller %d", i), Phone: fmt.Sprintf("+1415555%04d", i%10000)}},
			CallMuted:   i%7 == 0, CallRecording: i%5 != 0, Service: &svc, StartTime: &start}
		at := t0.Add(-time.Duration(i%600) * time.Second)
		rows[i] = &Row{Key: RowKey(fmt.Sprintf("agent%02d", i%50), d.ID), Seq: uint64(i + 1),
			AgentID: fmt.Sprintf("agent%02d", i%50), Data: d, FirstSeen: at, Updated: at,
			Ended: i%11 == 0, EndedAt: at,
			Timeline: []Change{NewChange(at, ChangeCreated, "", "")}}
	}
	return rows
}

// BenchmarkFilterSortGroup100k is one re-evaluation of the interactions view over 100,000 rows:
// a filter with field, negated and duration terms and free text, a stable sort by duration, and
// grouping by agent.
func BenchmarkFilterSortGroup100k(b *testing.B) {
	rows := synthRows(100000)
	f := mustParse(b, "type:voice -state:completed dur>30s caller")
	q := Query{Filter: f, Sort: SortDuration, Desc: true}
	now := t0.Add(time.Minute)
	b.ReportAllocs()
	var n int
	for b.Loop() {
		out := q.Run(rows, now)
		n = len(GroupRows(out, GroupAgent))
		if len(out) == 0 {
			b.Fatal("the filter selected nothing")
		}
	}
	b.ReportMetric(float64(n), "groups")
}
