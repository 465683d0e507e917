package ui

import (
	"fmt"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/deskwatch/deskwatch/model"
	"github.com/deskwatch/deskwatch/themes"
)

// emojiSubjects are strings whose width a terminal without grapheme mode (DEC 2027) measures
// differently from lipgloss unless the sanitizer fits them: ZWJ sequences, variation selectors,
// skin tones, keycaps, flags (a pair and a lone indicator), next to CJK and combining accents.
var emojiSubjects = []string{
	"family 👨\u200d👩\u200d👧\u200d👦 call", "rainbow 🏳\ufe0f\u200d🌈 and ❤\ufe0f", "thumbs 👍🏽 #\ufe0f\u20e3",
	"flags 🇺🇸🇯🇵 lone 🇺", "山田 太郎 注文 Zoë e\u0301", "mixed 👩\u200d💻山田🇬🇧❤\ufe0f end",
}

func TestCleanMeasuresAsDrawn(t *testing.T) {
	t.Parallel()
	for _, s := range emojiSubjects {
		for _, w := range []int{1, 5, 9, 14, 40} {
			got := clean(s, w)
			if g, wc := ansi.StringWidth(got), ansi.StringWidthWc(got); g != wc || g > w {
				t.Errorf("clean(%q, %d) = %q: %d cells by grapheme width, %d by wcwidth", s, w, got, g, wc)
			}
		}
	}
}

// TestTableRowsWithEmojiFitTheirColumns draws the table and the detail view of interactions whose
// subject, service and party carry emoji sequences: every line must be as wide by wcwidth (what
// Bubble Tea's renderer and the terminal use without grapheme mode) as lipgloss measured it, and
// within the screen, so rows do not overflow or wrap.
func TestTableRowsWithEmojiFitTheirColumns(t *testing.T) {
	t.Parallel()
	var lines []string
	for i, s := range emojiSubjects {
		party := fmt.Sprintf(`{"id":"p%d","name":%q,"phone":"+1 415 555 0101"}`, i, s)
		lines = append(lines, fmt.Sprintf(`{"type":"ON_NEW_INTERACTION","agentId":"a%d 👍🏽🇯🇵❤",`+
			`"ts":%d,"params":[{"interactionId":"c-%d","state":"delivered","type":"voice","subject":%q,`+
			`"associatedObjects":{"list":[]},"callParties":[%s],"callMuted":false,"callRecording":false,`+
			`"attachedData":{},"service":%q,"startTime":%d}]}`,
			i, base.UnixMilli()+int64(i*1000), i, s, party, s, base.UnixMilli()))
	}
	for _, size := range [][2]int{{80, 24}, {133, 30}, {200, 40}} {
		for _, keys := range [][]string{nil, {"enter"}, {"tab"}} {
			m, _ := newTestModel(t, themes.Dark, size[0], size[1], lines)
			press(m, keys...)
			out := m.Render()
			checkFrame(t, out, size[0], size[1])
			for i, l := range strings.Split(out, "\n") {
				if g, wc := ansi.StringWidth(l), ansi.StringWidthWc(l); g != wc {
					t.Errorf("%dx%d %v line %d: %d cells by grapheme width, %d by wcwidth: %q",
						size[0], size[1], keys, i+1, g, wc, plain(l))
				}
			}
		}
	}
}

func BenchmarkCleanNonASCII(b *testing.B) {
	s := model.SanitizeData("Zoë 山田 refund 👍 order 注文")
	b.ReportAllocs()
	for b.Loop() {
		_ = clean(s, 20)
	}
}
