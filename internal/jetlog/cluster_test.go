package jetlog

import (
	"reflect"
	"testing"
)

// TestClusterWatchSaysWhatChanged: the watcher's lines for a stream whose leader changes and
// whose peer goes offline and comes back, and the counts /metrics reports.
func TestClusterWatchSaysWhatChanged(t *testing.T) {
	t.Parallel()
	w := &clusterWatch{}
	for _, step := range []struct {
		st   State
		want []string
	}{
		{State{Cluster: "floor", Leader: "a", Peers: []string{"a", "b", "c"}},
			[]string{`cluster "floor": stream leader a, peers a, b, c`}},
		{State{Cluster: "floor", Leader: "a", Peers: []string{"a", "b", "c"}}, nil},
		{State{Cluster: "floor", Leader: "c", Peers: []string{"c", "a (offline)", "b"}},
			[]string{`cluster "floor": stream leader c (was a)`, `cluster "floor": peer a went away (offline)`}},
		{State{Cluster: "floor", Leader: "c", Peers: []string{"c", "a (lagging)", "b"}}, nil},
		{State{Cluster: "floor", Leader: "c", Peers: []string{"c", "a", "b"}}, []string{`cluster "floor": peer a is back`}},
		{State{Cluster: "floor", Leader: "", Peers: []string{"c", "a", "b (offline)"}},
			[]string{`cluster "floor": stream leader none (was c)`, `cluster "floor": peer b went away (offline)`}},
	} {
		if got := w.update(step.st); !reflect.DeepEqual(got, step.want) {
			t.Errorf("after %+v: %q, want %q", step.st, got, step.want)
		}
	}
	if w.leaderChanges != 2 || w.peerLosses != 2 {
		t.Errorf("%d leader changes, %d peer losses; want 2 and 2", w.leaderChanges, w.peerLosses)
	}
}
