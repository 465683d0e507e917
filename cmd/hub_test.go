package cmd_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/deskwatch/deskwatch/bridge"
	"github.com/deskwatch/deskwatch/internal/e2e"
)

var hubBridges = regexp.MustCompile(`bridges:  ws://127\.0\.0\.1:(\d+)/ingest`)

// startHubCmd runs `deskwatch hub` on a free loopback port and returns it with its address.
func startHubCmd(t testing.TB, args ...string) (*e2e.Process, string) {
	t.Helper()
	if !slices.Contains(args, "--data") && !slices.Contains(args, "--in-memory") {
		args = append(args, "--data", t.TempDir()) // a hub of its own: tests run in parallel
	}
	h := e2e.StartProcess(t, e2e.ProcessOptions{}, append([]string{"hub", "--listen", "127.0.0.1:0"}, args...)...)
	return h, "127.0.0.1:" + h.WaitLine(hubBridges, 30*time.Second)[1]
}

func tokenFile(t *testing.T, token string) string {
	return e2e.WriteFile(t, "tokens", "# test\n"+token+"\n")
}

// TestHubCommand runs the real binary's hub: a bridge (a WebSocket client here; the browser runs
// in the bridge package's tests) sends events, `deskwatch --print ws://…/stream` shows them, and
// SIGTERM stops the hub cleanly.
func TestHubCommand(t *testing.T) {
	t.Parallel()
	h, addr := startHubCmd(t, "--ingest-tokens", tokenFile(t, "bridge-secret"), "--stream-tokens",
		tokenFile(t, "monitor-secret"))
	// The monitor's --token-file holds the one token alone.
	monitorToken := e2e.WriteFile(t, "token", "monitor-secret\n")
	ready := func() bool { return strings.Contains(h.Output(), "health:") }
	if !e2e.Until(5*time.Second, 10*time.Millisecond, ready) {
		t.Fatalf("hub printed:\n%s", h.Output())
	}
	wantAll(t, "output", h.Output(), "monitors: ws://"+addr+"/stream", "script:   http://"+addr+"/bridge.js",
		"metrics:  http://"+addr+"/metrics")
	resp, err := http.Get("http://" + addr + "/bridge.js")
	if err != nil {
		t.Fatal(err)
	}
	served, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	printed, _, code := e2e.Run(t, nil, "bridge", "print")
	if code != 0 || printed != string(bridge.Script()) || string(served) != printed {
		t.Errorf("bridge print (exit %d) and /bridge.js differ from the embedded script", code)
	}

	if _, _, err := websocket.DefaultDialer.Dial("ws://"+addr+"/ingest?token=wrong", nil); err == nil {
		t.Fatal("a wrong token was accepted")
	}
	ts := time.Now().UnixMilli()
	var msgs []string
	for i, ev := range []string{
		`{"type":"ON_LOGIN","params":[{"isLoggedIn":true,"agentId":"A1","username":"ann"}]`,
		`{"type":"ON_NEW_INTERACTION","params":[{"interactionId":"i1","state":"delivered","type":"voice",` +
			`"subject":"Refund for order 42","associatedObjects":{"list":[],"selected":null},"callParties":[],` +
			`"callMuted":false,"callRecording":false,"attachedData":{},"service":"Sales"}]`,
	} {
		msgs = append(msgs, fmt.Sprintf(`%s,"agentId":"A1","ts":%d,"seq":%d}`, ev, ts, i+1))
	}
	bridgeSend(t, addr, "?token=bridge-secret", msgs) // closed at the test's end
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(h.Output(), `ingest conn`) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	// A monitor joining now gets the hub's snapshot of the agent.
	stdout, stderr, code := e2e.Run(t, nil, "--print", "--for", "2s", "--token-file", monitorToken,
		"ws://"+addr+"/stream")
	if code != 0 || !strings.Contains(stdout, "Refund for order 42") {
		t.Errorf("deskwatch --print of the hub's stream (exit %d):\n%s\n%s", code, stdout, stderr)
	}

	h.Stop(syscall.SIGTERM, 10*time.Second)
	wantAll(t, "hub output", h.Output(), "refused: wrong token", "stream conn", "hub stopped")
}

// TestHubCommandLimits runs the real binary with small limits: a connection past
// --max-connections gets HTTP 503, an idle keep-alive connection is closed after --idle-timeout,
// and SIGTERM with monitors that never read stops the hub within --shutdown-timeout, give or take.
func TestHubCommandLimits(t *testing.T) {
	t.Parallel()
	h, addr := startHubCmd(t, "--max-connections", "2", "--idle-timeout", "300ms", "--shutdown-timeout", "2s")
	for range 2 {
		c, _, err := websocket.DefaultDialer.Dial("ws://"+addr+"/stream", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close() // never reads
	}
	_, resp, err := websocket.DefaultDialer.Dial("ws://"+addr+"/stream", nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("a third connection: %v %v, want HTTP 503", resp, err)
	}

	e2e.WaitClosed(t, e2e.KeepAliveHealthz(t, addr), "an idle keep-alive connection")

	h.Stop(syscall.SIGTERM, 20*time.Second)
	wantAll(t, "hub output", h.Output(),
		"refused: 2 connections open, the limit (--max-connections)", "hub stopped")
}

// TestHubCommandRefusesNonPositiveLimits: a limit of zero is a mistake, not "no limit"; the byte
// limits take sizes with units, and say what a size is when given something else.
func TestHubCommandRefusesNonPositiveLimits(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--max-parties", "0"}, "--max-parties must be positive"},
		{[]string{"--max-interaction-bytes", "1KiB", "--max-header-bytes", "8K", "--max-pending-bytes", "0"},
			"--max-pending-bytes must be positive"},
		{[]string{"--max-interaction-bytes", "64kb"}, `invalid argument "64kb" for "--max-interaction-bytes" flag: want a size in bytes`},
	} {
		_, stderr, code := e2e.Run(t, nil, append([]string{"hub", "--listen", "127.0.0.1:0"}, tc.args...)...)
		if code != 2 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr:\n%s", tc.args, code, stderr)
		}
	}
}

