package feed

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"
)

// The recording format. A recording is a JSON Lines file that Replay plays back to the same store
// contents and the same rejections as the live session:
//
//   - A message that is a valid single-line JSON object with a positive top-level "ts", and that the
//     source found no problem with, is written exactly as received. A recording of clean traffic is
//     therefore itself an event file, byte for byte.
//   - Anything else (not JSON, not an object, more than one line, binary, too large, invalid UTF-8,
//     a problem found by the source, or no "ts", so that its receive time would otherwise be lost)
//     is written as a wrapper line that begins exactly with {"deskwatch.recorded":1 and holds:
//     "recv" the receive time (Unix milliseconds), "conn" and "msg" (the network origin, 0 when
//     none), "line" (the original line of a replayed file, when there was one), "raw" the message
//     as a JSON string, or "raw_b64" (standard base64) when it is not valid UTF-8, "problem" the
//     source's reason for rejecting it, and "partial" for a file's truncated last line.
//
// Replay recognises a wrapper by that opening (whitespace allowed), so a live message that happens
// to start the same way is itself wrapped.
const (
	recordedKey = `"deskwatch.recorded"`
	// recordBufSize is the recorder's write buffer; flushEvery bounds how much a killed process loses.
	recordBufSize = 64 << 10
	flushEvery    = time.Second
)

// Recorder writes every message a Pump sees, valid or not, to a file in the recording format above.
// Use its Record method as a pump tap. Writes are buffered and flushed at least once a second and on
// Close, so a killed process loses at most the last second and leaves at most one truncated line,
// which a replay reports and passes over. It is safe for concurrent use.
type Recorder struct {
	path string

	mu      sync.Mutex
	f       *os.File
	w       *bufio.Writer
	timer   *time.Timer
	armed   bool
	closed  bool
	err     error
	closeEr error
	scratch []byte
}

// NewRecorder creates (or truncates) the recording at path, readable only by its owner since
// recordings hold customer data.
func NewRecorder(path string) (*Recorder, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create recording: %w", err)
	}
	r := &Recorder{path: path, f: f, w: bufio.NewWriterSize(f, recordBufSize)}
	r.timer = time.AfterFunc(time.Hour, r.tick)
	r.timer.Stop()
	return r, nil
}

// Record appends m to the recording. Its signature matches Emit, so that pump.Tap(rec.Record) works.
// After a write error, or after Close, it drops messages; Err reports the first error.
func (r *Recorder) Record(m Message) {
	plain := isPlainEvent(m)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed || r.err != nil {
		return
	}
	var err error
	if plain {
		if _, err = r.w.Write(m.Data); err == nil {
			err = r.w.WriteByte('\n')
		}
	} else {
		r.scratch = appendWrapped(r.scratch[:0], m)
		_, err = r.w.Write(r.scratch)
		if cap(r.scratch) > 4*recordBufSize {
			r.scratch = nil // one huge message should not pin its buffer for the whole session
		}
	}
	if err != nil {
		r.err = fmt.Errorf("record %s: %w", r.path, err)
		return
	}
	if !r.armed {
		r.armed = true
		r.timer.Reset(flushEvery)
	}
}

// tick flushes what was buffered in the last second.
func (r *Recorder) tick() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.armed = false
	if r.closed || r.err != nil {
		return
	}
	if err := r.w.Flush(); err != nil {
		r.err = fmt.Errorf("record %s: %w", r.path, err)
	}
}

// Close flushes and closes the recording. It is safe to call more than once; later calls return the
// first call's result.
func (r *Recorder) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return r.closeEr
	}
	r.closed = true
	r.timer.Stop()
	var errs []error
	if r.err == nil {
		if err := r.w.Flush(); err != nil {
			r.err = fmt.Errorf("record %s: %w", r.path, err)
		}
	}
	errs = append(errs, r.err)
	if err := r.f.Close(); err != nil {
		errs = append(errs, fmt.Errorf("close recording %s: %w", r.path, err))
	}
	r.closeEr = errors.Join(errs...)
	return r.closeEr
}

// Err returns the first write error, if any.
func (r *Recorder) Err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

