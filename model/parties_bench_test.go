package model

import (
	"bytes"
	"fmt"
	"testing"
	"time"
)

// partiesEvent is an ON_INTERACTION_STATE_CHANGE listing the parties p{from}…p{from+n-1}.
func partiesEvent(from, n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"type":"ON_INTERACTION_STATE_CHANGE","params":[{"interactionId":"big","state":"delivered",` +
		`"type":"voice","subject":"","associatedObjects":{"list":[],"selected":null},"callMuted":false,` +
		`"callRecording":false,"attachedData":{},"callParties":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":"p%d","name":"","phone":""}`, from+i)
	}
	b.WriteString(`]}]}`)
	return b.Bytes()
}

// BenchmarkApplyPartiesAtLimit decodes and applies snapshots of one call whose parties change by one
// each time (one leaves, one joins), with 8 parties and with MaxCallParties (256, 32 times as many):
// the time per event must grow with the size of the event, not with its square (the diff of parties
// was quadratic: 2.2 s for one event of the 28,000 parties that fitted in the size limit before the
// bound).
func BenchmarkApplyPartiesAtLimit(b *testing.B) {
	for _, size := range []struct {
		name string
		n    int
	}{{"parties=small", 8}, {"parties=limit", MaxCallParties}} {
		b.Run(size.name, func(b *testing.B) {
			msgs := [2][]byte{partiesEvent(100000, size.n), partiesEvent(100001, size.n)}
			s := NewStore()
			at := time.UnixMilli(1700000000000)
			b.SetBytes(int64(len(msgs[0])))
			b.ResetTimer()
			for i := range b.N {
				e, err := Decode(msgs[i%2])
				if err != nil {
					b.Fatal(err)
				}
				s.Apply(e, at)
			}
			b.ReportMetric(float64(size.n), "parties")
		})
	}
}
