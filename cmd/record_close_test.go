package cmd

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deskwatch/deskwatch/model"
)

// A newcomer's report: a replay recorded in the monitor, and quit, ended its recording at the wall
// clock while its receive times were the events' (a day in 2023): its replay showed the open
// interactions two years long. The recording ends at the source's clock.
func TestRecordingOfAReplayEndsAtItsClock(t *testing.T) {
	t.Parallel()
	rec := filepath.Join(t.TempDir(), "rec.jsonl")
	o := &options{speed: "max", retention: model.DefaultRetention, maxMessage: model.DefaultMaxMessage,
		record: rec, history: historyFlags{size: defaultHistorySize}}
	p, err := newPipeline(o, filepath.Join("testdata", "clean.jsonl"), strings.NewReader(""), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if err := <-p.start(context.Background()); err != nil {
		t.Fatal(err)
	}
	last := p.src.Now()
	if err := p.Close(); err != nil { // as the monitor does when it quits
		t.Fatal(err)
	}
	data, err := os.ReadFile(rec)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	end := lines[len(lines)-1]
	if want := fmt.Sprintf(`"recv":%d,"end":true}`, last.UnixMilli()); !strings.HasSuffix(end, want) {
		t.Errorf("the recording ends %s, want …%s (the replay's clock at its end)", end, want)
	}
}
