package feed

import (
	"bytes"
	"context"
	"testing"

	"github.com/go-json-experiment/json"

	"github.com/deskwatch/deskwatch/model"
)

// A replay through the pump: invalid UTF-8 inside an unknown member is accepted with a warning
// that names the file and line and the member, and the row re-encodes as strict JSON (the JSON
// export used to stop there); a ts of 1e19 is rejected with its line and the range, not a panic.
func TestPumpWarnsAndRejectsWithTheirPlace(t *testing.T) {
	t.Parallel()
	lines := []string{
		`{"type":"ON_NEW_INTERACTION","params":[{"interactionId":"a","state":"queued","type":"voice",` +
			`"subject":"s","associatedObjects":{"list":[]},"callParties":[],"callMuted":false,` +
			`"callRecording":false,"attachedData":{},"chatParties":["` + "\xff" + `"]}]}`,
		`{"type":"ON_LOGOUT","ts":1e19,"params":[]}`,
	}
	var in bytes.Buffer
	for _, l := range lines {
		in.WriteString(l + "\n")
	}
	store := model.NewStore()
	pump := NewPump(store, nil)
	var told []string
	pump.OnReject(func(o model.Origin, reason string) { told = append(told, o.String()+": "+reason) })
	r := NewReplay("events", bytes.NewReader(in.Bytes()), int64(in.Len()), ReplayOptions{Speed: 0})
	if err := r.Run(context.Background(), pump.Handle); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"events:1: warning: invalid UTF-8 replaced with U+FFFD in params[0].chatParties[0]",
		"events:2: ts: 1e+19 is out of range (want milliseconds since the Unix epoch, 0 to 7258118400000 (2200-01-01))",
	}
	if len(told) != 2 || told[0] != want[0] || told[1] != want[1] {
		t.Fatalf("told %q\nwant %q", told, want)
	}
	sn := store.Snapshot()
	if sn.Stats.Events != 1 || sn.Stats.Rejected != 1 || sn.Stats.Warnings != 1 || len(sn.Rows) != 1 {
		t.Fatalf("stats %+v, %d rows", sn.Stats, len(sn.Rows))
	}
	if w := sn.Rejections[0]; !w.Warning || w.Origin.Line != 1 {
		t.Fatalf("first entry of the rejected log %+v", w)
	}
	if _, err := json.Marshal(sn.Rows[0].Data); err != nil {
		t.Fatalf("the row does not re-encode: %v", err)
	}
}
