package jetlog

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// How an event's agent, session and id travel in a NATS message. Agent ids and sessions are
// arbitrary bytes (dots, spaces, '*', '>', invalid UTF-8), none of which a subject token or a
// header value may hold as they are, so each is stored base64url-encoded (no padding): exact
// bytes, and an encoding that is one to one, so two ids never collide. A subject must fit on the
// NATS protocol's control line (4 KiB, and a longer one closes the connection), so an agent id
// longer than maxTokenAgent gets a token of its SHA-256 instead and travels whole in a header.
const (
	// noAgentToken is the subject token of the agent "" (never a base64url encoding: one character).
	noAgentToken = "_"
	// longPrefix starts the token of a long agent id and a long message id ('=' is not base64url).
	longPrefix = "="
	// maxTokenAgent is the longest agent id (in bytes) whose subject token is its encoding.
	maxTokenAgent = 256
	// agentHeader carries a long agent id, encoded; sessionHeader Msg.Session, encoded (absent
	// for "").
	agentHeader   = "Deskwatch-Agent"
	sessionHeader = "Deskwatch-Session"
)

var b64 = base64.RawURLEncoding

// token encodes an agent or message id for a subject or a header: itself base64url-encoded when
// it is at most max bytes, else its SHA-256.
func token(id string, max int) string {
	if len(id) > max {
		sum := sha256.Sum256([]byte(id))
		return longPrefix + hex.EncodeToString(sum[:])
	}
	return b64.EncodeToString([]byte(id))
}

// agentSubject is the subject an agent's events are stored under.
func agentSubject(agent string) string {
	if agent == "" {
		return SubjectPrefix + noAgentToken
	}
	return SubjectPrefix + token(agent, maxTokenAgent)
}

// subjectAgent is agentSubject's inverse; ok is false for a subject this log did not write, or
// for a long agent's, whose id is in its header.
func subjectAgent(subject string) (string, bool) {
	tok, ok := strings.CutPrefix(subject, SubjectPrefix)
	if !ok {
		return "", false
	}
	if tok == noAgentToken {
		return "", true
	}
	b, err := b64.DecodeString(tok)
	return string(b), err == nil
}

// appendMsg publishes m and waits for JetStream's acknowledgement: the event is stored when it
// returns. With one replica the server has written it to its file (the operating system holds
// it: it outlives a kill -9 of the hub, not a power cut within JetStream's fsync interval, two
// minutes by default); with three, a majority of the replicas hold it. m.Time and m.Seq are the
// log's to set and are ignored.
func (l *Log) appendMsg(ctx context.Context, m Msg, id string) (uint64, bool, error) {
	if l.st.isClosed() {
		return 0, false, ErrClosed
	}
	nm := &nats.Msg{Subject: agentSubject(m.Agent), Data: m.Data}
	if len(m.Agent) > maxTokenAgent {
		nm.Header = nats.Header{agentHeader: []string{b64.EncodeToString([]byte(m.Agent))}}
	}
	if m.Session != "" {
		if nm.Header == nil {
			nm.Header = nats.Header{}
		}
		nm.Header[sessionHeader] = []string{b64.EncodeToString([]byte(m.Session))}
	}
	var opts []jetstream.PublishOpt
	if id != "" {
		opts = append(opts, jetstream.WithMsgID(token(id, maxTokenAgent)))
	}
	ack, err := l.publish(ctx, nm, id != "", opts)
	if err != nil {
		if l.st.isClosed() {
			return 0, false, ErrClosed
		}
		return 0, false, fmt.Errorf("jetlog: append an event of %d bytes for agent %s: %w", len(m.Data), quoteShort(m.Agent), err)
	}
	return ack.Sequence, ack.Duplicate, nil
}

// Retries of an append while the stream has no leader (a hub of the cluster was lost and the others
// elect a new one: several seconds) or while its request went to a leader that died with it.
const (
	// appendTry bounds one attempt of an append with a message id: one that gets no answer in
	// that time is sent again, to whichever replica leads by then (JetStream drops it, by its id,
	// if the first attempt was stored after all).
	appendTry    = 2 * time.Second
	appendPause  = 50 * time.Millisecond // the first pause between attempts, doubled up to appendPauses
	appendPauses = 500 * time.Millisecond
)

