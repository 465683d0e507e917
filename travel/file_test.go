package travel_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/feed"
	"github.com/deskwatch/deskwatch/travel"
)

// seekEvery seeks h to every position and compares the store with a fresh replay of path.
func seekEvery(t *testing.T, h *travel.File, path string, ro feed.ReplayOptions) {
	t.Helper()
	_, last := h.Bounds()
	for n := range last.N + 1 {
		c, err := h.Seek(context.Background(), n)
		if err != nil {
			t.Fatalf("Seek(%d): %v", n, err)
		}
		sameState(t, fmt.Sprintf("Seek(%d)", n), c.Store, replayTo(t, path, n, ro), last.At)
	}
}

// TestFileRecording seeks in a recording made by feed.Recorder: valid events with their receive
// time spliced in, bad, binary and oversized messages in wrapper lines, and the end line.
func TestFileRecording(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "rec.jsonl")
	rec, err := feed.NewRecorder(path)
	if err != nil {
		t.Fatal(err)
	}
	// Without reconnects: a recording keeps the connection of wrapped messages only, so its replay
	// cannot begin a resync where the live pump did (a limit of the recording format).
	msgs := stream(5, 150, false)
	msgs[40].Binary, msgs[40].Problem = true, "binary frame"
	msgs[90].Problem, msgs[90].Size = "message is too large", 1<<30
	for _, m := range msgs {
		rec.Record(m)
	}
	if err := rec.CloseAt(msgs[len(msgs)-1].Received.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); !bytes.Contains(b, []byte(`{"recv":`)) {
		t.Fatalf("the recording has no wrapper lines:\n%.400s", b)
	}
	h := indexed(t, path, travel.Options{Every: 16})
	if _, last := h.Bounds(); last.N != int64(len(msgs)) {
		t.Fatalf("the recording holds %d messages, the history %d", len(msgs), last.N)
	}
	seekEvery(t, h, path, feed.ReplayOptions{})
	c, _ := h.Seek(context.Background(), int64(len(msgs)))
	if got, want := c.Store.Snapshot().Stats, pumpTo(msgs, int64(len(msgs))).Snapshot().Stats; !reflect.DeepEqual(got, want) {
		t.Errorf("the recording's counts %+v, the live ones %+v", got, want)
	}
}

// TestFileRejectsAndTruncation seeks in a file with a BOM, blank lines, rejected lines, a line
// over the size limit and a truncated last line.
func TestFileRejectsAndTruncation(t *testing.T) {
	t.Parallel()
	var lines []string
	for i, m := range stream(9, 120, false) {
		lines = append(lines, string(m.Data))
		if i%17 == 0 {
			lines = append(lines, "", "   ", "{bad", `{"type":"ON_LOGIN"}`, strings.Repeat("x", 3000))
		}
	}
	lines = append(lines, `{"type":"ON_AGENT_STATE_CHANGE","agentId":"cut","ts":17`)
	b := []byte(strings.Join(lines, "\n")) // the last line truncated: no "\n"
	path := writeTemp(t, append([]byte("\xEF\xBB\xBF"), b...))
	h := indexed(t, path, travel.Options{Every: 8, MaxMessage: 2000})
	seekEvery(t, h, path, feed.ReplayOptions{MaxMessage: 2000})
	_, last := h.Bounds()
	c, _ := h.Seek(context.Background(), last.N)
	rej := c.Store.Snapshot().Rejections
	if r := rej[len(rej)-1]; !strings.Contains(r.Reason, "truncated last line") {
		t.Errorf("the last rejection is %+v, want the truncated last line", r)
	}
	if done, total := h.Progress(); done != total || total != int64(len(b)+3) {
		t.Errorf("Progress() = %d of %d, want all of %d bytes", done, total, len(b)+3)
	}
}

