package cmd_test

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/deskwatch/deskwatch/internal/e2e"
	"github.com/deskwatch/deskwatch/internal/wstest"
)

// runBin runs the real binary with args and extra environment, failing the test if it is still
// running after limit. It returns stdout, stderr, the exit status and how long it ran.
func runBin(t *testing.T, env []string, limit time.Duration, args ...string) (string, string, int, time.Duration) {
	t.Helper()
	var errOut e2e.Buffer
	start := time.Now()
	p := e2e.StartProcess(t, e2e.ProcessOptions{Env: append([]string{"NO_COLOR=1"}, env...), Stderr: &errOut}, args...)
	err := p.Wait(limit)
	took := time.Since(start)
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return p.Output(), errOut.String(), code, took
}

// TestPrintLiveConnectionFailures: --print of a WebSocket that never connects says why on stderr,
// prints no table and exits 2, at once when retrying cannot help; a reconnect is reported.
func TestPrintLiveConnectionFailures(t *testing.T) {
	t.Parallel()
	url, _ := startSimulator(t, "--listen", "127.0.0.1:0", "--rate", "100", "--token-file",
		e2e.WriteFile(t, "tok", "right\n"))
	forbidden := wstest.ServeHTTP(t, false, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "not for you", http.StatusForbidden)
	}))
	untrusted := wstest.ServeHTTP(t, true, http.NotFoundHandler())
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := "ws://" + ln.Addr().String() + "/stream"
	ln.Close()

	for _, tc := range []struct {
		name string
		args []string
		want []string
		max  time.Duration // it must give up sooner
	}{
		{"wrong token", []string{"--events", "5", "--token-file", e2e.WriteFile(t, "bad", "wrong"), url},
			[]string{url + ": never connected: unauthorized (HTTP 401 Unauthorized; check --token-file"}, 5 * time.Second},
		{"forbidden", []string{"--events", "5", forbidden.WS},
			[]string{": never connected: forbidden (HTTP 403 Forbidden; check the token's rights, --origin): not for you"},
			5 * time.Second},
		{"untrusted certificate", []string{"--for", "30s", untrusted.WS},
			[]string{": never connected: TLS: the server's certificate is signed by an unknown authority (trust its CA with --ca-file)"},
			5 * time.Second},
		{"refused port", []string{"--for", "1500ms", closed},
			[]string{closed + ": connection refused", "; retrying in ", closed + ": never connected in ", "(last attempt: connection refused"},
			10 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out, errOut, code, took := runBin(t, nil, 20*time.Second, append([]string{"--print"}, tc.args...)...)
			if code != 2 || out != "" || took > tc.max {
				t.Errorf("exit %d after %v with stdout %q; want 2 within %v and no table", code, took, out, tc.max)
			}
			wantAll(t, "stderr", errOut, tc.want...)
		})
	}
	t.Run("reconnect", func(t *testing.T) {
		t.Parallel()
		url, _ := startSimulator(t, "--listen", "127.0.0.1:0", "--rate", "100", "--close-every", "700ms")
		out, errOut, code, _ := runBin(t, nil, 20*time.Second, "--print", "--for", "4s", url)
		wantAll(t, "stderr", errOut,
			url+": closed by the server (1012 service restart): simulated restart (--close-every); retrying in ",
			url+": connected (connection 2)")
		if code != 0 || !strings.Contains(out, "AGENT") {
			t.Errorf("exit %d, stdout %.200q", code, out)
		}
	})
}

