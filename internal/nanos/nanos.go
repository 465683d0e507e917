// Package nanos keeps a time as an int64 of unix nanoseconds, where a time.Time is too large (an
// atomic, a compact record of each message), with the zero time kept as 0 both ways.
package nanos

import "time"

// Of is t in unix nanoseconds, 0 for the zero time.
func Of(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// Time is Of's inverse, in the local zone as time.Unix gives it.
func Time(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}