// TestFileSeekWhileIndexing seeks to what is indexed so far while the index goes on (for -race).
func TestFileSeekWhileIndexing(t *testing.T) {
	t.Parallel()
	msgs := stream(17, 4000, false)
	path := writeFile(t, msgs, 17, false)
	h, err := travel.NewFile(path, travel.Options{Store: storeOpts(), Every: 100})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	ctx := context.Background()
	var seeks []int64
	for !h.Indexed() || len(seeks) == 0 {
		_, last := h.Bounds()
		c, err := h.Seek(ctx, last.N)
		if err != nil {
			t.Fatal(err)
		}
		if done, total := h.Progress(); done > total {
			t.Fatalf("Progress() = %d of %d", done, total)
		}
		seeks = append(seeks, c.Pos.N)
		if len(seeks) <= 3 {
			sameState(t, fmt.Sprintf("Seek(%d) while indexing", c.Pos.N), c.Store, replayTo(t, path, c.Pos.N), wall)
		}
	}
	if _, last := h.Bounds(); last.N != int64(len(msgs)) {
		t.Errorf("indexed %d messages of %d", last.N, len(msgs))
	}
	if _, err := h.Seek(ctx, int64(len(msgs))+1); !errors.Is(err, travel.ErrOutside) {
		t.Errorf("Seek past the end = %v, want ErrOutside", err)
	}
}

// TestFileIndexIsBounded: a file of more messages than the index may hold (16 bytes each, within
// MaxBytes) is indexed up to the bound and no further; the history says where it ends and why, a
// seek within it works, and a target past it says so.
func TestFileIndexIsBounded(t *testing.T) {
	t.Parallel()
	msgs := stream(5, 1000, false)
	path := writeFile(t, msgs, 5, false)
	h, err := travel.NewFile(path, travel.Options{Store: storeOpts(), Every: 100, MaxBytes: 16 * 300})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	err = h.Wait(context.Background())
	var full *travel.IndexFullError
	if !errors.As(err, &full) || full.Messages != 300 || !errors.As(h.IndexError(), &full) {
		t.Fatalf("Wait() = %v, IndexError() = %v; want the index full at 300 messages", err, h.IndexError())
	}
	if !strings.Contains(err.Error(), "the seek history holds the first 300 messages") {
		t.Errorf("the reason reads %q", err)
	}
	_, last := h.Bounds()
	if last.N != 300 {
		t.Fatalf("the index holds %d messages, want 300", last.N)
	}
	c, err := h.Seek(context.Background(), 300)
	if err != nil {
		t.Fatal(err)
	}
	sameState(t, "Seek(300)", c.Store, replayTo(t, path, 300), wall)
	tgt, err := travel.ParseTarget(last.At.Add(time.Hour).UTC().Format("2006-01-02 15:04:05"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err = travel.Resolve(h, tgt, last, time.UTC); !errors.Is(err, travel.ErrOutside) ||
		!strings.Contains(err.Error(), "past the last event the history holds") {
		t.Errorf("a time past the index's end: %v", err)
	}
}

// TestFileWrittenOverIsCaught: a file written over with other, longer content after it was
// indexed, or replaced by another file, is not read as if it were the one indexed: a seek says the
// file changed (or was replaced) rather than showing the new content at the old positions.
func TestFileWrittenOverIsCaught(t *testing.T) {
	t.Parallel()
	msgs := stream(21, 300, false)
	for _, tc := range []struct {
		name, want string
		change     func(path string) error
	}{
		{"written over", "the file changed since it was indexed", func(path string) error {
			other := writeFile(t, stream(22, 400, false), 22, false)
			b, err := os.ReadFile(other)
			if err != nil {
				return err
			}
			return os.WriteFile(path, b, 0o600) // the same file, truncated and written again
		}},
		{"replaced", "the file was replaced since it was indexed", func(path string) error {
			return os.Rename(writeFile(t, msgs, 21, false), path) // the same bytes, another file
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := writeFile(t, msgs, 21, false)
			h := indexed(t, path, travel.Options{Every: 50})
			ctx := context.Background()
			if _, err := h.Seek(ctx, 120); err != nil {
				t.Fatal(err)
			}
			if err := tc.change(path); err != nil {
				t.Fatal(err)
			}
			for _, n := range []int64{180, 20} { // past a checkpoint, and before the first
				_, err := h.Seek(ctx, n)
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("Seek(%d) after the file was %s: %v, want %q", n, tc.name, err, tc.want)
				}
			}
		})
	}
}
