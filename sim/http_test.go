package sim

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/deskwatch/deskwatch/feed"
)

func TestTokenAndPlainHTTP(t *testing.T) {
	ts := newTestSim(t, Config{Seed: 1, Token: "t0k3n"})
	ts.start()
	bad := newMonitor(t, ts.url, feed.WSOptions{})
	waitFor(t, "the refusal shown", func() bool {
		st := bad.src.Status()
		return st.State != "connected" && strings.Contains(st.Detail,
			"unauthorized (HTTP 401 Unauthorized; check --token-file, --token-env or --header): "+
				"unauthorized: missing or wrong bearer token")
	})
	if ts.Stats().Unauthorized == 0 || bad.store.Version() != 0 || bad.src.Status().Messages != 0 {
		t.Errorf("without a token: %+v, server %+v, store version %d", bad.src.Status(), ts.Stats(), bad.store.Version())
	}
	h := http.Header{}
	h.Set("Authorization", "Bearer t0k3n")
	good := newMonitor(t, ts.url, feed.WSOptions{Header: h})
	waitFor(t, "the authorized subscriber", func() bool { return good.src.Status().State == "connected" })

	resp, err := http.Get("http" + strings.TrimPrefix(ts.url, "ws"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("WWW-Authenticate") == "" {
		t.Errorf("plain GET without token: %s", resp.Status)
	}
	req, _ := http.NewRequest("GET", "http"+strings.TrimPrefix(ts.url, "ws"), nil)
	req.Header = h
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUpgradeRequired {
		t.Errorf("plain GET with token: %s", resp.Status)
	}
}

func TestServeShutsDownCleanly(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := New(Config{Seed: 1, Rate: 50, Path: "/stream"})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	base := "ws://" + ln.Addr().String()
	if _, resp, err := websocket.DefaultDialer.Dial(base+"/other", nil); err == nil || resp.StatusCode != 404 {
		t.Errorf("wrong path: %v", err)
	}
	c, _, err := websocket.DefaultDialer.Dial(base+"/stream", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, _, err := c.ReadMessage(); err != nil {
		t.Fatal(err)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return")
	}
	for {
		if _, _, err = c.ReadMessage(); err != nil {
			break
		}
	}
	if !websocket.IsCloseError(err, websocket.CloseGoingAway) {
		t.Errorf("subscriber saw %v, want going away", err)
	}
}
