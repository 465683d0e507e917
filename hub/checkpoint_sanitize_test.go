package hub

import (
	"fmt"
	"strings"
	"testing"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/deskwatch/deskwatch/internal/jetlog"
)

// TestCheckpointEventLeftOutIsLoggedSanitized: an event of a checkpoint that does not decode (a
// checkpoint damaged, or written by another version) is reported without the escapes its text
// carries: the decoder's error quotes the event's own keys.
func TestCheckpointEventLeftOutIsLoggedSanitized(t *testing.T) {
	t.Parallel()
	cfg := Config{}
	cfg.Limits.defaults()
	bad := event("ON_NEW_INTERACTION", "a1", t0, 1,
		`[{"interactionId":"i1","state":"delivered","type":"voice","attachedData":{"k\u001b]0;evil":5}}]`)
	var lines []string
	newFloor(&cfg).load(jetlog.Checkpoint{Seq: 1}, &checkpointData{Events: []jsontext.Value{jsontext.Value(bad)}},
		func(format string, args ...any) { lines = append(lines, fmt.Sprintf(format, args...)) })
	if len(lines) != 1 {
		t.Fatalf("reported %q; want the event left out", lines)
	}
	if strings.ContainsAny(lines[0], "\x1b\x07") {
		t.Errorf("control characters in the line: %q", lines[0])
	}
}
