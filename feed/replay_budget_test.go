package feed

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/deskwatch/deskwatch/model"
)

// heavySnapshot is an INTERACTIONS_STATE line of 300 interactions of 256 empty associated objects:
// some 270 KB of text (a batch of its own) that decode to some 10 MB.
func heavySnapshot(agent int) string {
	empty := strings.Repeat(`{},`, 255) + `{}`
	var b strings.Builder
	for i := range 300 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"interactionId":"i%d","state":"delivered","type":"voice","subject":"s",`+
			`"associatedObjects":{"list":[%s],"selected":null},"callParties":[],"callMuted":false,`+
			`"callRecording":false,"attachedData":{}}`, i, empty)
	}
	return fmt.Sprintf(`{"type":"INTERACTIONS_STATE","agentId":"a%d","params":[{"activeInteractionId":null,"interactions":[%s]}]}`,
		agent, b.String())
}

// TestReadAheadHeldIsBounded: lines whose decoded events hold tens of times their text are read
// ahead within the budget of what decoded lines may hold (plus the line each worker decodes), not
// as many as the window of batches has room for; every line is still emitted, in order.
func TestReadAheadHeldIsBounded(t *testing.T) {
	t.Parallel()
	const lines, workers = 12, 2
	var in bytes.Buffer
	for i := range lines {
		in.WriteString(heavySnapshot(i) + "\n")
	}
	ev, err := model.Decode([]byte(heavySnapshot(0)))
	if err != nil {
		t.Fatal(err)
	}
	one := ev.HeldBytes()
	if one < 20*int64(len(heavySnapshot(0))) {
		t.Fatalf("a line holds %d bytes decoded, want tens of times its %d", one, len(heavySnapshot(0)))
	}
	for _, c := range []struct {
		name    string
		most    int64
		atMost  int64 // the peak allowed
		atLeast int64 // the peak expected (the workers did run ahead)
	}{
		{"budget of one line", one, one + workers*one, one},
		{"no budget to speak of", 1 << 40, 1 << 40, 4 * one},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := NewReplay("heavy.jsonl", bytes.NewReader(in.Bytes()), int64(in.Len()), ReplayOptions{Speed: 0, Workers: workers,
				MaxMessage: 1 << 20})
			r.aheadMost = c.most
			var got []int64
			err := r.Run(context.Background(), func(m Message) {
				got = append(got, m.Origin.Line)
				if len(got) == 1 { // a slow store: the workers run ahead meanwhile, as far as they may
					b := r.lastBudget
					for end := time.Now().Add(30 * time.Second); b.held.Load() < c.atLeast && time.Now().Before(end); {
						time.Sleep(time.Millisecond)
					}
					time.Sleep(200 * time.Millisecond) // and a while longer, for any that would go past the budget
				}
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != lines || got[0] != 1 || got[lines-1] != lines {
				t.Fatalf("emitted lines %v, want 1 to %d", got, lines)
			}
			peak := r.lastBudget.peak.Load()
			t.Logf("%s: at most %d bytes held ahead (%.1f lines)", c.name, peak, float64(peak)/float64(one))
			if peak > c.atMost || peak < c.atLeast {
				t.Errorf("%d bytes held ahead at once, want from %d to %d", peak, c.atLeast, c.atMost)
			}
		})
	}
}