// TestPrintRecordsEveryMessage: --record from a live stream with malformed, dropped and oversized
// messages writes every message received, of oversized ones their first 4 KiB and their size;
// replaying the recording prints the same table, the same lost events and the same number of
// rejections.
func TestPrintRecordsEveryMessage(t *testing.T) {
	t.Parallel()
	url, _ := startSimulator(t, "--listen", "127.0.0.1:0", "--rate", "400", "--seed", "5",
		"--malformed", "0.05", "--drop", "0.03")
	rec := filepath.Join(t.TempDir(), "rec.jsonl")
	live, liveErr, liveCode, _ := runBin(t, nil, 30*time.Second,
		"--print", "--events", "400", "--max-message", "700", "--record", rec, url)
	if liveCode != 1 || !strings.Contains(liveErr, "limit 700, --max-message)") || !strings.Contains(liveErr, " lost from ") {
		t.Fatalf("live: exit %d; want 1 with oversized (limit 700) and lost events\n%s", liveCode, liveErr)
	}
	data := e2e.ReadFile(t, rec)
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if end := lines[len(lines)-1]; !regexp.MustCompile(`^\{"deskwatch.recorded":1,"recv":\d+,"end":true\}$`).MatchString(end) {
		t.Errorf("the recording ends with %q, want its end line", end)
	}
	if lines = lines[:len(lines)-1]; len(lines) != 400 {
		t.Errorf("the recording has %d lines, want the 400 messages received", len(lines))
	}
	tooLarge := regexp.MustCompile(`^message too large \((\d+) bytes`)
	var oversized, plain int
	for i, l := range lines {
		if strings.HasPrefix(l, `{"recv":`) {
			plain++
			continue
		}
		var w struct {
			Raw     *string `json:"raw"`
			RawB64  string  `json:"raw_b64"`
			Problem string  `json:"problem"`
			Size    int     `json:"size"`
		}
		if err := json.Unmarshal([]byte(l), &w); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		if m := tooLarge.FindStringSubmatch(w.Problem); m != nil {
			raw := []byte(nil)
			if w.Raw != nil {
				raw = []byte(*w.Raw)
			} else if b, err := base64.StdEncoding.DecodeString(w.RawB64); err != nil {
				t.Fatal(err)
			} else {
				raw = b
			}
			n, _ := strconv.Atoi(m[1])
			if len(raw) != min(n, 4096) || (n > 4096) != (w.Size == n) {
				t.Errorf("line %d keeps %d of the message's %d bytes, size %d", i+1, len(raw), n, w.Size)
			}
			oversized++
		}
	}
	if oversized == 0 || plain == 0 {
		t.Errorf("%d oversized messages, %d plain events; want some of each", oversized, plain)
	}
	replay, replayErr, replayCode, _ := runBin(t, nil, 30*time.Second, "--print", rec)
	if replayCode != liveCode || replay != live {
		t.Errorf("replay: exit %d, table differs: %v\nlive:\n%s\nreplay:\n%s", replayCode, replay != live, live, replay)
	}
	summary := func(s string) []string {
		var out []string
		for _, l := range strings.Split(s, "\n") {
			if strings.HasSuffix(l, "rejected") || strings.Contains(l, " lost from ") {
				out = append(out, l)
			}
		}
		slices.Sort(out)
		return out
	}
	if a, b := summary(liveErr), summary(replayErr); !slices.Equal(a, b) || len(a) < 2 {
		t.Errorf("summaries differ:\nlive   %q\nreplay %q", a, b)
	}
}

// TestMaxMessageTakesSizes: --max-message takes a size in bytes or with a unit (as --max-memory), and
// says what is wrong with 0, a negative one and one that is no size.
func TestMaxMessageTakesSizes(t *testing.T) {
	t.Parallel()
	for v, want := range map[string]string{
		"0":    "--max-message 0: want the largest accepted event, above 0 bytes\n",
		"-5":   `invalid argument "-5" for "--max-message" flag: want a size in bytes, such as 268435456, 256MiB or 1GiB`,
		"lots": `invalid argument "lots" for "--max-message" flag: want a size in bytes`,
	} {
		_, errOut, code, _ := runBin(t, nil, 10*time.Second, "--print", "--max-message", v, fixture("clean.jsonl"))
		if code != 2 || !strings.HasPrefix(errOut, want) {
			t.Errorf("--max-message %s: exit %d, stderr %q; want 2 and %q", v, code, errOut, want)
		}
	}
	line := `{"type":"ON_AGENT_STATE_CHANGE","agentId":"a1","params":["not_ready","` + strings.Repeat("r", 1100) + `"]}` + "\n"
	file := e2e.WriteFile(t, "long.jsonl", line)
	_, errOut, _, _ := runBin(t, nil, 10*time.Second, "--print", "--max-message", "1KiB", file)
	if want := "long.jsonl:1: line is 1173 bytes, larger than the limit of 1024 bytes (--max-message)"; !strings.Contains(errOut, want) {
		t.Errorf("--max-message 1KiB: stderr %q, want it to say %q", errOut, want)
	}
}

