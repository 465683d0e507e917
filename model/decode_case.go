package model

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/go-json-experiment/json/jsontext"
)

// caseTwins refuses an interaction with a member whose name differs from one of InteractionData's
// only in letter case, at any depth: see caseTwin. It runs on every interaction decoded, so the
// member's path is only spelt out for the reason of one refused.
func caseTwins(in *Interaction, at string) error {
	if name, known := caseTwin(in.Extra, interactionNames[:]); known != "" {
		return caseTwinError(at+".", name, known)
	}
	if name, known := caseTwin(in.AssociatedObjects.Extra, associatedNames[:]); known != "" {
		return caseTwinError(at+".associatedObjects.", name, known)
	}
	for i := range in.AssociatedObjects.List {
		if name, known := caseTwin(in.AssociatedObjects.List[i].Extra, objectNames[:]); known != "" {
			return caseTwinError(fmt.Sprintf("%s.associatedObjects.list[%d].", at, i), name, known)
		}
	}
	for i := range in.CallParties {
		if name, known := caseTwin(in.CallParties[i].Extra, partyNames[:]); known != "" {
			return caseTwinError(fmt.Sprintf("%s.callParties[%d].", at, i), name, known)
		}
	}
	return nil
}

// caseTwin finds an unknown member whose name is a known one's in other letter case ("AgentId"
// beside "agentId"): deskwatch reads names exactly, but a reader that ignores case (Go's
// encoding/json, for one) would take it for the known member, so a bridge could speak for another
// agent, or an interaction show another id, to it. Of several, the first in byte order is named, so
// that the reason is always the same; known is "" when there is none.
func caseTwin(extra map[string]jsontext.Value, names []string) (name, known string) {
	for n := range extra {
		for _, k := range names {
			if n != k && strings.EqualFold(n, k) && (known == "" || n < name) {
				name, known = n, k
			}
		}
	}
	return name, known
}

// caseTwinError is the reason a case twin is refused for; at prefixes the member's name.
func caseTwinError(at, name, known string) error {
	return reject("%s%s: differs from %q only in letter case (refused: a reader that ignores case "+
		"would take one for the other)", at, strconv.Quote(name), known)
}