// publish sends nm until JetStream acknowledges it, fails for good (see passing), or ctx ends. An
// append without a message id (idempotent false) is sent again only after an answer that says it
// was not stored (no responders, no leader), never after a timeout: it could be stored twice.
// A resend dropped as a duplicate of an attempt that timed out is the same append: dup is false.
func (l *Log) publish(ctx context.Context, nm *nats.Msg, idempotent bool, opts []jetstream.PublishOpt) (*jetstream.PubAck, error) {
	timedOut := false
	for pause := appendPause; ; pause = min(2*pause, appendPauses) {
		try, cancel := ctx, context.CancelFunc(func() {})
		if idempotent {
			try, cancel = context.WithTimeout(ctx, appendTry)
		}
		ack, err := l.js.PublishMsg(try, nm, opts...)
		cancel()
		if err == nil {
			if timedOut {
				ack.Duplicate = false
			}
			return ack, nil
		}
		slow := errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout)
		if ctx.Err() != nil || l.st.isClosed() || !transient(err, slow) || (slow && !idempotent) {
			return nil, err
		}
		timedOut = timedOut || slow
		l.st.appendRetries.Add(1)
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(pause):
		}
	}
}

// decodeAll turns a stored message into its events: a batch's (batch.go), or the one of a
// message appended alone; why says why there are none (and seq is the message's all the same).
func decodeAll(jm jetstream.Msg) (ms []Msg, seq uint64, why string) {
	version := jm.Headers().Get(batchHeader)
	if version == "" {
		m, why, ok := decode(jm)
		if !ok {
			return nil, m.Seq, why
		}
		return []Msg{m}, m.Seq, ""
	}
	meta, err := jm.Metadata()
	if err != nil {
		return nil, 0, "no JetStream metadata: " + err.Error()
	}
	seq = meta.Sequence.Stream
	if version != batchVersion {
		return nil, seq, fmt.Sprintf("a batch of version %s, this hub reads version %s", quoteShort(version), batchVersion)
	}
	if ms, err = decodeBatch(jm.Data(), seq, meta.Timestamp); err != nil {
		return nil, seq, err.Error()
	}
	return ms, seq, ""
}

// decode turns a stored message into a Msg; ok is false (and why says why) for a message this log
// did not write (a foreign publisher on an external NATS cluster).
func decode(jm jetstream.Msg) (m Msg, why string, ok bool) {
	meta, err := jm.Metadata()
	if err != nil {
		return Msg{}, "no JetStream metadata: " + err.Error(), false
	}
	m = Msg{Seq: meta.Sequence.Stream, Time: meta.Timestamp, Data: jm.Data()}
	h := jm.Headers()
	if m.Session, why = header(h, sessionHeader); why != "" {
		return m, why, false
	}
	if m.Agent, why = header(h, agentHeader); why != "" || m.Agent != "" {
		return m, why, why == ""
	}
	if m.Agent, ok = subjectAgent(jm.Subject()); !ok {
		return m, fmt.Sprintf("subject %q is not an agent's", jm.Subject()), false
	}
	return m, "", true
}

// header decodes one of the headers Append encodes; why says what is wrong with it.
func header(h nats.Header, key string) (v, why string) {
	s := h.Get(key)
	if s == "" {
		return "", ""
	}
	b, err := b64.DecodeString(s)
	if err != nil {
		return "", fmt.Sprintf("header %s %s is not base64url", key, quoteShort(s))
	}
	return string(b), ""
}

// quoteShort quotes s for an error message, cut to its first 64 bytes when longer.
func quoteShort(s string) string {
	const most = 64
	if len(s) <= most {
		return strconv.Quote(s)
	}
	return fmt.Sprintf("%q… (%d bytes)", s[:most], len(s))
}

// transient tells an append's error that a new stream leader cures (slow: it timed out) from one
// it will not (the message refused as it stands, the connection closed).
func transient(err error, slow bool) bool {
	var api *jetstream.APIError
	if errors.As(err, &api) {
		return passing(err)
	}
	return slow || errors.Is(err, jetstream.ErrNoStreamResponse) || errors.Is(err, nats.ErrNoResponders)
}
