package jetlog

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/deskwatch/deskwatch/internal/e2e"
)

const testSecret = "a-secret-of-32-bytes-for-routes!"

// clusterConfigs is the configuration of n hubs clustered on loopback, each routed to every other.
func clusterConfigs(t testing.TB, n int) []Config {
	t.Helper()
	addrs := make([]string, n)
	for i := range addrs {
		addrs[i] = e2e.FreeAddr(t)
	}
	// The hubs' own lines (retries while the cluster starts, say) are shown if the test fails.
	logged := &e2e.Buffer{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("the hubs' logs:\n%s", logged)
		}
	})
	cfgs := make([]Config, n)
	for i := range cfgs {
		var routes []string
		for j, a := range addrs {
			if j != i {
				routes = append(routes, "nats-route://"+a)
			}
		}
		cfgs[i] = Config{Dir: t.TempDir(), Log: logged, patience: testTimeout,
			Cluster: Cluster{Name: "floor", Listen: addrs[i], Routes: routes, Secret: testSecret}}
	}
	return cfgs
}

// startCluster starts the nodes of cfgs together (each waits for a majority of them).
func startCluster(t *testing.T, cfgs []Config) []*node {
	t.Helper()
	nodes := make([]*node, len(cfgs))
	errs := make([]error, len(cfgs))
	var wg sync.WaitGroup
	for i, c := range cfgs {
		wg.Go(func() { nodes[i], errs[i] = startNodeWithin(c, 90*time.Second) })
	}
	wg.Wait()
	for i, n := range nodes {
		if n != nil {
			t.Cleanup(n.stop)
		}
		if errs[i] != nil {
			t.Fatalf("node %d: %v", i, errs[i])
		}
	}
	return nodes
}

// TestClusterFormsAndRefusesAStranger starts three clustered nodes: they elect a JetStream leader
// and hold a stream replicated on three; a fourth server routed to them without the secret, or
// with a wrong one, is refused (no route) and says why it could not start.
func TestClusterFormsAndRefusesAStranger(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a cluster")
	}
	t.Parallel()
	cfgs := clusterConfigs(t, 3)
	nodes := startCluster(t, cfgs)
	routes := make([]int, len(nodes)) // a route to each of 2 peers, pooled: several connections
	for i, n := range nodes {
		if routes[i] = n.srv.NumRoutes(); routes[i] < 2 || n.replicas != 3 {
			t.Errorf("%s has %d routes, want 2 or more; replicas %d, want 3", n.name, routes[i], n.replicas)
		}
	}
	ctx := context.Background()
	if _, err := nodes[0].js.AccountInfo(ctx); err != nil {
		t.Fatal(err)
	}

	for _, secret := range []string{"", "a-wrong-secret-of-32-bytes-long!"} {
		stranger := Config{Dir: t.TempDir(), Cluster: Cluster{Name: "floor", Listen: e2e.FreeAddr(t),
			Routes: []string{cfgs[0].Cluster.Listen}, Secret: secret}}
		if secret == "" {
			// Without a secret of its own the server is refused before it starts...
			_, err := startNodeWithin(stranger, time.Second)
			if err == nil || !strings.Contains(err.Error(), "--cluster-secret") {
				t.Fatalf("no secret: %v", err)
			}
			// ...so start it as a bare NATS server would: routes with no credentials.
			opts, err := embeddedOptions(Config{Dir: stranger.Dir, Cluster: Cluster{Name: "floor",
				Listen: stranger.Cluster.Listen, Secret: testSecret}})
			if err != nil {
				t.Fatal(err)
			}
			opts.Cluster.Username, opts.Cluster.Password = "", ""
			u, _ := RouteURL(cfgs[0].Cluster.Listen)
			opts.Routes = append(opts.Routes, u)
			assertRefused(t, opts, nodes)
			continue
		}
		_, err := startNodeWithin(stranger, 5*time.Second)
		if err == nil || !strings.Contains(err.Error(), "no JetStream leader") ||
			!strings.Contains(err.Error(), "0 route(s)") {
			t.Errorf("wrong secret: %v", err)
		}
	}
	for i, n := range nodes {
		if got := n.srv.NumRoutes(); got != routes[i] {
			t.Errorf("%s has %d routes after the strangers, want %d", n.name, got, routes[i])
		}
	}
}

// assertRefused starts a server with opts, whose routes go to members' cluster, and checks that
// none is accepted within a few of its connect attempts (one a second): no member gains a route,
// and the server never holds one. The server counts a route it solicits for a moment, until the
// member refuses its credentials and closes it (seen once in CI), so only a route it holds for
// seconds would be an accepted one.
func assertRefused(t *testing.T, opts *server.Options, members []*node) {
	t.Helper()
	before := make([]int, len(members))
	for i, n := range members {
		before[i] = n.srv.NumRoutes()
	}
	srv, err := server.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	srv.Start()
	defer func() { srv.Shutdown(); srv.WaitForShutdown() }()
	var held time.Time // since when the server has held a route
	for end := time.Now().Add(4 * time.Second); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		for i, n := range members {
			if got := n.srv.NumRoutes(); got > before[i] {
				t.Errorf("%s took a route from a server with routes %v (no secret): %d routes, %d before", n.name, opts.Routes, got, before[i])
				return
			}
		}
		switch {
		case srv.NumRoutes() == 0:
			held = time.Time{}
		case held.IsZero():
			held = time.Now()
		case time.Since(held) > 2*time.Second:
			t.Errorf("a server with routes %v (no secret) held a route for %s", opts.Routes, time.Since(held).Round(time.Millisecond))
			return
		}
	}
}

// TestServerNameIsKept: a hub restarted on the same data directory comes back under its name.
func TestServerNameIsKept(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	first, err := serverName(Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	again, err := serverName(Config{Dir: dir})
	if err != nil || again != first || !strings.HasPrefix(first, "hub-") {
		t.Fatalf("names %q then %q (%v)", first, again, err)
	}
	if other, _ := serverName(Config{Dir: t.TempDir()}); other == first {
		t.Errorf("two data directories share the name %q", first)
	}
	if err := os.WriteFile(filepath.Join(dir, serverNameFile), []byte("two words\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := serverName(Config{Dir: dir}); err == nil || !strings.Contains(err.Error(), serverNameFile) {
		t.Errorf("a bad name file: %v", err)
	}
}

// TestClusterAloneSaysWhichRoutesAreDown: a hub whose routes lead nowhere stops, once its wait is
// over, with an error that names them.
func TestClusterAloneSaysWhichRoutesAreDown(t *testing.T) {
	t.Parallel()
	// Ports nothing listens on: a port FreeAddr found free may be another parallel test's listener
	// a moment later (one was, in CI: a route came up and the dial reached it).
	down1, down2 := "127.0.0.1:1", "127.0.0.1:2"
	cfg := Config{Dir: t.TempDir(), Cluster: Cluster{Name: "floor", Listen: e2e.FreeAddr(t),
		Routes: []string{"nats-route://" + down1, down2}, Secret: testSecret}}
	_, err := startNodeWithin(cfg, 3*time.Second)
	if err == nil || !strings.Contains(err.Error(), `cluster "floor": no JetStream leader within 3s`) ||
		!strings.Contains(err.Error(), "routes not reachable: "+down1+", "+down2) {
		t.Fatalf("got %v", err)
	}
}
