package cmd

import (
	"context"
	"encoding/pem"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/deskwatch/deskwatch/feed"
	"github.com/deskwatch/deskwatch/internal/e2e"
	"github.com/deskwatch/deskwatch/internal/wstest"
)

func TestOpenWebSocketFlagErrors(t *testing.T) {
	empty := e2e.WriteFile(t, "empty", " \n")
	notPEM := e2e.WriteFile(t, "ca.pem", "not a certificate")
	t.Setenv("DW_TEST_EMPTY", "")
	for _, tc := range []struct {
		name string
		url  string
		ws   wsFlags
		want string
	}{
		{"no host", "ws:///x", wsFlags{}, "not a ws:// or wss:// URL"},
		{"bad header", "ws://h/", wsFlags{headers: []string{"NoColon"}}, `--header "NoColon": want 'Name: value'`},
		{"header name", "ws://h/", wsFlags{headers: []string{"Bad Name: x"}}, "want 'Name: value'"},
		{"reserved header", "ws://h/", wsFlags{headers: []string{"Upgrade: h2c"}}, "set by the WebSocket handshake"},
		{"token file missing", "ws://h/", wsFlags{tokenFile: "/nonexistent/token"}, "--token-file: open /nonexistent/token"},
		{"token file empty", "ws://h/", wsFlags{tokenFile: empty}, "is empty"},
		{"token env unset", "ws://h/", wsFlags{tokenEnv: "DW_TEST_UNSET_VAR"}, "DW_TEST_UNSET_VAR is not set"},
		{"token env empty", "ws://h/", wsFlags{tokenEnv: "DW_TEST_EMPTY"}, "DW_TEST_EMPTY is empty"},
		{"two token sources", "ws://h/", wsFlags{tokenFile: empty, tokenEnv: "X"}, "give one"},
		{"token and header", "ws://h/", wsFlags{tokenFile: e2e.WriteFile(t, "tok", "abc\n"),
			headers: []string{"Authorization: Basic x"}}, "give the credentials once"},
		{"ca missing", "wss://h/", wsFlags{caFile: "/nonexistent/ca.pem"}, "--ca-file: open"},
		{"ca not PEM", "wss://h/", wsFlags{caFile: notPEM}, "no PEM certificates"},
		{"ca and insecure", "wss://h/", wsFlags{caFile: notPEM, insecure: true}, "not both"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := openWebSocket(wsOptions(tc.ws), tc.url)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
}

func TestWSHeaderFromFlags(t *testing.T) {
	t.Setenv("DW_TEST_TOKEN", " env-tok \n")
	h, err := wsHeader(&wsFlags{headers: []string{"X-Desk: north", "X-Desk: south", "X-Empty:"},
		tokenEnv: "DW_TEST_TOKEN", origin: "https://desk.example"})
	if err != nil {
		t.Fatal(err)
	}
	if got := h.Values("X-Desk"); len(got) != 2 || got[1] != "south" {
		t.Errorf("X-Desk %v", got)
	}
	if h.Get("Authorization") != "Bearer env-tok" || h.Get("Origin") != "https://desk.example" {
		t.Errorf("headers %v", h)
	}
}

// TestOpenWebSocketWithCAFileAndToken connects to a wss:// server whose certificate only the CA
// file vouches for, sending the token from a file.
func TestOpenWebSocketWithCAFileAndToken(t *testing.T) {
	t.Parallel()
	srv := wstest.ServeHTTP(t, true, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer s3cret" {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		c, err := wstest.Upgrade(w, r)
		if err != nil {
			return
		}
		defer c.Close()
		c.WriteMessage(websocket.TextMessage, []byte(`{"type":"ON_LOGOUT","params":[]}`))
		c.ReadMessage() // until the client goes
	}))
	ca := e2e.WriteFile(t, "ca.pem", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE",
		Bytes: srv.Certificate().Raw})))
	url := srv.WS + "/stream"

	for _, tc := range []struct {
		name string
		ws   wsFlags
		ok   bool
	}{
		{"ca file", wsFlags{caFile: ca, tokenFile: e2e.WriteFile(t, "tok", "s3cret\n")}, true},
		{"insecure", wsFlags{insecure: true, tokenFile: e2e.WriteFile(t, "tok", "s3cret")}, true},
		{"no ca", wsFlags{tokenFile: e2e.WriteFile(t, "tok", "s3cret")}, false},
		{"wrong token", wsFlags{caFile: ca, tokenFile: e2e.WriteFile(t, "tok", "nope")}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			// The outcome is known at the first message or the first refused attempt.
			o := wsOptions(tc.ws)
			refused := make(chan error, 1)
			o.onConn = func(ev feed.ConnEvent) {
				if ev.Err != nil {
					select {
					case refused <- ev.Err:
					default:
					}
				}
			}
			src, err := openWebSocket(o, url)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			got := make(chan feed.Message, 1)
			go src.Run(ctx, func(m feed.Message) {
				select {
				case got <- m:
				default:
				}
			})
			select {
			case m := <-got:
				if !tc.ok {
					t.Errorf("connected: %+v", m)
				}
			case err := <-refused:
				if tc.ok {
					t.Errorf("refused: %v", err)
				} else if d := src.Status().Detail; d == "" {
					t.Error("refused without a reason")
				}
			case <-ctx.Done():
				t.Errorf("neither a message nor a refusal; status %+v", src.Status())
			}
		})
	}
}

// wsOptions is the monitor's options with the WebSocket flags ws, and --message-timeout's default
// when ws leaves it at zero.
func wsOptions(ws wsFlags) *options {
	if ws.messageTimeout == 0 {
		ws.messageTimeout = feed.DefaultMessageTimeout
	}
	return &options{ws: ws}
}

// A demo seed picked from the clock is short enough for the status line and never 0 (which
// --demo-seed reads as "pick one").
func TestClockSeedIsCompact(t *testing.T) {
	t.Parallel()
	for _, now := range []time.Time{time.Unix(0, 0), time.Unix(1_765_000_000, 123_456_789), time.Now()} {
		if s := clockSeed(now); s < 1 || s > 999_999 {
			t.Errorf("clockSeed(%v) = %d, want 1 to 999999", now, s)
		}
	}
}
