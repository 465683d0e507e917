package feed

import "bytes"

// jsonSpace is the whitespace JSON allows between tokens.
const jsonSpace = " \t\r\n"

// looksWrapped reports whether a line starts like a recorder's wrapper: '{', then the key
// "deskwatch.recorded" first, whitespace allowed. (An event's own members are read by
// model.PeekHead and model.PeekMember, the envelope's one reader.)
func looksWrapped(b []byte) bool {
	if len(b) > 1 && b[0] == '{' && b[1] == '"' { // a compact line, as the recorder writes it
		return bytes.HasPrefix(b[1:], []byte(recordedKey))
	}
	b = bytes.TrimLeft(b, jsonSpace)
	return len(b) > 0 && b[0] == '{' && bytes.HasPrefix(bytes.TrimLeft(b[1:], jsonSpace), []byte(recordedKey))
}
