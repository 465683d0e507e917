package cmd

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/feed"
	"github.com/deskwatch/deskwatch/model"
)

func TestLiveWatch(t *testing.T) {
	t.Parallel()
	refused := errors.New("connection refused")
	t.Run("no connection in time", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var buf strings.Builder
		w := newLiveWatch("ws://h/s", &buf, cancel, 50*time.Millisecond)
		w.onEvent(feed.ConnEvent{Err: refused, Retry: 20 * time.Millisecond})
		select {
		case <-ctx.Done():
		case <-time.After(5 * time.Second):
			t.Fatal("the wait for a first connection did not stop the run")
		}
		show, err := w.result()
		want := "ws://h/s: never connected: no connection within 50ms (add --for to wait longer) (last attempt: connection refused)"
		if show || err == nil || err.Error() != want {
			t.Errorf("result %v, %v; want no table and %q", show, err, want)
		}
		if buf.String() != "ws://h/s: connection refused; retrying in 20ms\n" {
			t.Errorf("stderr %q", buf.String())
		}
	})
	t.Run("connected, then refused for good", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var buf strings.Builder
		w := newLiveWatch("ws://h/s", &buf, cancel, 20*time.Millisecond)
		w.onEvent(feed.ConnEvent{Err: refused, Retry: time.Second})
		w.onEvent(feed.ConnEvent{Conn: 1, Connected: true})
		time.Sleep(50 * time.Millisecond) // past the wait: connected, so it does not stop the run
		if ctx.Err() != nil {
			t.Fatal("stopped although connected")
		}
		w.onEvent(feed.ConnEvent{Conn: 1, Err: &feed.RefusedError{StatusCode: 401}})
		if ctx.Err() == nil {
			t.Error("an unrecoverable error did not stop the run")
		}
		if show, err := w.result(); !show || err == nil || !strings.HasSuffix(err.Error(), "; stopped") {
			t.Errorf("result %v, %v; want the table and an error", show, err)
		}
		if !strings.Contains(buf.String(), "ws://h/s: connected (connection 1)\n") {
			t.Errorf("stderr %q", buf.String())
		}
	})
	t.Run("healthy", func(t *testing.T) {
		var buf strings.Builder
		w := newLiveWatch("ws://h/s", &buf, func() {}, 0)
		w.onEvent(feed.ConnEvent{Conn: 1, Connected: true})
		if show, err := w.result(); !show || err != nil || buf.Len() != 0 {
			t.Errorf("result %v, %v, stderr %q; want a quiet success", show, err, buf.String())
		}
	})
}

func TestReportLost(t *testing.T) {
	t.Parallel()
	var buf strings.Builder
	reportLost(&buf, []*model.Agent{{ID: "a.jones", Lost: 12}, {ID: "b", Lost: 0}, {ID: "", Lost: 1},
		{ID: "evil\x1b[2J", Lost: 3}})
	want := "12 events lost from a.jones\n1 event lost from the agent\n3 events lost from evil\n"
	if buf.String() != want {
		t.Errorf("got %q, want %q", buf.String(), want)
	}
}
