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

// heavySnapshot is an INTERACTIONS_STATE line of n interactions of 256 empty associated objects,
// about 900 bytes each, that decode to about 33 KB each.
func heavySnapshot(agent, n int) string {
	empty := strings.Repeat(`{},`, 255) + `{}`
	var b strings.Builder
	for i := range n {
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
// as many as the window of batches has room for; a line over aheadBigLine is decoded only when its
// batch is the next applied, one at a time; every line is still emitted, in order.
func TestReadAheadHeldIsBounded(t *testing.T) {
	t.Parallel()
	const workers = 2
	for _, c := range []struct {
		name          string
		lines, listed int   // lines of listed interactions each
		most          int64 // the budget, in lines' worth
		atLeast       int64 // the peak expected, in lines' worth (the workers did run ahead)
		atMost        int64 // the peak allowed
	}{
		{"budget of one line", 48, 60, 1, 1, 1 + workers},
		{"no budget to speak of", 48, 60, 1 << 20, 8, 1 << 20},
		{"big lines, no budget to speak of", 12, 300, 1 << 20, 1, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var in bytes.Buffer
			for i := range c.lines {
				in.WriteString(heavySnapshot(i, c.listed) + "\n")
			}
			ev, err := model.Decode([]byte(heavySnapshot(0, c.listed)))
			if err != nil {
				t.Fatal(err)
			}
			one, size := ev.HeldBytes(), len(heavySnapshot(0, c.listed))
			if one < 20*int64(size) || (size > aheadBigLine) != (c.listed == 300) {
				t.Fatalf("a line of %d bytes holds %d decoded, want tens of times its bytes", size, one)
			}
			r := NewReplay("heavy.jsonl", bytes.NewReader(in.Bytes()), int64(in.Len()), ReplayOptions{Speed: 0, Workers: workers,
				MaxMessage: 1 << 20})
			r.aheadMost = c.most * one
			var got []int64
			err = r.Run(context.Background(), func(m Message) {
				got = append(got, m.Origin.Line)
				if len(got) == 1 { // a slow store: the workers run ahead meanwhile, as far as they may
					b := r.lastBudget
					for end := time.Now().Add(30 * time.Second); b.held.Load() < c.atLeast*one && time.Now().Before(end); {
						time.Sleep(time.Millisecond)
					}
					time.Sleep(200 * time.Millisecond) // and a while longer, for any that would go past the budget
				}
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != c.lines || got[0] != 1 || got[c.lines-1] != int64(c.lines) {
				t.Fatalf("emitted lines %v, want 1 to %d", got, c.lines)
			}
			peak := r.lastBudget.peak.Load()
			t.Logf("%s: at most %d bytes held ahead (%.1f lines)", c.name, peak, float64(peak)/float64(one))
			if peak > c.atMost*one || peak < c.atLeast*one {
				t.Errorf("%.1f lines' worth held ahead at once, want from %d to %d", float64(peak)/float64(one), c.atLeast, c.atMost)
			}
		})
	}
}
