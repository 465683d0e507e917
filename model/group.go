package model

import (
	"cmp"
	"slices"
	"strings"
)

// GroupBy names what the interactions view groups rows by.
type GroupBy int

// The groupings, in the order Next cycles through them.
const (
	GroupNone GroupBy = iota
	GroupAgent
	GroupService
	GroupState
	GroupType
	numGroupBys
)

var groupNames = [...]string{"none", "agent", "service", "state", "type"}

// String names the grouping as the status line and the configuration spell it.
func (g GroupBy) String() string {
	if g >= 0 && g < numGroupBys {
		return groupNames[g]
	}
	return "?"
}

// Next returns the following grouping, wrapping around to GroupNone.
func (g GroupBy) Next() GroupBy { return (g + 1) % numGroupBys }

// ParseGroupBy finds a grouping by its name.
func ParseGroupBy(name string) (GroupBy, bool) {
	i := slices.Index(groupNames[:], strings.ToLower(strings.TrimSpace(name)))
	return GroupBy(max(i, 0)), i >= 0
}

// GroupEnded is the key of the group that holds ended rows when grouping by state.
const GroupEnded = "ended"

// Group is a run of rows that share a key. Rows keep the order they were given in (the query's
// sort), so a group reads like the flat table.
type Group struct {
	// Key is the shared agent id, service, state or type; "" when the rows have none (a stream
	// without agent ids, an interaction without a service) and for GroupNone's single group.
	Key  string
	Rows []*Row
}

// GroupRows splits rows into groups in a stable order: by key for agents and services (the group
// without a key last), in the order a call passes through for states (ended last), in the
// display order for types (unknown values after, by key). GroupNone gives one group with every row;
// no rows give no groups.
func GroupRows(rows []*Row, by GroupBy) []Group {
	if len(rows) == 0 {
		return nil
	}
	if by == GroupNone || by < 0 || by >= numGroupBys {
		return []Group{{Rows: rows}}
	}
	index := make(map[string]int)
	var groups []Group
	for _, r := range rows {
		k := groupKey(r, by)
		i, ok := index[k]
		if !ok {
			i = len(groups)
			index[k] = i
			groups = append(groups, Group{Key: k})
		}
		groups[i].Rows = append(groups[i].Rows, r)
	}
	slices.SortStableFunc(groups, func(a, b Group) int { return compareGroupKeys(by, a.Key, b.Key) })
	return groups
}

// Key returns the key of the group r belongs to (GroupRows' Group.Key).
func (by GroupBy) Key(r *Row) string { return groupKey(r, by) }

func groupKey(r *Row, by GroupBy) string {
	switch by {
	case GroupAgent:
		return r.AgentID
	case GroupService:
		return Str(r.Data.Service)
	case GroupState:
		if !r.Open() { // removed or completed: ended, as the open count and "e" have it
			return GroupEnded
		}
		return string(r.Data.State)
	case GroupType:
		return string(r.Data.Type)
	}
	return ""
}

// compareGroupKeys orders group keys: by rank for states and types, else by name with "" last.
func compareGroupKeys(by GroupBy, a, b string) int {
	switch by {
	case GroupState:
		return cmp.Or(cmp.Compare(stateKeyRank(a), stateKeyRank(b)), strings.Compare(a, b))
	case GroupType:
		return cmp.Or(cmp.Compare(typeKeyRank(a), typeKeyRank(b)), strings.Compare(a, b))
	}
	if (a == "") != (b == "") {
		if a == "" {
			return 1
		}
		return -1
	}
	return cmp.Or(cmp.Compare(strings.ToLower(a), strings.ToLower(b)), strings.Compare(a, b))
}

func stateKeyRank(k string) int {
	if k == GroupEnded {
		return len(States) + 1
	}
	if i := slices.Index(States, State(k)); i >= 0 {
		return i
	}
	return len(States)
}

func typeKeyRank(k string) int {
	if i := slices.Index(Types, Type(k)); i >= 0 {
		return i
	}
	return len(Types)
}
