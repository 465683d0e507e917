package cmd_test

import (
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/deskwatch/deskwatch/internal/e2e"
)

// startExternalNATS runs a NATS server with JetStream and a user, as a site's own would be, for
// the test's length, and returns its nats:// URL with the user's credentials.
func startExternalNATS(t *testing.T) string {
	t.Helper()
	srv, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: server.RANDOM_PORT, JetStream: true,
		StoreDir: t.TempDir(), Username: "deskwatch", Password: "nats-password", NoSigs: true, NoLog: true})
	if err != nil {
		t.Fatal(err)
	}
	srv.Start()
	t.Cleanup(func() { srv.Shutdown(); srv.WaitForShutdown() })
	if !srv.ReadyForConnections(10 * time.Second) {
		t.Fatal("the NATS server did not start")
	}
	return strings.Replace(srv.ClientURL(), "nats://", "nats://deskwatch:nats-password@", 1)
}

// TestHubsOnAnExternalNATS: two hubs given --nats share one floor on that server (a bridge on one,
// a monitor on the other sees its call); a wrong password stops a hub with an error that does not
// show it.
func TestHubsOnAnExternalNATS(t *testing.T) {
	if testing.Short() {
		t.Skip("a NATS server and two hubs")
	}
	t.Parallel()
	url := startExternalNATS(t)
	one, addr1 := startHubCmd(t, "--nats", url, "--data", t.TempDir())
	_, addr2 := startHubCmd(t, "--nats", url, "--data", t.TempDir())
	wantAll(t, "the hub's start", one.Output(), "nats: connected to nats://deskwatch:xxxxx@127.0.0.1:")
	if strings.Contains(one.Output(), "nats-password") {
		t.Errorf("the hub shows the password:\n%s", one.Output())
	}
	publishDesk(t, addr1, "a.jones", "c-1")
	// The other hub has applied the three events and a.jones's desktop connected: the monitor gets
	// the call in its snapshot, however long it takes to start on a loaded machine.
	waitMetrics(t, addr2, map[string]int{"deskwatch_hub_log_last_seq": 4, "deskwatch_hub_log_apply_lag": 0})
	mon := e2e.StartProcess(t, e2e.ProcessOptions{Env: []string{"NO_COLOR=1"}}, "--print", "--for", "5s",
		"ws://"+addr2+"/stream")
	if err := mon.Wait(60 * time.Second); err != nil || !strings.Contains(mon.Output(), "c-1") {
		t.Fatalf("the monitor of the other hub (%v):\n%s", err, mon.Output())
	}

	wrong := strings.Replace(url, "nats-password", "wrong-password", 1)
	_, stderr, code := e2e.Run(t, nil, "hub", "--listen", "127.0.0.1:0", "--nats", wrong, "--data", t.TempDir())
	if code == 0 || !strings.Contains(stderr, "--nats nats://deskwatch:xxxxx@") ||
		!strings.Contains(strings.ToLower(stderr), "authorization") || strings.Contains(stderr, "wrong-password") {
		t.Errorf("a wrong password: exit %d, %q", code, stderr)
	}
}
