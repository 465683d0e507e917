package jetlog

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// How an event's agent, session and id travel in a NATS message. Agent ids and sessions are
// arbitrary bytes (dots, spaces, '*', '>', invalid UTF-8), none of which a subject token or a
// header value may hold as they are, so each is stored base64url-encoded (no padding): exact
// bytes, and an encoding that is one to one, so two ids never collide.
const (
	// noAgentToken is the subject token of the agent "" (never a base64url encoding: one character).
	noAgentToken = "_"
	// sessionHeader carries Msg.Session, encoded; absent for "".
	sessionHeader = "Deskwatch-Session"
)

var b64 = base64.RawURLEncoding

// agentSubject is the subject an agent's events are stored under.
func agentSubject(agent string) string {
	if agent == "" {
		return SubjectPrefix + noAgentToken
	}
	return SubjectPrefix + b64.EncodeToString([]byte(agent))
}

// subjectAgent is agentSubject's inverse; ok is false for a subject this log did not write.
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

// appendMsg publishes m and waits for JetStream's acknowledgement: the event is stored (on a
// majority of the replicas in a cluster) when it returns. m.Time and m.Seq are the log's to set
// and are ignored.
func (l *Log) appendMsg(ctx context.Context, m Msg, id string) (uint64, bool, error) {
	if l.st.isClosed() {
		return 0, false, ErrClosed
	}
	nm := &nats.Msg{Subject: agentSubject(m.Agent), Data: m.Data}
	if m.Session != "" {
		nm.Header = nats.Header{sessionHeader: []string{b64.EncodeToString([]byte(m.Session))}}
	}
	var opts []jetstream.PublishOpt
	if id != "" {
		opts = append(opts, jetstream.WithMsgID(b64.EncodeToString([]byte(id))))
	}
	ack, err := l.js.PublishMsg(ctx, nm, opts...)
	if err != nil {
		if l.st.isClosed() {
			return 0, false, ErrClosed
		}
		return 0, false, fmt.Errorf("jetlog: append an event of %d bytes for agent %q: %w", len(m.Data), m.Agent, err)
	}
	return ack.Sequence, ack.Duplicate, nil
}

// decode turns a stored message into a Msg; ok is false (and why says why) for a message this log
// did not write (a foreign publisher on an external NATS cluster).
func decode(jm jetstream.Msg) (m Msg, why string, ok bool) {
	meta, err := jm.Metadata()
	if err != nil {
		return Msg{}, "no JetStream metadata: " + err.Error(), false
	}
	m = Msg{Seq: meta.Sequence.Stream, Time: meta.Timestamp, Data: jm.Data()}
	if m.Agent, ok = subjectAgent(jm.Subject()); !ok {
		return m, fmt.Sprintf("subject %q is not an agent's", jm.Subject()), false
	}
	if h := jm.Headers(); h != nil {
		if s := h.Get(sessionHeader); s != "" {
			b, err := b64.DecodeString(s)
			if err != nil {
				return m, fmt.Sprintf("header %s %q is not base64url", sessionHeader, s), false
			}
			m.Session = string(b)
		}
	}
	return m, "", true
}
