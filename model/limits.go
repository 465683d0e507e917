package model

import (
	"strconv"

	"github.com/go-json-experiment/json/jsontext"
)

// The ranges of the numbers an event may carry. A number outside its range is rejected where it is
// decoded, with its path and the range, so that nothing after the decoder does arithmetic on an
// absurd value: the store keeps times as Unix nanoseconds (an int64, good to the year 2262) and
// adds seq jumps up.
const (
	// MaxTimeMillis is the latest time an event may carry (ts, startTime, endTime), in milliseconds
	// since the Unix epoch: 2200-01-01T00:00:00Z. Times before the epoch (negative) are rejected;
	// zero reads as absent.
	MaxTimeMillis = 7258118400000
	// MaxSeq is the largest seq: 2^53-1, JavaScript's Number.MAX_SAFE_INTEGER. Beyond it a JSON
	// number no longer names one whole number: 9007199254740993 reads as 2^53, the neighbour's value,
	// so the bound excludes 2^53 itself and anything that rounds to it.
	MaxSeq = 1<<53 - 1
	// MaxDurationSeconds is the longest duration an interaction may report: 10^9 seconds (about
	// 31 years).
	MaxDurationSeconds = 1e9
)

const (
	timeRange = "want milliseconds since the Unix epoch, 0 to 7258118400000 (2200-01-01)"
	seqRange  = "want a whole number, 0 to 2^53-1"
	durRange  = "want seconds, 0 to 1e9"
)

// rangeOf is the range a number named name must be in, as rejections state it.
func rangeOf(name string) string {
	switch name {
	case "ts", "startTime", "endTime":
		return timeRange
	case "seq":
		return seqRange
	case "duration":
		return durRange
	}
	return "want a finite number"
}

// outOfRange rejects the number text at path (which ends with the field's name).
func outOfRange(path, name, text string) error {
	if len(text) > 40 {
		text = text[:37] + "..."
	}
	return reject("%s: %s is out of range (%s)", path, text, rangeOf(name))
}

// numText writes a number as plainly as it likely came: whole numbers in full up to 1e21.
func numText(f float64) string {
	if f == float64(int64(f)) && f > -1e21 && f < 1e21 {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// checkTime checks a time in milliseconds since the epoch.
func checkTime(f float64, path, name string) error {
	if !timeInRange(f) {
		return outOfRange(path, name, numText(f))
	}
	return nil
}

// checkSeqNumber checks an envelope's seq.
func checkSeqNumber(f float64) error {
	if !seqInRange(f) {
		return outOfRange("seq", "seq", numText(f))
	}
	return nil
}

// timeInRange reports whether f is a time in milliseconds an event may carry.
func timeInRange(f float64) bool { return f >= 0 && f <= MaxTimeMillis }

// seqInRange reports whether f is a seq an envelope may carry: a whole number, 0 to MaxSeq.
func seqInRange(f float64) bool { return f >= 0 && f <= MaxSeq && f == float64(int64(f)) }

// envNumber reads the envelope's ts or seq as it came: absent or null is not there (has false); a
// number too large for a float64 is out of range.
func envNumber(v jsontext.Value, name string) (f float64, has bool, err error) {
	switch v.Kind() {
	case 0, 'n':
		return 0, false, nil
	case '0':
		f, err := strconv.ParseFloat(string(v), 64)
		if err != nil {
			return 0, false, outOfRange(name, name, string(v))
		}
		return f, true, nil
	}
	return 0, false, reject("%s: want number, got %s", name, kindName(v.Kind()))
}

// checkInteractionNumbers checks the times and the duration of an interaction.
func checkInteractionNumbers(in *Interaction, at string) error {
	for _, t := range [...]struct {
		v    *float64
		name string
	}{{in.StartTime, "startTime"}, {in.EndTime, "endTime"}} {
		if t.v != nil && (*t.v < 0 || *t.v > MaxTimeMillis) {
			return outOfRange(at+"."+t.name, t.name, numText(*t.v))
		}
	}
	if d := in.Duration; d != nil && (*d < 0 || *d > MaxDurationSeconds) {
		return outOfRange(at+".duration", "duration", numText(*d))
	}
	return nil
}

// addSaturating adds two non-negative counts, stopping at the largest int64 rather than wrapping.
func addSaturating(a, b int64) int64 {
	if b > 0 && a > maxInt64-b {
		return maxInt64
	}
	return a + b
}

const maxInt64 = 1<<63 - 1
