// Package wstest is the WebSocket server side of tests: a loopback server that upgrades requests,
// numbers its connections and gives the ws:// or wss:// address a client dials. The feed and cmd
// tests use it instead of each writing the upgrade, the scheme swap and the TLS set-up.
package wstest

import (
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gorilla/websocket"
)

// Server is a loopback HTTP test server, closed when the test ends.
type Server struct {
	*httptest.Server
	// WS is the server's address as a WebSocket client dials it: ws://host:port, or wss:// with TLS.
	WS    string
	conns atomic.Int64
}

// Conns is how many connections Serve's server has upgraded so far.
func (s *Server) Conns() int64 { return s.conns.Load() }

// Serve starts a server that upgrades every request and hands the connection to fn with its number
// (from 1); the connection is closed when fn returns. With useTLS it serves wss:// on a certificate
// of httptest's own (s.Certificate(); clients need it or InsecureSkipVerify).
func Serve(tb testing.TB, useTLS bool, fn func(n int64, c *websocket.Conn)) *Server {
	tb.Helper()
	s := &Server{}
	s.start(tb, useTLS, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := Upgrade(w, r)
		if err != nil {
			return
		}
		defer c.Close()
		fn(s.conns.Add(1), c)
	}))
	return s
}

// ServeHTTP starts a server with handler h, for tests that answer some requests without upgrading
// them (an HTTP error, a look at the headers first); h upgrades the others with Upgrade.
func ServeHTTP(tb testing.TB, useTLS bool, h http.Handler) *Server {
	tb.Helper()
	s := &Server{}
	s.start(tb, useTLS, h)
	return s
}

func (s *Server) start(tb testing.TB, useTLS bool, h http.Handler) {
	s.Server = httptest.NewUnstartedServer(h)
	if useTLS {
		s.Config.ErrorLog = log.New(io.Discard, "", 0) // refused handshakes are what TLS tests want
		s.StartTLS()
	} else {
		s.Start()
	}
	s.WS = WSURL(s.URL)
	tb.Cleanup(s.Close)
}

// WSURL turns an http:// or https:// address into the ws:// or wss:// one of the same place.
func WSURL(httpURL string) string { return "ws" + strings.TrimPrefix(httpURL, "http") }

// Upgrade makes r a WebSocket connection, whatever page origin it names.
func Upgrade(w http.ResponseWriter, r *http.Request) (*websocket.Conn, error) {
	up := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	return up.Upgrade(w, r, nil)
}

// Drain reads until the connection fails, answering pings, so that a handler can wait for the client
// to go.
func Drain(c *websocket.Conn) {
	for {
		if _, _, err := c.ReadMessage(); err != nil {
			return
		}
	}
}
