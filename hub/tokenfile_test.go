package hub

import (
	"crypto/sha256"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

// The scoped grammar: agents= (or agent=), teams= and services=, each limiting the token; teams
// defined by team lines before or after their use; values percent-decoded.
func TestTokenFileScopes(t *testing.T) {
	t.Parallel()
	_, tok := tokenFile(t, "stream", `# monitors
lead-east teams=East services=Sales            # a team lead, Sales only
both agents=a1,b1,z9 teams=East,West           # of the agents named, those in the teams
sales services=Sales%20Support,Sales services=Web   # repeated options add up
old agent=a1 agents=a2                         # agent= is agents=
odd agents=a%2Cb%25
team East a1,a2
team West b1 b2,b3                             # lists may be split over words
plain
`)
	for token, want := range map[string]string{
		"lead-east": "agent a1,a2 (team East), service Sales",
		"both":      "agent a1,b1 (team East,West)",
		"sales":     "service Sales,Sales Support,Web",
		"old":       "agent a1,a2",
		"odd":       "agent a,b%",
		"plain":     "",
	} {
		g, _ := tok.lookup(token)
		if g == nil || g.binding != want {
			t.Errorf("%s: %+v, want scope %q", token, g, want)
		}
	}
	if total, unbound := tok.Summary(); total != 6 || unbound != 1 {
		t.Errorf("Summary() = %d, %d; want 6, 1", total, unbound)
	}
}

// Every mistake in a token file names FILE:LINE and says what is wrong, for stream and ingest files.
func TestTokenFileScopeErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, c := range []struct {
		text   string
		ingest bool
		want   string
	}{
		{"x teams=East\n", false, ":1: team East is not defined (add a line: team East AGENT[,AGENT...])"},
		{"team East a1\n\nx teams=East,North\n", false, ":3: team North is not defined"},
		{"team East a1\nteam East a2\n", false, ":2: team East is defined on line 1 already"},
		{"team East\n", false, ":1: a team needs a name and its agents: team NAME AGENT[,AGENT...]"},
		{"team\n", false, ":1: a team needs a name"},
		{"team a=b a1\n", false, `:1: team name "a=b" may not contain = or ,`},
		{"team East a1,,a2\n", false, `:1: empty agent id in "a1,,a2"`},
		{"x agents=a1 teams=East\nteam East a2\n", false, ":1: no agent of agents= is in teams=East: the token would allow nobody"},
		{"x services=\n", false, `:1: empty service in "services="`},
		{"x teams=\n", false, `:1: empty team name in "teams="`},
		{"x agents=a%zz\n", false, `:1: agent id "a%zz" in "agents=a%zz": bad %-escape (write %25 for a percent sign)`},
		{"x agents=a%0Ab\n", false, `:1: agent id "a%0Ab" in "agents=a%0Ab" holds a control character or invalid UTF-8`},
		{"x service=Sales\n", false, `:1: unknown option "service=Sales" (want agents=, teams= or services=; a token may not contain spaces)`},
		{"services=Sales x\n", false, ":1: the line starts with an option; the token comes first (TOKEN agents=ID)"},
		{"x\ny\nx services=S\n", false, ":3: the same token as on line 1"},
		{"br services=Sales\n", true, `:1: services=Sales: an ingest token may not have services= (a bridge publishes ` +
			`for agents, whatever their interactions' services; use agents= or teams=)`},
	} {
		bad := filepath.Join(dir, "bad")
		writeFile(t, bad, c.text)
		_, err := loadTokens(bad, c.ingest)
		if err == nil || !strings.HasPrefix(err.Error(), bad+c.want) {
			t.Errorf("%q (ingest %v): %v, want %s%s", c.text, c.ingest, err, bad, c.want)
		}
	}
}

// An ingest token's teams= lets its bridge publish for the team's agents and no other; a token with
// services= given to /ingest by a caller that loaded it as a stream file is refused.
func TestIngestTokenTeams(t *testing.T) {
	t.Parallel()
	path, in := tokenFile(t, "ingest", "relay teams=East\nteam East a1,a2\n")
	th := startHub(t, Config{IngestTokens: in})
	mon := th.firstMonitor(t)
	br := th.dial(t, "/ingest?token=relay", nil)
	a2 := event("ON_AGENT_STATE_CHANGE", "a2", t0, 1, `["ready"]`)
	send(t, br, event("ON_AGENT_STATE_CHANGE", "b1", t0, 1, `["ready"]`), a2)
	if got := readN(t, mon, 1)[0]; got != a2 {
		t.Errorf("monitor got %s, want a2's event (b1 is not in team East)", got)
	}
	th.log.waitLog(t, `but the token (`+path+`:1) is for agent a1,a2 (team East); not relayed`)

	_, st := tokenFile(t, "stream", "svc services=Sales\n")
	th2 := startHub(t, Config{IngestTokens: st})
	if got := th2.dialStatus(t, "/ingest?token=svc", nil); got != http.StatusForbidden {
		t.Errorf("an ingest token with services=: HTTP %d, want 403", got)
	}
	th2.log.waitLog(t, "which an ingest token may not have")
}

// FuzzParseTokens: any file either parses to one grant per token line, each found by its token
// and remembering its line, or fails with an error that names the file and a line of it. As an
// ingest file it parses the same but for services=, which is an error there.
func FuzzParseTokens(f *testing.F) {
	for _, s := range []string{"a\n", "a # c\n", "a agent=x,y agent=z #c\n", "a#b\n", "#x\n a\n", "a b\n",
		"agent=x a\n", "a agent=\n", "a\na\n", "a teams=T services=S\nteam T x,y\n", "team T x\nteam T y\n",
		"a agents=x teams=T\nteam T y\n", "a services=S%20T agents=%41\n", "team\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		grants, err := parseTokens("F", data, false)
		lines := strings.Split(string(data), "\n")
		if err != nil {
			checkFileLine(t, err, len(lines))
			return
		}
		want, services := 0, false
		for _, l := range lines {
			fields := strings.Fields(l)
			if len(fields) == 0 || strings.HasPrefix(fields[0], "#") || fields[0] == "team" {
				continue
			}
			want++
			g := grants[sha256.Sum256([]byte(fields[0]))]
			if g == nil {
				t.Fatalf("token %q of line %q not found", fields[0], l)
			}
			if g.unbound() != (g.binding == "") || g.agents != nil && len(g.agents) == 0 {
				t.Fatalf("token %q: agents %v, services %v, binding %q", fields[0], g.agents, g.services, g.binding)
			}
			services = services || g.services != nil
		}
		if len(grants) != want {
			t.Fatalf("%d grants for %d token lines", len(grants), want)
		}
		if _, err := parseTokens("F", data, true); (err != nil) != services ||
			err != nil && !strings.Contains(err.Error(), "an ingest token may not have services=") {
			t.Fatalf("as an ingest file: %v (a token has services=: %v)", err, services)
		}
	})
}

// checkFileLine fails unless err names the file F and one of its n lines (or the file alone).
func checkFileLine(t *testing.T, err error, n int) {
	t.Helper()
	var line int
	rest, ok := strings.CutPrefix(err.Error(), "F:")
	if !ok {
		t.Fatalf("error without the file: %v", err)
	}
	if strings.HasPrefix(rest, " ") {
		return
	}
	num, _, _ := strings.Cut(rest, ":")
	for _, r := range num {
		if r < '0' || r > '9' {
			t.Fatalf("error without file:line: %v", err)
		}
		line = line*10 + int(r-'0')
	}
	if line < 1 || line > n {
		t.Fatalf("error names line %d of %d: %v", line, n, err)
	}
}
