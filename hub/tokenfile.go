package hub

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The token file's grammar (README.md, "Token files"), one statement a line, # starting a comment:
//
//	TOKEN [agents=ID[,ID...]] [teams=NAME[,NAME...]] [services=NAME[,NAME...]]
//	team NAME AGENT[,AGENT...]...
//
// agent= is agents= (the option's first name); an option may be repeated, its lists adding up.
// Different options each limit the token: it is allowed an agent that agents= names and that is in
// one of its teams=, and of that agent's interactions those of its services=. A team is defined once,
// anywhere in the file. Values are percent-decoded (%20 a space, %2C a comma, %25 a percent sign)
// and may not hold control characters. An ingest token may not have services=: a bridge publishes
// for agents, whatever the services of their interactions.

// grant is what one token allows. Tokens are looked up by the SHA-256 of the secret, so the
// secret itself is neither compared byte by byte (no timing to learn from) nor kept per connection.
type grant struct {
	line     int             // where the token is in the file, for the log (never the secret)
	agents   map[string]bool // nil: any agent; else agents= and the teams' agents, intersected
	services map[string]bool // nil: any service
	teams    []string        // the teams= names, sorted, for the log
	// binding is the scope in words, canonical ("agent a1,a2 (team East), service Sales"); "" when
	// unbound. A connection is closed when its token's binding changes (auth.go).
	binding string
}

// allows reports whether the token may publish (or see) agent; an unbound token allows any.
func (g *grant) allows(agent string) bool { return g == nil || g.agents == nil || g.agents[agent] }

// unbound reports whether the token is limited in nothing.
func (g *grant) unbound() bool { return g.agents == nil && g.services == nil }

// tokenLine is a token line as read, before its teams are known.
type tokenLine struct {
	n         int
	g         *grant
	teams     map[string]bool // teams= names, nil without the option
	agentsOpt bool            // agents= was given
}

// teamDef is a team line: where it is and its agents.
type teamDef struct {
	line   int
	agents map[string]bool
}

// parseTokens reads a token file (of ingest tokens when ingest is set); an error names the file and
// line and says what is wrong.
func parseTokens(path string, data []byte, ingest bool) (map[[sha256.Size]byte]*grant, error) {
	out := make(map[[sha256.Size]byte]*grant)
	teams := make(map[string]*teamDef)
	var lines []tokenLine
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for n := 1; sc.Scan(); n++ {
		fields := strings.Fields(sc.Text())
		if i := slices.IndexFunc(fields, func(f string) bool { return strings.HasPrefix(f, "#") }); i >= 0 {
			fields = fields[:i]
		}
		if len(fields) == 0 {
			continue
		}
		if fields[0] == "team" {
			name, def, err := parseTeam(fields[1:])
			if err == nil && teams[name] != nil {
				err = fmt.Errorf("team %s is defined on line %d already", name, teams[name].line)
			}
			if err != nil {
				return nil, fmt.Errorf("%s:%d: %w", path, n, err)
			}
			def.line, teams[name] = n, def
			continue
		}
		tl, err := parseTokenLine(fields, ingest)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, n, err)
		}
		tl.n, tl.g.line = n, n
		key := sha256.Sum256([]byte(fields[0]))
		if prev, ok := out[key]; ok {
			return nil, fmt.Errorf("%s:%d: the same token as on line %d", path, n, prev.line)
		}
		out[key] = tl.g
		lines = append(lines, tl)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	for _, tl := range lines {
		if err := tl.resolve(teams); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, tl.n, err)
		}
	}
	return out, nil
}

// options are a token's options by every name they accept.
var options = map[string]string{"agent": "agents", "agents": "agents", "services": "services", "teams": "teams"}

