package jetlog

import (
	"maps"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestHubsNamesTheRoutedHubs: in a cluster, each log names itself and the hubs its server has a
// route to; when one is closed (its process gone) the others stop naming it. A log alone cannot
// tell.
func TestHubsNamesTheRoutedHubs(t *testing.T) {
	t.Parallel()
	logs, errs := openCluster(testCtx(t), clusterConfigs(t, 3))
	for i, l := range logs {
		if errs[i] != nil {
			t.Fatalf("log %d: %v", i, errs[i])
		}
		t.Cleanup(func() { l.Close() })
	}
	names := func(l *Log) string {
		hubs, ok := l.Hubs()
		if !ok {
			return "(cannot tell)"
		}
		return strings.Join(slices.Sorted(maps.Keys(hubs)), ",")
	}
	all := []string{logs[0].ServerName(), logs[1].ServerName(), logs[2].ServerName()}
	slices.Sort(all)
	waitFor(t, "every log naming the three hubs", func() bool {
		return names(logs[0]) == strings.Join(all, ",") && names(logs[2]) == strings.Join(all, ",")
	})
	gone := logs[1].ServerName()
	logs[1].Close()
	if got := names(logs[1]); got != "(cannot tell)" {
		t.Errorf("a closed log names %s", got)
	}
	waitFor(t, "the others to stop naming "+gone, func() bool {
		return !strings.Contains(names(logs[0]), gone) && !strings.Contains(names(logs[2]), gone)
	})
	alone := openLog(t, Config{})
	if got := names(alone); got != "(cannot tell)" {
		t.Errorf("a log alone names %s", got)
	}
}

// TestOneHubLeads: in a cluster whose watchers have seen the stream's leader, exactly one log
// leads, the leader's; a log alone always does.
func TestOneHubLeads(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	logs, errs := openCluster(ctx, clusterConfigs(t, 3))
	for i, l := range logs {
		if errs[i] != nil {
			t.Fatalf("log %d: %v", i, errs[i])
		}
		t.Cleanup(func() { l.Close() })
		go l.WatchCluster(ctx, 50*time.Millisecond)
	}
	var leader string
	waitFor(t, "exactly one log to lead, the stream leader's", func() bool {
		st, err := logs[0].State(ctx)
		if err != nil || st.Leader == "" {
			return false
		}
		var leads []string
		for _, l := range logs {
			if l.Leads() {
				leads = append(leads, l.ServerName())
			}
		}
		leader = st.Leader
		return len(leads) == 1 && leads[0] == leader
	})
	if alone := openLog(t, Config{}); !alone.Leads() {
		t.Error("a log alone does not lead")
	}
}
