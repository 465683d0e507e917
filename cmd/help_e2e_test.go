package cmd_test

import (
	"strings"
	"testing"

	"github.com/deskwatch/deskwatch/internal/e2e"
)

// The help a newcomer reads lists every command (man included) and spells acronyms as they are.
func TestHelpListsManAndSpellsTLS(t *testing.T) {
	t.Parallel()
	out, _, code := e2e.Run(t, nil, "--help")
	if code != 0 || !strings.Contains(out, "man ") || !strings.Contains(out, "Print the manual page") {
		t.Errorf("deskwatch --help (exit %d) does not list man:\n%s", code, out)
	}
	page, _, code := e2e.Run(t, nil, "man")
	if code != 0 || !strings.HasPrefix(page, ".TH DESKWATCH 1") || !strings.Contains(page, "serve") {
		t.Errorf("deskwatch man (exit %d) is not a manual page naming the commands:\n%.300s", code, page)
	}
	hub, _, _ := e2e.Run(t, nil, "hub", "--help")
	if strings.Contains(hub, "Tls") || !strings.Contains(hub, "TLS certificate") {
		t.Errorf("hub --help spells TLS wrong:\n%s", hub)
	}
}
