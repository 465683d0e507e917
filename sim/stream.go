// Package sim is deskwatch's simulator: it serves the seeded demo generator's stream over a
// WebSocket, as a bridge would, to any number of subscribers (each gets a snapshot on connect, then
// the live events), with faults on demand (lost events, malformed messages, dropped connections);
// or it writes the stream to a JSON Lines file as fast as it can, for replays and benchmarks.
package sim

import "math/rand/v2"

// Chaos injects faults into a stream.
type Chaos struct {
	// Drop is the fraction of events (0 to 1) never sent; the agents' seq numbers still count them,
	// so a monitor sees the gap.
	Drop float64
	// Malformed is the chance (0 to 1), after each event, that a malformed message follows it.
	Malformed float64
}

// malformedMessages are the bad messages injected, one kind of defect each; every one must be
// rejected by the monitor with a reason.
var malformedMessages = [][]byte{
	[]byte(`{"type":"ON_NEW_INTERACTION","params":[{"interactionId":"trunc`),
	[]byte(`this is not JSON`),
	[]byte(`{"type":"ON_AGENT_STATE_CHANGE","agentId":"sim"}`),
	[]byte(`{"agentId":"sim","params":[]}`),
	[]byte(`{"type":"ON_NEW_INTERACTION","params":[{"interactionId":42,"state":"delivered"}]}`),
	[]byte(`["ON_LOGOUT",[]]`),
}

// chaos makes the fault decisions from its own seeded source, so that a seed gives the same faults.
type chaos struct {
	Chaos
	rng *rand.Rand
}

func newChaos(c Chaos, seed int64) *chaos {
	s := uint64(seed)
	return &chaos{Chaos: c, rng: rand.New(rand.NewPCG(s^0x5eed, s+0xc4a05))}
}

// drop reports whether to lose the next event.
func (c *chaos) drop() bool { return c.Drop > 0 && c.rng.Float64() < c.Drop }

// malformed returns a bad message to send after the event, or nil.
func (c *chaos) malformed() []byte {
	if c.Malformed <= 0 || c.rng.Float64() >= c.Malformed {
		return nil
	}
	return malformedMessages[c.rng.IntN(len(malformedMessages))]
}
