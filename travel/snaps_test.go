package travel

import "testing"

// TestSnapsBounds: checkpoints are thinned to their count and byte bounds, evenly, keeping the
// oldest, and the interval doubles each time.
func TestSnapsBounds(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name     string
		max      int
		maxBytes int64
		wantMax  int
	}{{"count", 16, 1 << 40, 16}, {"bytes", 1000, 100, 10}} {
		s := newSnaps(Options{Every: 10, MaxCheckpoints: c.max, MaxCheckpointBytes: c.maxBytes})
		for n := int64(0); n <= 5000; n++ {
			if pos := (Position{N: n}); s.due(pos) {
				s.add(snap{pos: pos, bytes: 10})
			}
		}
		if len(s.list) > c.wantMax || len(s.list) < c.wantMax/2 || s.bytes != int64(10*len(s.list)) {
			t.Errorf("%s: %d checkpoints of %d bytes, want %d at most and half at least", c.name, len(s.list), s.bytes, c.wantMax)
		}
		for i, sn := range s.list {
			if sn.pos.N != int64(i)*s.every {
				t.Fatalf("%s: checkpoint %d at #%d, want every %d from #0", c.name, i, sn.pos.N, s.every)
			}
		}
		if sn, ok := s.at(s.every*2 + 1); !ok || sn.pos.N != s.every*2 {
			t.Errorf("%s: at(%d) = #%d", c.name, s.every*2+1, sn.pos.N)
		}
		s.dropBefore(s.every + 1)
		if sn, ok := s.at(s.every * 2); !ok || sn.pos.N != s.every*2 || s.list[0].pos.N != s.every*2 {
			t.Errorf("%s: after dropBefore, first #%d", c.name, s.list[0].pos.N)
		}
		if _, ok := s.at(s.every); ok {
			t.Errorf("%s: at(%d) found a dropped checkpoint", c.name, s.every)
		}
	}
}