// parseTokenLine reads TOKEN [option=LIST]...
func parseTokenLine(fields []string, ingest bool) (tokenLine, error) {
	if name, _, ok := strings.Cut(fields[0], "="); ok && options[name] != "" {
		return tokenLine{}, fmt.Errorf("the line starts with an option; the token comes first (TOKEN agents=ID)")
	}
	tl := tokenLine{g: &grant{}}
	for _, o := range fields[1:] {
		name, list, _ := strings.Cut(o, "=")
		var err error
		switch options[name] {
		case "agents":
			tl.agentsOpt = true
			tl.g.agents, err = addList(tl.g.agents, list, "agent id", o)
		case "services":
			if ingest {
				return tl, fmt.Errorf("%s: an ingest token may not have services= (a bridge publishes for "+
					"agents, whatever their interactions' services; use agents= or teams=)", o)
			}
			tl.g.services, err = addList(tl.g.services, list, "service", o)
		case "teams":
			tl.teams, err = addList(tl.teams, list, "team name", o)
		default:
			return tl, fmt.Errorf("unknown option %q (want agents=, teams= or services=; a token may not contain spaces)", o)
		}
		if err != nil {
			return tl, err
		}
	}
	return tl, nil
}

// resolve limits the token's agents to its teams' and writes its binding.
func (tl *tokenLine) resolve(teams map[string]*teamDef) error {
	g := tl.g
	if tl.teams != nil {
		members := make(map[string]bool)
		for name := range tl.teams {
			def := teams[name]
			if def == nil {
				return fmt.Errorf("team %s is not defined (add a line: team %s AGENT[,AGENT...])", name, name)
			}
			maps.Copy(members, def.agents)
		}
		g.teams = slices.Sorted(maps.Keys(tl.teams))
		if !tl.agentsOpt {
			g.agents = members
		} else {
			maps.DeleteFunc(g.agents, func(a string, _ bool) bool { return !members[a] })
			if len(g.agents) == 0 {
				return fmt.Errorf("no agent of agents= is in teams=%s: the token would allow nobody",
					strings.Join(g.teams, ","))
			}
		}
	}
	var parts []string
	if g.agents != nil {
		s := "agent " + strings.Join(slices.Sorted(maps.Keys(g.agents)), ",")
		if g.teams != nil {
			s += " (team " + strings.Join(g.teams, ",") + ")"
		}
		parts = append(parts, s)
	}
	if g.services != nil {
		parts = append(parts, "service "+strings.Join(slices.Sorted(maps.Keys(g.services)), ","))
	}
	g.binding = strings.Join(parts, ", ")
	return nil
}

// parseTeam reads a team line's NAME AGENT[,AGENT...]...
func parseTeam(fields []string) (string, *teamDef, error) {
	if len(fields) < 2 {
		return "", nil, fmt.Errorf("a team needs a name and its agents: team NAME AGENT[,AGENT...]")
	}
	name, err := value(fields[0], "team name", "team "+fields[0])
	if err == nil && strings.ContainsAny(name, "=,") {
		err = fmt.Errorf("team name %q may not contain = or ,", name)
	}
	if err != nil {
		return "", nil, err
	}
	def := &teamDef{}
	for _, list := range fields[1:] {
		if def.agents, err = addList(def.agents, list, "agent id", list); err != nil {
			return "", nil, err
		}
	}
	return name, def, nil
}

// addList adds the comma-separated, percent-encoded values of list to m (made when nil); what is
// the kind of value, o the option or word, both for errors.
func addList(m map[string]bool, list, what, o string) (map[string]bool, error) {
	if m == nil {
		m = make(map[string]bool)
	}
	for item := range strings.SplitSeq(list, ",") {
		v, err := value(item, what, o)
		if err != nil {
			return nil, err
		}
		m[v] = true
	}
	return m, nil
}

// value decodes one percent-encoded value, refusing an empty one or one with a control character.
func value(item, what, o string) (string, error) {
	if item == "" {
		return "", fmt.Errorf("empty %s in %q", what, o)
	}
	v, err := url.PathUnescape(item)
	if err != nil {
		return "", fmt.Errorf("%s %q in %q: bad %%-escape (write %%25 for a percent sign)", what, item, o)
	}
	if !utf8.ValidString(v) || strings.ContainsFunc(v, unicode.IsControl) {
		return "", fmt.Errorf("%s %q in %q holds a control character or invalid UTF-8", what, item, o)
	}
	return v, nil
}
