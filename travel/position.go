package travel

import (
	"fmt"
	"sort"
	"time"

	"github.com/deskwatch/deskwatch/internal/nanos"
)

// fromNanos is the time of n unix nanoseconds in UTC, the zero time for 0.
func fromNanos(n int64) time.Time { return nanos.Time(n).UTC() }

// positionIn is the position after message n of a history bounded by first and last, with the
// event time (in unix nanoseconds) at(n) gives past first.
func positionIn(n int64, first, last Position, at func(n int64) int64) (Position, error) {
	if n < first.N || n > last.N {
		return Position{}, outside(n, first, last)
	}
	if n == first.N {
		return first, nil
	}
	return Position{N: n, At: fromNanos(at(n))}, nil
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
