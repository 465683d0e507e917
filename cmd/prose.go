package cmd

import "strings"

// prose joins the lines of each paragraph of a command's long help into one, so that the help
// (fang) wraps it to the terminal's width instead of breaking it where the source did: at 80
// columns a line written 100 wide left a word alone on the next. Paragraphs stay apart, and an
// indented line (an example) keeps its own line.
func prose(s string) string {
	var b strings.Builder
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if i > 0 {
			prev := lines[i-1]
			if l == "" || prev == "" || strings.HasPrefix(l, " ") || strings.HasPrefix(prev, " ") {
				b.WriteByte('\n')
			} else {
				b.WriteByte(' ')
			}
		}
		b.WriteString(l)
	}
	return b.String()
}
