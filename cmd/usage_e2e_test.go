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

// Flags that mean nothing where they are given stop the run with why, rather than being ignored.
func TestFlagsOutOfPlaceAreRefused(t *testing.T) {
	t.Parallel()
	file := fixture("clean.jsonl")
	wantRefused(t, []refusal{
		{[]string{"--format", "json", file}, []string{"--format goes with --print"}},
		{[]string{"--events", "5", file}, []string{"--events goes with --print"}},
		{[]string{"--print", "--for", "3s", file}, []string{"--for is for a live source (a ws:// URL or the demo); " + file + " is read to its end"}},
		{[]string{"hub", "--listen", "127.0.0.1:0", "--origin", "crm.example.com"}, []string{`--origin "crm.example.com" is not an origin a browser sends`}},
	})
}

// refusal is a command line the binary must refuse: exit 2, with each of want on stderr.
type refusal struct {
	args []string
	want []string
}

// wantRefused runs each refusal's command line and checks that it is refused so.
func wantRefused(t *testing.T, cases []refusal) {
	t.Helper()
	for _, c := range cases {
		_, errOut, code := e2e.Run(t, nil, c.args...)
		for _, w := range c.want {
			if code != 2 || !strings.Contains(errOut, w) {
				t.Errorf("deskwatch %v: exit %d, stderr %q; want 2 and %q", c.args, code, errOut, w)
			}
		}
	}
}