// TestProxyFromEnvironment: HTTP_PROXY is honoured: the stream's host is only known to the proxy,
// which tunnels to the simulator.
func TestProxyFromEnvironment(t *testing.T) {
	t.Parallel()
	url, _ := startSimulator(t, "--listen", "127.0.0.1:0", "--rate", "200")
	target := strings.TrimSuffix(strings.TrimPrefix(url, "ws://"), "/stream")
	var mu sync.Mutex
	var asked []string
	proxyAddr := e2e.ServeTCP(t, func(c net.Conn) {
		req, err := http.ReadRequest(bufio.NewReader(c))
		if err != nil || req.Method != http.MethodConnect {
			return
		}
		mu.Lock()
		asked = append(asked, req.Host)
		mu.Unlock()
		up, err := net.Dial("tcp", target)
		if err != nil {
			return
		}
		defer up.Close()
		io.WriteString(c, "HTTP/1.1 200 Connection established\r\n\r\n")
		go io.Copy(up, c)
		io.Copy(c, up)
	})
	proxy := "http://" + proxyAddr
	env := []string{"HTTP_PROXY=" + proxy, "http_proxy=" + proxy, "NO_PROXY=", "no_proxy="}
	out, errOut, code, _ := runBin(t, env, 20*time.Second, "--print", "--events", "50",
		"ws://deskwatch-sim.invalid:8080/stream")
	if code != 0 || !strings.Contains(out, "AGENT") {
		t.Fatalf("through the proxy: exit %d\n%s\n%s", code, out, errOut)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(asked) != 1 || asked[0] != "deskwatch-sim.invalid:8080" {
		t.Errorf("the proxy was asked for %v", asked)
	}
}

// endlessServer is a raw WebSocket server whose every connection gets one text message that never
// ends: 100-byte fragments every 20ms, each followed by a pong, forever.
func endlessServer(t *testing.T) string {
	t.Helper()
	return "ws://" + e2e.ServeTCP(t, serveEndless) + "/stream"
}

func serveEndless(c net.Conn) {
	defer c.Close()
	_, accept, ok := e2e.ReadUpgrade(c)
	if !ok {
		return
	}
	go func() { _, _ = io.Copy(io.Discard, c) }()
	_, err := io.WriteString(c, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Accept: "+accept+"\r\n\r\n")
	frag := append([]byte{0x01, 100}, bytes.Repeat([]byte("x"), 100)...) // text, not final
	for err == nil {
		_ = c.SetWriteDeadline(time.Now().Add(20 * time.Second))
		_, err = c.Write(append(frag, 0x8A, 0)) // and a pong
		frag[0] = 0x00                          // continuation frames from then on
		time.Sleep(20 * time.Millisecond)
	}
}

// TestPrintEndlessMessageIsRejected: --print of a stream whose message never ends (pongs keeping the
// connection alive) rejects it after --message-timeout, says so, and exits 1 with the table.
func TestPrintEndlessMessageIsRejected(t *testing.T) {
	t.Parallel()
	url := endlessServer(t)
	out, errOut, code, _ := runBin(t, nil, 40*time.Second, "--print", "--events", "1", "--for", "30s",
		"--message-timeout", "1s", url)
	wantAll(t, "stderr", errOut, url+" conn 1 msg 1: message still arriving after 1s (",
		"bytes so far; --message-timeout); abandoned\n", "1 event rejected\n")
	if code != 1 || !strings.Contains(out, "AGENT") {
		t.Errorf("exit %d, stdout %.200q; want 1 and the table", code, out)
	}
}

// TestPrintRecordsAPrefixOfAnOversizedMessage: the recording keeps the first 4 KiB of an oversized
// message and its size, not the whole of it; its replay rejects that line, saying where and that the
// recording holds only the beginning.
func TestPrintRecordsAPrefixOfAnOversizedMessage(t *testing.T) {
	t.Parallel()
	srv := wstest.Serve(t, false, func(_ int64, c *websocket.Conn) {
		_ = c.WriteMessage(websocket.TextMessage, bytes.Repeat([]byte("y"), 100000))
		_ = c.WriteMessage(websocket.TextMessage, []byte(`{"type":"ON_LOGOUT","agentId":"a","params":[]}`))
		wstest.Drain(c)
	})
	url := srv.WS
	rec := filepath.Join(t.TempDir(), "rec.jsonl")
	_, liveErr, code, _ := runBin(t, nil, 30*time.Second, "--print", "--events", "2", "--for", "20s",
		"--max-message", "1000", "--record", rec, url)
	if want := url + " conn 1 msg 1: message too large (100000 bytes; limit 1000, --max-message)\n"; code != 1 ||
		!strings.Contains(liveErr, want) {
		t.Errorf("live: exit %d; want 1 and %q in\n%s", code, want, liveErr)
	}
	if fi, err := os.Stat(rec); err != nil || fi.Size() > 16<<10 {
		t.Fatalf("the recording: %v; want it to hold 4 KiB of the message, not all 100000 bytes", err)
	}
	_, replayErr, code, _ := runBin(t, nil, 30*time.Second, "--print", rec)
	want := rec + ":1: message too large (100000 bytes; limit 1000, --max-message) " +
		"[truncated in the recording to its first 4096 of 100000 bytes]\n"
	if code != 1 || !strings.Contains(replayErr, want) {
		t.Errorf("replay: exit %d; want 1 and %q in\n%s", code, want, replayErr)
	}
}

func TestMessageTimeoutMustBePositive(t *testing.T) {
	t.Parallel()
	_, errOut, code, _ := runBin(t, nil, 10*time.Second, "--print", "--for", "1s", "--message-timeout", "0s",
		"ws://127.0.0.1:9/stream")
	if want := "--message-timeout 0s: want a duration above 0 (e.g. 30s)\n"; code != 2 || errOut != want {
		t.Errorf("exit %d, stderr %q; want 2 and %q", code, errOut, want)
	}
}
