package feed

import (
	"context"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/internal/e2e"
)

// A newcomer's report: after the hub came back, the monitor waited out its backoff ("retrying in
// 17s") with no way to try sooner. RetryNow ends the wait: the next attempt starts at once, and the
// wait after it is as long as the schedule says (an hour here), so that each attempt is a press.
func TestWebSocketRetryNow(t *testing.T) {
	t.Parallel()
	ln := e2e.Listen(t)
	addr := ln.Addr().String()
	ln.Close() // refused from now on
	events := make(chan ConnEvent, 10)
	src := NewWebSocket("ws://"+addr+"/stream", WSOptions{Backoff: Backoff{Initial: time.Hour, Max: time.Hour},
		OnEvent: func(ev ConnEvent) { events <- ev }})
	if src.RetryNow() {
		t.Error("RetryNow before any wait said one was waiting")
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- src.Run(ctx, func(Message) {}) }()
	defer func() { cancel(); <-done }()
	for attempt := 1; attempt <= 3; attempt++ {
		ev := e2e.Recv(t, events, 10*time.Second, "a failed attempt")
		if ev.Err == nil || ev.Retry < 30*time.Minute {
			t.Fatalf("attempt %d: %+v, want a refusal and a wait of about an hour", attempt, ev)
		}
		if !e2e.Until(5*time.Second, 5*time.Millisecond, src.RetryNow) {
			t.Fatalf("attempt %d: RetryNow found no wait", attempt)
		}
	}
}
