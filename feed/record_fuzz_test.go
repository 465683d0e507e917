package feed

import (
	"testing"

	"github.com/deskwatch/deskwatch/model"
)

// FuzzUnwrapRecorded: any wrapper line, however hand-edited, gives a message or the end without
// panicking; a line recording only the beginning of a message (size larger than what it holds) is
// always rejected, saying so.
func FuzzUnwrapRecorded(f *testing.F) {
	for _, s := range []string{
		`{"deskwatch.recorded":1,"recv":1700000000123,"conn":2,"msg":17,"raw":"not json"}`,
		`{"deskwatch.recorded":1,"recv":1700000000123,"conn":1,"msg":1,"raw":"abc","size":99,"problem":"too large"}`,
		`{"deskwatch.recorded":1,"recv":1700000000123,"conn":1,"msg":1,"raw":"{\"type\":\"ON_LOGOUT\",\"params\":[]}","size":99}`,
		`{"deskwatch.recorded":1,"recv":1,"raw_b64":"/wAB","size":-5}`,
		`{"deskwatch.recorded":1,"recv":1700000009000,"end":true}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		m := Message{Origin: model.Origin{Source: "f", Line: 1}}
		if _, end := unwrapRecorded(&m, line, 1000); end {
			return
		}
		if m.Size > int64(len(m.Data)) && m.Problem == "" {
			t.Errorf("%q: %d of %d bytes recorded, not rejected", line, len(m.Data), m.Size)
		}
	})
}