// isPlainEvent reports whether m can be written as it came: a valid one-line JSON object with a ts,
// no problem attached, that a replay would not take for a wrapper line.
func isPlainEvent(m Message) bool {
	d := m.Data
	if m.Problem != "" || m.Partial || len(d) == 0 || d[0] != '{' {
		return false
	}
	if bytes.IndexByte(d, '\n') >= 0 || bytes.IndexByte(d, '\r') >= 0 || looksWrapped(d) {
		return false
	}
	if _, ok := peekTS(d); !ok {
		return false
	}
	return json.Valid(d)
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
	if utf8.Valid(m.Data) {
		b = append(b, `,"raw":`...)
		b, _ = jsontext.AppendQuote(b, m.Data) // valid UTF-8: cannot fail
	} else {
		b = append(b, `,"raw_b64":"`...)
		b = base64.StdEncoding.AppendEncode(b, m.Data)
		b = append(b, '"')
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

// recordedLine is a wrapper line as the recorder writes it.
type recordedLine struct {
	Version int     `json:"deskwatch.recorded"`
	Recv    int64   `json:"recv"`
	Conn    int64   `json:"conn"`
	Msg     int64   `json:"msg"`
	Raw     *string `json:"raw"`
	RawB64  []byte  `json:"raw_b64"`
	Problem string  `json:"problem"`
	Partial bool    `json:"partial"`
}

// unwrapRecorded fills m (whose Origin names the recording's file and line) from a wrapper line:
// the raw message, its connection and message numbers, receive time and problem. It returns the
// time the message is paced by: its ts, else its receive time. A line that cannot be read as a
// wrapper becomes a message with a problem, so the replay reports it and goes on.
func unwrapRecorded(m *Message, text []byte, maxMsg int) time.Time {
	var w recordedLine
	err := json.Unmarshal(text, &w)
	switch {
	case err != nil:
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
		return time.Time{}
	}
	if w.Raw != nil {
		m.Data = []byte(*w.Raw)
	} else {
		m.Data = w.RawB64
	}
	m.Origin.Conn, m.Origin.Msg = w.Conn, w.Msg
	m.Problem, m.Partial = w.Problem, w.Partial
	if w.Recv > 0 {
		m.Received = time.UnixMilli(w.Recv)
	}
	if len(m.Data) > maxMsg && m.Problem == "" {
		m.Problem = fmt.Sprintf("message is %d bytes, larger than the limit of %d bytes (--max-message)",
			len(m.Data), maxMsg)
		m.Data = bytes.Clone(m.Data[:min(len(m.Data), snippetSize)])
	}
	if ms, ok := peekTS(m.Data); ok {
		return time.UnixMilli(int64(ms))
	}
	return m.Received
}

// looksWrapped reports whether a line starts like a recorder's wrapper: '{', then the key
// "deskwatch.recorded" first, whitespace allowed.
func looksWrapped(b []byte) bool {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return false
	}
	return bytes.HasPrefix(b[skipSpace(b, i+1):], []byte(recordedKey))
}

// peekTS finds the top-level "ts" member of a JSON object without decoding the object: it steps over
// the members before it (usually one or two short ones) and parses the number. It reports false when
// the line is not an object, has no such member, or its ts is not a positive number, as
// model.Decode treats such a ts as absent. It is the replay's hot path: no allocation when the ts is
// an integer.
func peekTS(b []byte) (float64, bool) {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return 0, false
	}
	i++
	for {
		i = skipSpace(b, i)
		if i >= len(b) || b[i] != '"' {
			return 0, false
		}
		end := skipString(b, i)
		if end < 0 {
			return 0, false
		}
		key := b[i+1 : end-1]
		i = skipSpace(b, end)
		if i >= len(b) || b[i] != ':' {
			return 0, false
		}
		i = skipSpace(b, i+1)
		if string(key) == "ts" {
			return parseTS(b[i:])
		}
		if i = skipValue(b, i); i < 0 {
			return 0, false
		}
		i = skipSpace(b, i)
		if i >= len(b) || b[i] != ',' {
			return 0, false
		}
		i++
	}
}

// parseTS parses the JSON number at the start of b. The number must be followed by a delimiter: at
// the end of a truncated line it may have lost digits.
func parseTS(b []byte) (float64, bool) {
	n, i := int64(0), 0
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9' && i < 18; i++ {
		n = n*10 + int64(b[i]-'0')
	}
	if i > 0 && i < len(b) && isDelim(b[i]) {
		return float64(n), n > 0 // a ts of 0 is absent, as model.Decode has it
	}
	end := 0
	for end < len(b) && !isDelim(b[end]) {
		end++
	}
	if end == len(b) {
		return 0, false
	}
	f, err := strconv.ParseFloat(string(b[:end]), 64)
	if err != nil || !(f > 0) {
		return 0, false
	}
	return f, true
}

func isDelim(c byte) bool {
	return c == ',' || c == '}' || c == ']' || c == ' ' || c == '\t' || c == '\r' || c == '\n'
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
}

// skipString returns the index just past the JSON string starting at b[i] (a '"'), or -1.
func skipString(b []byte, i int) int {
	for j := i + 1; ; {
		k := bytes.IndexByte(b[j:], '"')
		if k < 0 {
			return -1
		}
		k += j
		esc := 0
		for p := k - 1; p > i && b[p] == '\\'; p-- {
			esc++
		}
		if esc%2 == 0 {
			return k + 1
		}
		j = k + 1
	}
}

// skipValue returns the index just past the JSON value starting at b[i], or -1. It only tracks
// strings and nesting, which is all that stepping over a value needs.
func skipValue(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
	default:
		for i < len(b) && !isDelim(b[i]) {
			i++
		}
		return i
	}
	depth := 0
	for i < len(b) {
		switch b[i] {
		case '"':
			if i = skipString(b, i); i < 0 {
				return -1
			}
			continue
		case '{', '[':
			depth++
		case '}', ']':
			if depth--; depth == 0 {
				return i + 1
			}
		}
		i++
	}
	return -1
}
