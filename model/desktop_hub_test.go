package model

import (
	"strings"
	"testing"
)

// TestDesktopHubDecoded: a "connected" names the hub that said it; the name is kept sanitized and
// clipped, a name that is not a string rejects the event with where and why, and an event without
// one (an older log) still reads.
func TestDesktopHubDecoded(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("h", 100)
	for _, tc := range []struct{ hub, want string }{
		{`,"hub":"hub-b-1f2e"`, "hub-b-1f2e"},
		{``, ""},
		{`,"hub":"b\u001b[31m"`, "b"},
		{`,"hub":"` + long + `"`, long[:maxDesktopHub-len("…")] + "…"},
	} {
		ev, err := Decode([]byte(`{"type":"DESKWATCH_DESKTOP","agentId":"a","ts":1,"params":[{"status":"connected","reason":"r"` +
			tc.hub + `}]}`))
		if err != nil {
			t.Fatalf("%s: %v", tc.hub, err)
		}
		if got := ev.Payload.(*Desktop).Hub; got != tc.want {
			t.Errorf("hub %s: decoded %q, want %q", tc.hub, got, tc.want)
		}
	}
	_, err := Decode([]byte(`{"type":"DESKWATCH_DESKTOP","agentId":"a","params":[{"status":"connected","hub":5}]}`))
	if err == nil || err.Error() != "params[0].hub: want string, got number" {
		t.Errorf("a hub that is a number: got %v", err)
	}
}
