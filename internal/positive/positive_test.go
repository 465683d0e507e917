package positive

import (
	"testing"
	"time"
)

func TestOr(t *testing.T) {
	if got := Or(0, 7); got != 7 {
		t.Errorf("Or(0, 7) = %d", got)
	}
	if got := Or(-1, 7); got != 7 {
		t.Errorf("Or(-1, 7) = %d", got)
	}
	if got := Or(3, 7); got != 3 {
		t.Errorf("Or(3, 7) = %d", got)
	}
	if got := Or(time.Duration(-5), time.Second); got != time.Second {
		t.Errorf("Or(-5ns, 1s) = %v", got)
	}
	if got := Or(0.5, 2); got != 0.5 {
		t.Errorf("Or(0.5, 2) = %v", got)
	}
}
