package model

import (
	"strings"
	"testing"
	"time"
)

// hostileStarters is n 8-bit OSC introducers (U+009D) with no end: each is shown as text.
func hostileStarters(n int) string { return strings.Repeat("\u009d", n) }

// hostileJoins is an emoji's decorations (n variation selectors) before n ZWJs, each followed by a
// character the sanitizer drops: every ZWJ asks what it would join.
func hostileJoins(n int) string {
	return "a" + strings.Repeat("\ufe0f", n) + strings.Repeat("\u200d\u2060", n)
}

// hostileHead is a message of n empty objects before an escaped "ts" (t\u0073, which PeekHead
// must find and read) and a backslash near its end: every object is a value PeekHead steps over.
func hostileHead(n int) []byte {
	var b strings.Builder
	b.WriteString(`{"type":"X"`)
	for range n {
		b.WriteString(`,"a":{}`)
	}
	b.WriteString(`,"t\u0073":1700000000000,"z":"\\","end":1}`)
	return []byte(b.String())
}

// The attacker's passes found readers whose cost grew with the square of their input: the
// sanitizer on a run of unterminated 8-bit string introducers (a second for 40,000 of them, in any
// field of any event, on every frame) and, for exports, on emoji decorations before many ZWJs (8 s
// for 360 KB), and the head reader on a message of many small objects before a late backslash
// (0.7 s a MiB, before a message is decoded or refused). Their answers stay
// what they were; BenchmarkHostileInput measures that their time grows with the input.
func TestHostileInputAnswers(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		hostileStarters(3) + "x":       "␛]␛]␛]x",
		"\u009da\u009fb\u0090c":        "␛]a␛_b␛Pc",
		"\u009da\u009db\u0007c\u009dd": "c␛]d", // the first ends at the BEL, the last nowhere
		"\u009dopen \x1b]0;t\x07x":     "x",    // an OSC ends before the next ESC
	} {
		if got := Sanitize(in); got != want {
			t.Errorf("Sanitize(%q) = %q, want %q", in, got, want)
		}
	}
	if got := SanitizeData(hostileJoins(3) + "😀\u200d😀"); got != "a\ufe0f\ufe0f\ufe0f😀\u200d😀" {
		t.Errorf("SanitizeData of decorations before ZWJs: %q", got)
	}
	h := PeekHead(hostileHead(1000))
	if !h.TS.Equal(time.UnixMilli(1700000000000)) {
		t.Errorf("PeekHead after 1000 objects: ts %v, want the escaped member's", h.TS)
	}
	if ts := PeekTS(hostileHead(1000)); !ts.Equal(time.UnixMilli(1700000000000)) {
		t.Errorf("PeekTS after 1000 objects: %v", ts)
	}
}

// BenchmarkHostileInput measures the two readers on hostile input at two sizes, ten times apart:
// the time must grow about tenfold (scripts/bench holds the ratio under 20x), not a hundredfold.
func BenchmarkHostileInput(b *testing.B) {
	for _, size := range []struct {
		name string
		n    int
	}{{"size=small", 4000}, {"size=large", 40000}} {
		text, msg, joins := hostileStarters(size.n), hostileHead(size.n), hostileJoins(size.n)
		b.Run("sanitize/"+size.name, func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			for b.Loop() {
				_ = Sanitize(text)
			}
		})
		b.Run("joins/"+size.name, func(b *testing.B) {
			b.SetBytes(int64(len(joins)))
			for b.Loop() {
				_ = SanitizeData(joins)
			}
		})
		b.Run("peek/"+size.name, func(b *testing.B) {
			b.SetBytes(int64(len(msg)))
			for b.Loop() {
				_ = PeekHead(msg)
			}
		})
	}
}
