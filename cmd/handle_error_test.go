package cmd

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"charm.land/fang/v2"
)

// Every error the command line prints may quote a peer (a server's answer, a file's line): none
// of their controls reaches the terminal, and a message of several lines keeps them.
func TestHandleErrorSanitizes(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	handleError(&b, fang.Styles{}, errors.New("ws://x: refused \x1b]52;c;aGk=\x07\x1b[2J\u202eevil\u009b31m\nsecond line"))
	if out := b.String(); strings.ContainsAny(out, "\x1b\x07\u202e\u009b") || out != "ws://x: refused evil\nsecond line\n" {
		t.Errorf("printed %q", out)
	}
}
