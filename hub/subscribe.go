package hub

import (
	"fmt"
)

// describeSnapshot says what s is about to be sent, for its connection's log line.
func (h *Hub) describeSnapshot(s *subscriber, e *snapEntry) string {
	if s.filter.services != nil {
		return fmt.Sprintf("snapshot of version %d, encoded for its filter", e.sn.Version)
	}
	e.build(h)
	n := 0
	for _, a := range e.agents {
		if s.filter.agentPasses(a.id) {
			n += len(a.msgs)
		}
	}
	return fmt.Sprintf("snapshot of %d messages", n)
}
