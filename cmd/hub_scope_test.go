package cmd

import (
	"strings"
	"testing"

	"github.com/deskwatch/deskwatch/internal/e2e"
)

// TestHubCommandRefusesServicesOnIngestTokens: services= means nothing to a bridge, so an ingest
// token file with it stops the hub, naming the file and line; the same line in a stream token file
// is a scope, and the help says how to write one.
func TestHubCommandRefusesServicesOnIngestTokens(t *testing.T) {
	t.Parallel()
	path := e2e.WriteFile(t, "tokens", "# bridges\nrelay teams=East services=Sales\nteam East a1\n")
	_, stderr, code := e2e.Run(t, nil, "hub", "--listen", "127.0.0.1:0", "--ingest-tokens", path)
	want := "--ingest-tokens: " + path + ":2: services=Sales: an ingest token may not have services="
	if code == 0 || !strings.Contains(stderr, want) {
		t.Fatalf("exit %d, stderr:\n%s\nwant %s", code, stderr, want)
	}
	help, _, _ := e2e.Run(t, nil, "hub", "--help")
	if !strings.Contains(help, "TOKEN [agents=ID,...] [teams=NAME,...] [services=NAME,...]") {
		t.Errorf("hub --help lacks the token grammar:\n%s", help)
	}
}
