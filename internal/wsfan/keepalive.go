package wsfan

import (
	"time"

	"github.com/gorilla/websocket"

	"github.com/deskwatch/deskwatch/internal/periodic"
)

// Ping sends conn a ping every interval, each within wait, until done is closed or a ping fails;
// run it in a goroutine of its own. Together with a read deadline that each pong pushes back
// (IdleDeadline), it notices a peer that is gone.
func Ping(conn *websocket.Conn, interval, wait time.Duration, done <-chan struct{}) {
	periodic.Every(done, interval, func(now time.Time) bool {
		// On a failure the reader sees it too.
		return conn.WriteControl(websocket.PingMessage, nil, now.Add(wait)) == nil
	})
}

// IdleDeadline gives conn's reads idle from now, and again at every pong; the reader calls the
// function returned after each message to push the deadline back. It sets conn's pong handler.
func IdleDeadline(conn *websocket.Conn, idle time.Duration) (extend func()) {
	extend = func() { _ = conn.SetReadDeadline(time.Now().Add(idle)) }
	extend()
	conn.SetPongHandler(func(string) error { extend(); return nil })
	return extend
}