// TestHostileCorpusThroughHub sends every line of the hostile corpus to the real hub as one bridge
// would (raw bytes, invalid UTF-8 and all), then checks that the hub is still up and answering, that
// a monitor joining afterwards gets a snapshot whose every string is safe and which still holds
// the good events, that a monitor filtered to one service sees no other service, and that nothing
// unsafe reached the hub's log.
func TestHostileCorpusThroughHub(t *testing.T) {
	t.Parallel()
	h, addr := startHubCmd(t)
	br, _, err := websocket.DefaultDialer.Dial("ws://"+addr+"/ingest?ack=1", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer br.Close()
	sent := 0
	for _, file := range hostileFiles(t) {
		data := e2e.ReadFile(t, file)
		for _, line := range bytes.Split(bytes.TrimRight(data, "\n"), []byte("\n")) {
			if err := br.WriteMessage(websocket.TextMessage, line); err != nil {
				t.Fatalf("the hub dropped the bridge after %d messages: %v\n%s", sent, err, h.Output())
			}
			sent++
		}
	}
	// A message the hub must still relay after all of them.
	last := `{"type":"ON_NEW_INTERACTION","agentId":"l.ast","ts":1700000000099,"seq":1,"params":[{"interactionId":"last-1",` +
		`"state":"delivered","type":"voice","service":"Sales","subject":"hub survived"}]}`
	if err := br.WriteMessage(websocket.TextMessage, []byte(last)); err != nil {
		t.Fatal(err)
	}
	// Acknowledgements come in order: the last one's means the hub has handled every line.
	_ = br.SetReadDeadline(time.Now().Add(30 * time.Second))
	for {
		_, msg, err := br.ReadMessage()
		if err != nil {
			t.Fatalf("no acknowledgement of the last message: %v\n%s", err, h.Output())
		}
		if strings.Contains(string(msg), `"l.ast"`) {
			break
		}
	}
	resp, err := http.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatalf("the hub is down: %v\n%s", err, h.Output())
	}
	resp.Body.Close()

	stdout, stderr, code := e2e.Run(t, nil, "--print", "--for", "3s", "--format", "json", "ws://"+addr+"/stream")
	if code != 0 && code != 1 {
		t.Fatalf("monitor exit %d:\n%s", code, stderr)
	}
	checkJSON(t, stdout)
	wantAll(t, "the snapshot", stdout, "hub survived", "utf8 survived", "numbers survived", "structure survived")
	if why := e2e.Unsafe(stdout + stderr); why != "" {
		t.Errorf("monitor output: %s", why)
	}
	stdout, stderr, _ = e2e.Run(t, nil, "--print", "--for", "3s", "--format", "csv", "ws://"+addr+"/stream?service=Sales")
	for _, line := range strings.Split(strings.TrimSpace(stdout), "\n")[1:] {
		if !strings.Contains(line, ",Sales,") {
			t.Errorf("a ?service=Sales monitor received another service: %q\n%s", line, stderr)
		}
	}
	h.Signal(syscall.SIGTERM)
	_ = h.Wait(15 * time.Second) // any exit status: the log is what is checked
	if why := e2e.Unsafe(h.Output()); why != "" {
		t.Errorf("hub log: %s", why)
	}
}

// TestHubCommandBoundsDurations: --gone-after is kept from 1s to 24h, --lost-hub-after from 1s to
// 1h; a value outside is refused before the hub starts, saying so.
func TestHubCommandBoundsDurations(t *testing.T) {
	t.Parallel()
	for flag, bounds := range map[string]string{"--gone-after": "1s to 24h0m0s", "--lost-hub-after": "1s to 1h0m0s"} {
		for _, v := range []string{"0s", "-5s", "500ms", "25h0m0s"} {
			_, stderr, code := e2e.Run(t, nil, "hub", "--listen", "127.0.0.1:0", "--in-memory", flag, v)
			if code == 0 || !strings.Contains(stderr, flag+" "+v+": want from "+bounds) {
				t.Errorf("%s %s: exit %d, stderr:\n%s", flag, v, code, stderr)
			}
		}
	}
}

// TestDebugAddrSaysWhere: --debug-addr 127.0.0.1:0 takes a free port, and the hub's log says which,
// so that pprof can be reached there.
func TestDebugAddrSaysWhere(t *testing.T) {
	t.Parallel()
	h, _ := startHubCmd(t, "--in-memory", "--debug-addr", "127.0.0.1:0")
	url := h.WaitLine(regexp.MustCompile(`pprof: serving" url=(http://127\.0\.0\.1:\d+/debug/pprof/)`), 10*time.Second)[1]
	resp, err := http.Get(url + "cmdline")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "hub") {
		t.Errorf("GET %scmdline: %s %q; want 200 and the hub's command line", url, resp.Status, body)
	}
}
