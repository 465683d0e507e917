// Package feed turns bytes from a source (a socket, a file) into events applied to a model.Store,
// and tells the programs that draw the store when it has changed, coalesced.
package feed

import (
	"context"
	"time"

	"github.com/deskwatch/deskwatch/model"
)

// Message is one raw event exactly as received, with where it came from and when it arrived.
type Message struct {
	// Data is the message's bytes (one JSON object, without the line ending for files).
	Data []byte
	// Origin names the file and line, or the connection and message number.
	Origin model.Origin
	// Received is the wall-clock time the source read it.
	Received time.Time
	// Problem is set by the source when it already knows the message is bad (too large, a binary
	// frame); the pump rejects it with this reason without decoding.
	Problem string
	// Partial marks a file's last line that had no line ending: if it does not decode, the reason
	// says it was truncated (a killed recorder leaves at most one such line).
	Partial bool
	// Binary marks a WebSocket binary frame (always rejected: events are text).
	Binary bool
	// Offset is, for a file source, the offset in the input of the first byte of the message's
	// line (a leading BOM included): a replay started there (ReplayOptions.FirstLine) reads this
	// message first.
	Offset int64
	// Size is the message's full length in bytes when Data holds only its beginning (an oversized
	// message larger than what the source keeps); 0 when Data is the whole message.
	Size int64
	// decoded, when set, is model.Decode's answer for Data, got by a source that needed the event
	// first (the replay paces by its ts): the pump takes it rather than decoding Data again. Like
	// Data, it is valid only until Emit returns.
	decoded *decoded
}

// decoded is model.Decode's answer for a message.
type decoded struct {
	ev  model.Event
	err error
}

// Emit hands one message to the pump. msg.Data is only valid until Emit returns, as with io.Writer:
// a source may reuse the bytes for its next message (a file replay passes its read buffer, sparing
// a copy of every line), so an Emit that keeps them must copy them. The pump, the recorder and the
// store never keep them.
type Emit func(msg Message)

// Source is a stream of raw messages: a file replay, standard input, the demo generator or a
// WebSocket subscription. Run delivers messages until the stream ends (returning nil), the context is
// cancelled (returning ctx.Err()) or a fatal error occurs.
type Source interface {
	// Run reads the stream and calls emit for every message, in order, from one goroutine.
	Run(ctx context.Context, emit Emit) error
	// Status reports the source's state for the status line; it is safe to call from any goroutine.
	Status() Status
	// Now is the source's clock: wall time for live sources, the replay position for replays. Open
	// interactions' durations are measured against it.
	Now() time.Time
}

// Status is a source's state as the status line shows it.
type Status struct {
	// Name is the source as the user named it ("demo", a path, "-", a URL).
	Name string
	// State is what the source is doing (see the State constants).
	State State
	// Detail adds context to State, e.g. "retrying in 4s" or the last error.
	Detail string
	// Pos and Total are the position in the input (bytes for files); Total is 0 when unknown.
	Pos, Total int64
	// EventTime is the event time reached by a replay (zero when unknown).
	EventTime time.Time
	// Speed is the replay speed factor (0 means as fast as possible); Paused reports a paused replay.
	Speed  float64
	Paused bool
	// Messages and Bytes count what was received so far.
	Messages, Bytes int64
	// Since is when the current State began (e.g. connected since).
	Since time.Time
	// DownSince is when a live source lost its connection and has not had it back since (through
	// every reconnect attempt, StateLost and StateConnecting alike); zero while it is up, before
	// it first fails, and for replays (a replay that ends is finished, not down).
	DownSince time.Time
}

// Down reports whether the source is down: nothing it shows is being received.
func (s Status) Down() bool { return !s.DownSince.IsZero() }

// State is a source's state, a short word the status line shows as it is.
type State string

// The states a source reports. A live source (the demo, standard input) is StateLive; a file replay
// goes from StateReplaying (StatePaused while paused) to StateDone, StateStopped or StateFailed; a
// WebSocket cycles through StateConnecting, StateConnected and StateLost.
const (
	StateLive       State = "live"
	StateReplaying  State = "replaying"
	StatePaused     State = "paused"
	StateDone       State = "done"
	StateStopped    State = "stopped"
	StateFailed     State = "failed"
	StateConnecting State = "connecting"
	StateConnected  State = "connected"
	StateLost       State = "lost"
)

// Retrier is implemented by the live sources that wait between attempts to connect (WebSocket):
// a viewer who knows the server is back may have the next attempt start now.
type Retrier interface {
	// RetryNow ends the wait before the next attempt, reporting whether one was waiting.
	RetryNow() bool
}

// Controller is implemented by sources that a viewer may pause or speed up (file replays).
type Controller interface {
	// TogglePause pauses a running replay or resumes a paused one.
	TogglePause()
	// SetSpeed sets the pacing factor; 0 means no waiting.
	SetSpeed(factor float64)
}
