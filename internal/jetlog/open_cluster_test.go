package jetlog

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"
)

// openCluster opens a log on each of cfgs at once, as hubs of a cluster starting together do.
func openCluster(ctx context.Context, cfgs []Config) ([]*Log, []error) {
	logs := make([]*Log, len(cfgs))
	errs := make([]error, len(cfgs))
	var wg sync.WaitGroup
	for i, c := range cfgs {
		wg.Go(func() { logs[i], errs[i] = Open(ctx, c) })
	}
	wg.Wait()
	return logs, errs
}

// TestClusterFirstStartsRestore starts three hubs' logs together on fresh data, a few times: once
// Open returns, each answers what a starting hub asks (its state, its newest checkpoint) at once,
// with a context without deadline, as the hub's Start does. A checkpoint store whose leader was not
// yet elected made that listing wait for ever now and then.
func TestClusterFirstStartsRestore(t *testing.T) {
	t.Parallel()
	for round := range 3 {
		logs, errs := openCluster(testCtx(t), clusterConfigs(t, 3))
		for i, l := range logs {
			if errs[i] != nil {
				t.Fatalf("round %d, log %d: %v", round, i, errs[i])
			}
			t.Cleanup(func() { l.Close() })
		}
		for i, l := range logs {
			done := make(chan error, 1)
			go func() {
				_, err := l.State(context.Background())
				if err == nil {
					_, _, err = l.LatestCheckpoint(context.Background())
				}
				done <- err
			}()
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("round %d, log %d: %v", round, i, err)
				}
			case <-time.After(testTimeout):
				t.Fatalf("round %d, log %d: no state and checkpoint within %s", round, i, testTimeout)
			}
		}
		for _, l := range logs {
			l.Close()
		}
	}
}

// TestFirstStartWithTooFewHubs: two hubs of three on the cluster's very first start cannot place
// the stream's three replicas; Open says so, and what to do.
func TestFirstStartWithTooFewHubs(t *testing.T) {
	t.Parallel()
	// Time for the two servers to elect a leader (2 s under -race, over 10 s seen on a loaded
	// machine) and for an attempt to create the stream; Open retries until ctx ends.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cfgs := clusterConfigs(t, 3)[:2]
	for i := range cfgs {
		cfgs[i].Replicas = 3
	}
	logs, errs := openCluster(ctx, cfgs)
	for i, err := range errs {
		if logs[i] != nil {
			logs[i].Close()
		}
		if err == nil || !strings.Contains(err.Error(), "start the other hubs of the cluster (at least 3") {
			t.Errorf("log %d: %v, want it to say to start the other hubs", i, err)
		}
	}
}
