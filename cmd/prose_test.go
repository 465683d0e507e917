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
