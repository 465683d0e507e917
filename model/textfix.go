package model

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"
)

// maxTextLocations is how many places a repaired message's warning names.
const maxTextLocations = 3

// cleanText reports whether a message's text needs no repair: it is valid UTF-8 and escapes no
// surrogate (\uD800–\uDFFF), the common case, checked without decoding. An escaped surrogate is
// usually half of a valid pair; repairText then finds nothing to change.
func cleanText(data []byte) bool {
	if !utf8.Valid(data) {
		return false
	}
	for i := 0; ; {
		j := bytes.Index(data[i:], []byte(`\u`))
		if j < 0 {
			return true
		}
		i += j + 2
		if i+1 < len(data) && data[i]|0x20 == 'd' && strings.IndexByte("89abcdefABCDEF", data[i+1]) >= 0 {
			return false
		}
	}
}

// repairText rewrites a message whose strings (values or member names) hold invalid UTF-8 or an
// escaped lone surrogate, replacing each with U+FFFD, and returns the repaired message and a warning
// naming where the text was replaced. It returns no warning when there was nothing to repair or
// the message is not JSON (the decoder then says what is wrong).
func repairText(data []byte) ([]byte, string) {
	dec := jsontext.NewDecoder(bytes.NewReader(data), decodeOpts)
	var out bytes.Buffer
	out.Grow(len(data) + 16)
	enc := jsontext.NewEncoder(&out, jsontext.AllowDuplicateNames(true))
	var where []string
	bad := 0
	for {
		if dec.PeekKind() == '"' {
			v, err := dec.ReadValue()
			if err != nil {
				return nil, ""
			}
			s, err := jsontext.AppendUnquote(nil, v)
			if err != nil {
				if bad++; bad <= maxTextLocations {
					where = append(where, textLocation(dec))
				}
			}
			if enc.WriteToken(jsontext.String(string(s))) != nil {
				return nil, ""
			}
			continue
		}
		tok, err := dec.ReadToken()
		if err == io.EOF {
			break
		}
		if err != nil || enc.WriteToken(tok) != nil {
			return nil, ""
		}
	}
	if bad == 0 {
		return nil, ""
	}
	w := "invalid UTF-8 replaced with U+FFFD in " + strings.Join(where, ", ")
	if bad > len(where) {
		w += fmt.Sprintf(" and %d more", bad-len(where))
	}
	return bytes.TrimSuffix(out.Bytes(), []byte("\n")), w
}

// textLocation names the string just read: its path, or the object whose member name it is.
func textLocation(dec *jsontext.Decoder) string {
	ptr := dec.StackPointer()
	if kind, n := dec.StackIndex(dec.StackDepth()); kind == '{' && n%2 == 1 {
		at := pointerPath(ptr.Parent())
		if at == "" {
			at = "the event"
		}
		return "a member name of " + at
	}
	at := pointerPath(ptr)
	if at == "" {
		return "the event"
	}
	return at
}
