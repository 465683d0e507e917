package travel

import (
	"fmt"
	"sort"
	"time"
)

// nanos is t in unix nanoseconds, 0 for the zero time.
func nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// fromNanos is nanos' inverse.
func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// searchMax is how many of the first n messages come before the first whose latest event time
// (maxAt(i), never falling) is after k: the position at event time k.
func searchMax(n int, maxAt func(i int) int64, k int64) int {
	return sort.Search(n, func(i int) bool { return maxAt(i) > k })
}

// outside is the error for a position n out of first..last.
func outside(n int64, first, last Position) error {
	return fmt.Errorf("%w: event #%d (%s)", ErrOutside, n, span(first, last))
}

// span says what a history holds, for errors.
func span(first, last Position) string {
	if first.N == last.N {
		return fmt.Sprintf("it holds only #%d", first.N)
	}
	return fmt.Sprintf("it holds #%d to #%d", first.N, last.N)
}
