package hub

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/deskwatch/deskwatch/model"
)

// What a peer chooses (query parameters, headers, agentIds, event types, the text of an error
// about its message) reaches the hub's log only through these functions: quoted or sanitized, so
// it can neither start a line of its own nor send a terminal showing the log an escape sequence,
// and cut, so one value cannot fill the log (README, "Hub limits").
const (
	// maxLogValue bounds one peer value (an agentId, an origin, a session) in a log line, in bytes.
	maxLogValue = 200
	// maxLogText bounds a text that carries peer values (why a message was rejected), in bytes.
	maxLogText = 1000
	// maxLogList bounds how many values of a list (a filter's agents) a log line shows.
	maxLogList = 8
)

// logValue is one value from a peer for a log line: Go-quoted (a newline, an escape, a C1 control
// or a bidirectional control shows as its \ escape) and cut to maxLogValue bytes, followed by
// the length it had when it was cut: "abc…"…(500000 bytes).
func logValue(s string) string {
	if len(s) <= maxLogValue {
		return strconv.Quote(s)
	}
	return strconv.Quote(cutUTF8(s, maxLogValue)) + fmt.Sprintf("…(%d bytes)", len(s))
}

// logWord is a peer value shown unquoted (an event type): sanitized and cut to maxLogValue bytes.
func logWord(s string) string {
	if len(s) <= maxLogValue {
		return model.Sanitize(s)
	}
	return model.Sanitize(cutUTF8(s, maxLogValue)) + fmt.Sprintf("…(%d bytes)", len(s))
}

// logText is a text that may carry peer values for a log line: sanitized (model.Sanitize: no
// line breaks, escapes or invisible characters) and, past maxLogText bytes, cut in the middle, so
// that both its start (what was wrong) and its end (which limit) stay.
func logText(s string) string {
	if len(s) > maxLogText {
		head := cutUTF8(s, maxLogText*2/3)
		tail := s[len(s)-maxLogText/3:]
		for tail != "" && !utf8.RuneStart(tail[0]) {
			tail = tail[1:]
		}
		s = head + fmt.Sprintf("…(%d bytes cut)…", len(s)-len(head)-len(tail)) + tail
	}
	return model.Sanitize(s)
}

// logList is a set of peer values for a log line: sorted, each as logValue, comma-separated, at
// most maxLogList of them and then how many more there are.
func logList(m map[string]bool) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for i, k := range keys {
		if i == maxLogList {
			fmt.Fprintf(&b, ",…(%d more)", len(keys)-i)
			break
		}
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(logValue(k))
	}
	return b.String()
}

// cutUTF8 returns at most the first n bytes of s, not splitting a UTF-8 sequence.
func cutUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
