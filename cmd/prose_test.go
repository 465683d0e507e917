package cmd

import "testing"

func TestProseJoinsParagraphLines(t *testing.T) {
	t.Parallel()
	in := "one two\nthree\n\nfour\n  deskwatch x\n  deskwatch y\nfive\nsix"
	want := "one two three\n\nfour\n  deskwatch x\n  deskwatch y\nfive six"
	if got := prose(in); got != want {
		t.Errorf("prose:\n%q\nwant\n%q", got, want)
	}
}

func TestWrapWords(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in             string
		width, reserve int
		want           string
	}{
		{"one two three four", 9, 0, "one two\nthree\nfour"},
		{"one two", 9, 3, "one two\n"},                                                 // the default goes below
		{"see $XDG_STATE_HOME/deskwatch", 10, 0, "see\n$XDG_STATE\n_HOME/desk\nwatch"}, // cut only when longer than a line
		{"a\nb c", 3, 0, "a\nb c"},
	} {
		if got := wrapWords(tc.in, tc.width, tc.reserve); got != tc.want {
			t.Errorf("wrapWords(%q, %d, %d) = %q, want %q", tc.in, tc.width, tc.reserve, got, tc.want)
		}
	}
}
