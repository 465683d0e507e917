package hub

import (
	"strings"
	"testing"

	"github.com/deskwatch/deskwatch/model"
)

// TestReplayKeyIsSmall: the floor (and every checkpoint) keeps one replay key per agent and slot;
// a login of a megabyte must not be kept whole, and two packets differing anywhere differ in key.
func TestReplayKeyIsSmall(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("x", 1<<20)
	login := func(user string) model.Event {
		ev, err := model.Decode([]byte(`{"type":"ON_LOGIN","agentId":"a1","ts":1700000000000,"params":[{"isLoggedIn":true,"username":"` +
			user + `"}]}`))
		if err != nil {
			t.Fatal(err)
		}
		return ev
	}
	k1, k2 := replayKey(login(big)), replayKey(login(big+"y"))
	if len(k1) > 64 {
		t.Fatalf("replay key of a 1 MiB login is %d bytes, want at most 64", len(k1))
	}
	if k1 == k2 || k1 != replayKey(login(big)) {
		t.Fatal("replay keys must tell different packets apart and match the same packet")
	}
}
