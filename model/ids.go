package model

import (
	"strings"
	"unicode"
)

// The identifiers an event carries are keys: the store files rows and agents under them, remembers
// evicted rows by them and counts unknown event types by name, and the hub keeps per-agent state
// under the agent id. They are bounded and free of control and invisible characters where they are
// decoded, so that a peer cannot make a key of a megabyte, nor one that reads (or prints) as another.
const (
	// MaxIDBytes bounds an identifier: agentId, interactionId, activeInteractionId,
	// ON_ACTIVE_INTERACTION_SWITCHED's id and ON_CALL_AUDIO_QUALITY_ALERT's callId.
	MaxIDBytes = 256
	// MaxTypeBytes bounds an event's type.
	MaxTypeBytes = 128
)

// checkID rejects an identifier (at path) longer than limit bytes, or holding a control character:
// C0 (U+0000 to U+001F), DEL (U+007F) or C1 (U+0080 to U+009F). The reason never repeats the
// identifier (it may be a megabyte long); it says where the offending character is.
func checkID(s, path string, limit int) error {
	if len(s) > limit {
		return reject("%s: %d bytes, longer than %d", path, len(s), limit)
	}
	if isPlain(s) { // printable ASCII, the usual id: nothing to look at
		return nil
	}
	for i, r := range s {
		if isControl(r) {
			return reject("%s: control character U+%04X at byte %d (not allowed in an identifier)", path, r, i)
		}
		if invisibleInID(r) {
			return reject("%s: invisible character U+%04X at byte %d (not allowed in an identifier)", path, r, i)
		}
	}
	return nil
}

// invisibleInID reports the characters that draw as nothing, which the sanitizer removes from what
// it shows: format characters (zero-width spaces and joiners, bidirectional controls, the byte
// order mark, soft hyphens, tags) and the line and paragraph separators. In an identifier they
// would make two ids that print alike ("kim" and "k\u200bim").
func invisibleInID(r rune) bool { return unicode.Is(unicode.Cf, r) || r == 0x2028 || r == 0x2029 }

func isControl(r rune) bool { return r < 0x20 || r >= 0x7f && r <= 0x9f }

// checkHead checks the envelope's type and agentId.
func checkHead(typ, agentID string) error {
	if err := checkID(typ, "type", MaxTypeBytes); err != nil {
		return err
	}
	return checkID(agentID, "agentId", MaxIDBytes)
}

// RowKey is the store's key for an agent's interaction: the agent id, "/", the interaction id. Any
// "%" or "/" in the agent id is escaped (%25, %2F), so the first "/" always ends the agent id and
// two different pairs never share a key (agent "t/a" with id "c2" is "t%2Fa/c2", agent "t" with
// id "a/c2" is "t/a/c2"). The usual ids, without either character, read as they came.
func RowKey(agentID, interactionID string) string {
	if strings.ContainsAny(agentID, "%/") {
		agentID = keyEscaper.Replace(agentID)
	}
	return agentID + "/" + interactionID
}

var keyEscaper = strings.NewReplacer("%", "%25", "/", "%2F")

// MaxUnknownTypes is how many distinct unknown event types Stats.Unknown counts by name; events of
// further unknown types are counted together in Stats.UnknownOther.
const MaxUnknownTypes = 64

// countUnknown counts an event of a type the monitor does not know.
func (s *Store) countUnknown(typ string) {
	if _, ok := s.stats.Unknown[typ]; ok || len(s.stats.Unknown) < MaxUnknownTypes {
		s.stats.Unknown[typ]++
		return
	}
	s.stats.UnknownOther++
}
