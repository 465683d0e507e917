package broadcast

import "testing"

// A subscriber holds at most one pending signal; one that has unsubscribed gets none.
func TestSetSignalsEachSubscriberOnce(t *testing.T) {
	t.Parallel()
	var s Set
	a, endA := s.Subscribe()
	b, endB := s.Subscribe()
	if s.Len() != 2 {
		t.Fatalf("Len = %d, want 2", s.Len())
	}
	s.Signal()
	s.Signal()
	<-a
	select {
	case <-a:
		t.Fatal("a got two signals")
	default:
	}
	endB()
	<-b // the one sent before it ended
	s.Signal()
	select {
	case <-b:
		t.Fatal("b got a signal after it ended")
	default:
	}
	<-a
	endA()
	if s.Len() != 0 {
		t.Fatalf("Len = %d after both ended, want 0", s.Len())
	}
}

// TestWakeLeavesOneSignal: woken twice, a channel holds one signal; Wake never blocks, and a
// receiver that took the signal is woken again by the next Wake.
func TestWakeLeavesOneSignal(t *testing.T) {
	t.Parallel()
	ch := make(chan struct{}, 1)
	Wake(ch)
	Wake(ch)
	<-ch
	select {
	case <-ch:
		t.Fatal("two signals after two wakes")
	default:
	}
	Wake(ch)
	select {
	case <-ch:
	default:
		t.Fatal("no signal after a wake that followed a receive")
	}
}
