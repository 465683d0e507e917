package feed

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/deskwatch/deskwatch/model"
)

// isPlainEvent reports whether m can be written as it came, with its receive time spliced in: a
// valid one-line JSON object with no problem attached and no "recv" of its own, that a replay would
// not take for a wrapper line.
func isPlainEvent(m Message) bool {
	d := m.Data
	if m.Problem != "" || m.Partial || m.Binary || m.Size > 0 || len(d) == 0 || d[0] != '{' {
		return false
	}
	if bytes.IndexByte(d, '\n') >= 0 || bytes.IndexByte(d, '\r') >= 0 || looksWrapped(d) {
		return false
	}
	if rest := bytes.TrimLeft(d[1:], jsonSpace); len(rest) == 0 || (rest[0] != '"' && string(d) != "{}") {
		return false // "{ }" and the like: the spliced member could not be taken off exactly
	}
	if model.PeekMember(d, "recv") >= 0 {
		return false
	}
	// As lenient as model.Decode: duplicate names and invalid UTF-8 are an event's business.
	return jsontext.Value(d).IsValid(jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
}

// appendWrapped appends m as a wrapper line (with its '\n').
func appendWrapped(b []byte, m Message) []byte {
	var recv int64
	if !m.Received.IsZero() {
		recv = m.Received.UnixMilli()
	}
	b = append(b, `{`+recordedKey+`:1,"recv":`...)
	b = strconv.AppendInt(b, recv, 10)
	b = append(b, `,"conn":`...)
	b = strconv.AppendInt(b, m.Origin.Conn, 10)
	b = append(b, `,"msg":`...)
	b = strconv.AppendInt(b, m.Origin.Msg, 10)
	if m.Origin.Line > 0 {
		b = append(b, `,"line":`...)
		b = strconv.AppendInt(b, m.Origin.Line, 10)
	}
	if !m.Binary && len(m.Data) <= recordRawMax && utf8.Valid(m.Data) {
		b = append(b, `,"raw":`...)
		b, _ = jsontext.AppendQuote(b, m.Data) // valid UTF-8: cannot fail
	} else {
		b = append(b, `,"raw_b64":"`...)
		b = base64.StdEncoding.AppendEncode(b, m.Data)
		b = append(b, '"')
	}
	if m.Binary {
		b = append(b, `,"binary":true`...)
	}
	if m.Size > int64(len(m.Data)) {
		b = append(b, `,"size":`...)
		b = strconv.AppendInt(b, m.Size, 10)
	}
	if m.Problem != "" {
		b = append(b, `,"problem":`...)
		b, _ = jsontext.AppendQuote(b, strings.ToValidUTF8(m.Problem, "\uFFFD"))
	}
	if m.Partial {
		b = append(b, `,"partial":true`...)
	}
	return append(b, "}\n"...)
}

// wrappedMax is the longest wrapper line the recorder writes for a source whose size limit is
// maxMsg: a message up to maxMsg bytes, or the OversizePrefix kept of a larger one, as an escaped
// string (up to six bytes a byte) or in base64, and the wrapper's other members.
func wrappedMax(maxMsg int) int {
	most := max(maxMsg, OversizePrefix)
	return max(6*min(most, recordRawMax), base64.StdEncoding.EncodedLen(most)) + 4096
}

// recordedLine is a wrapper line as the recorder writes it.
type recordedLine struct {
	Version int     `json:"deskwatch.recorded"`
	Recv    int64   `json:"recv"`
	Conn    int64   `json:"conn"`
	Msg     int64   `json:"msg"`
	Raw     *string `json:"raw"`
	RawB64  []byte  `json:"raw_b64"`
	Binary  bool    `json:"binary"`
	Size    int64   `json:"size"`
	Problem string  `json:"problem"`
	Partial bool    `json:"partial"`
	End     bool    `json:"end"`
}

// unwrapRecorded fills m (whose Origin names the recording's file and line) from a wrapper line:
// the raw message, its connection and message numbers, receive time and problem. It returns the
// time the message is paced by: its ts, else its receive time. A line that cannot be read as a
// wrapper becomes a message with a problem, so the replay reports it and goes on. end reports the
// recording's end line, which is no message: at is then the time the recording ended.
func unwrapRecorded(m *Message, text []byte, maxMsg int) (at time.Time, end bool) {
	var w recordedLine
	err := json.Unmarshal(text, &w)
	switch {
	case err == nil && w.Version == 1 && w.End && w.Raw == nil && w.RawB64 == nil && w.Recv > 0 && w.Recv <= model.MaxTimeMillis:
		return time.UnixMilli(w.Recv), true
	case err != nil:
	case w.Recv > model.MaxTimeMillis:
		err = errors.New(recvProblem)
	case w.Version != 1:
		err = fmt.Errorf("recording format version %d is not supported", w.Version)
	case w.Raw == nil && w.RawB64 == nil:
		err = errors.New(`recording line has neither "raw" nor "raw_b64"`)
	}
	if err != nil {
		m.Data = bytes.Clone(text)
		m.Problem = "unreadable recording line: " + err.Error()
		if m.Partial {
			m.Problem = "truncated last line (no line ending): " + m.Problem
		}
		return time.Time{}, false
	}
	if w.Raw != nil {
		m.Data = []byte(*w.Raw)
	} else {
		m.Data = w.RawB64
	}
	m.Origin.Conn, m.Origin.Msg = w.Conn, w.Msg
	m.Problem, m.Partial, m.Binary = w.Problem, w.Partial, w.Binary
	if w.Size > int64(len(m.Data)) {
		m.Size = w.Size
		m.Problem = replayedProblem(*m)
	}
	if w.Recv > 0 {
		m.Received = time.UnixMilli(w.Recv)
	}
	if len(m.Data) > maxMsg && m.Problem == "" {
		m.Problem = fmt.Sprintf("message is %d bytes, larger than the limit of %d bytes (--max-message)",
			len(m.Data), maxMsg)
		m.Data = bytes.Clone(m.Data[:min(len(m.Data), snippetSize)])
	}
	if ts := model.PeekTS(m.Data); !ts.IsZero() {
		return ts, false
	}
	return m.Received, false
}

// replayedProblem is the reason a replay rejects a recorded message for: the live reason, and, when
// only m.Data of its m.Size bytes was recorded, that it was truncated (such a line is always
// rejected, whether or not it carried a reason).
func replayedProblem(m Message) string {
	if m.Size <= int64(len(m.Data)) {
		return m.Problem
	}
	p := m.Problem
	if p == "" {
		p = fmt.Sprintf("message of %d bytes", m.Size)
	}
	return p + fmt.Sprintf(" [truncated in the recording to its first %d of %d bytes]", len(m.Data), m.Size)
}

// cutRecv takes a recorder's spliced receive time off the front of a plain event: it returns the
// event as received and the time, or ok false when the line does not begin {"recv":DIGITS followed
// by ',' or '}'. It writes into b (the event is a slice of it), which the replay owns until emit
// returns.
// A recv out of range (past model.MaxTimeMillis) is cut all the same, and recv is zero: the caller
// rejects the message with recvProblem.
func cutRecv(b []byte) (event []byte, recv time.Time, ok bool) {
	n := recvPrefixLen(b)
	if n == 0 {
		return nil, time.Time{}, false
	}
	ms, err := strconv.ParseInt(string(b[len(recvKey):n-1]), 10, 64)
	if err == nil && ms <= 0 {
		return nil, time.Time{}, false
	}
	if err == nil && ms <= model.MaxTimeMillis {
		recv = time.UnixMilli(ms)
	}
	if b[n-1] == '}' {
		return []byte("{}"), recv, true
	}
	// The event is the rest of b behind a '{' written over the comma: no copy of the line.
	b[n-1] = '{'
	return b[n-1:], recv, true
}

// recvProblem is why a recorded line's receive time is refused: it is past the latest time an event
// may carry (a recording made by deskwatch never holds one).
var recvProblem = fmt.Sprintf(`"recv": out of range (0 to %d ms, %s)`, model.MaxTimeMillis,
	time.UnixMilli(model.MaxTimeMillis).UTC().Format(time.DateOnly))

// recvPrefixLen is the length of a spliced {"recv":DIGITS, (or {"recv":DIGITS}) at the start of b;
// 0 when there is none.
func recvPrefixLen(b []byte) int {
	if !bytes.HasPrefix(b, []byte(recvKey)) {
		return 0
	}
	i := len(recvKey)
	for i < len(b) && i < len(recvKey)+19 && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	if i == len(recvKey) || i >= len(b) || (b[i] != ',' && b[i] != '}') {
		return 0
	}
	return i + 1
}
