package feed

import "testing"

// TestPumpSkippedIsListedNotLost: a hub's DESKWATCH_SKIPPED in the place of an agent's event it
// rejected is listed with the rejected messages, where it came from and the hub's reason, and its
// seq counts as arrived: the agent's next event reports nothing lost. A marker of an agent not
// known makes no agent.
func TestPumpSkippedIsListedNotLost(t *testing.T) {
	t.Parallel()
	lines := []string{
		`{"type":"ON_LOGIN","agentId":"a1","ts":1000,"seq":1,"params":[{"isLoggedIn":true}]}`,
		`{"type":"DESKWATCH_SKIPPED","agentId":"a1","ts":2000,"seq":2,"params":[{"reason":"memory-share","text":"agent's memory share reached\u001b[2J"}]}`,
		`{"type":"ON_LOGOUT","agentId":"a1","ts":3000,"seq":3,"params":[]}`,
		`{"type":"DESKWATCH_SKIPPED","agentId":"stranger","ts":4000,"seq":9,"params":[{"reason":"memory-cap","text":"t"}]}`,
	}
	store, told := replayLines(t, lines)
	want := `events:2: rejected by the hub (memory-share): agent "a1"'s event seq 2: agent's memory share reached` // the escape sequence removed
	if len(told) != 2 || told[0] != want {
		t.Fatalf("told %q\nwant %q first", told, want)
	}
	sn := store.Snapshot()
	if sn.Stats.Lost != 0 || sn.Stats.Rejected != 2 || len(sn.Agents) != 1 || sn.Agents[0].LastSeq != 3 {
		t.Errorf("lost %d, rejected %d, %d agents; want none lost, 2 rejected, a1 alone at seq 3", sn.Stats.Lost,
			sn.Stats.Rejected, len(sn.Agents))
	}
}
