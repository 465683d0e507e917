package cmd_test

import (
	"bytes" //nolint:gosec // the WebSocket accept key is defined with SHA-1
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/deskwatch/deskwatch/internal/e2e"
	"github.com/deskwatch/deskwatch/internal/wstest"
)

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
	for _, w := range []string{url + " conn 1 msg 1: message still arriving after 1s (",
		"bytes so far; --message-timeout); abandoned\n", "1 event(s) rejected\n"} {
		if !strings.Contains(errOut, w) {
			t.Errorf("stderr lacks %q:\n%s", w, errOut)
		}
	}
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
