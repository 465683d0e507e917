package model

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/go-json-experiment/json/jsontext"
)

// caseTwins refuses an interaction with a member whose name differs from one of InteractionData's
// only in letter case, at any depth: see caseTwin.
func caseTwins(in *Interaction, at string) error {
	if err := caseTwin(in.Extra, interactionNames[:], at+"."); err != nil {
		return err
	}
	if err := caseTwin(in.AssociatedObjects.Extra, associatedNames[:], at+".associatedObjects."); err != nil {
		return err
	}
	for i := range in.AssociatedObjects.List {
		if err := caseTwin(in.AssociatedObjects.List[i].Extra, objectNames[:],
			fmt.Sprintf("%s.associatedObjects.list[%d].", at, i)); err != nil {
			return err
		}
	}
	for i := range in.CallParties {
		if err := caseTwin(in.CallParties[i].Extra, partyNames[:], fmt.Sprintf("%s.callParties[%d].", at, i)); err != nil {
			return err
		}
	}
	return nil
}

// caseTwin refuses an unknown member whose name is a known one's in other letter case ("AgentId"
// beside "agentId"): deskwatch reads names exactly, but a reader that ignores case (Go's
// encoding/json, for one) would take it for the known member, so a bridge could speak for another
// agent, or an interaction show another id, to it. at prefixes the member's name in the reason.
func caseTwin(extra map[string]jsontext.Value, known []string, at string) error {
	var twins []string
	for name := range extra {
		for _, k := range known {
			if name != k && strings.EqualFold(name, k) {
				twins = append(twins, name)
			}
		}
	}
	if len(twins) == 0 {
		return nil
	}
	slices.Sort(twins)
	name := twins[0]
	for _, k := range known {
		if strings.EqualFold(name, k) {
			return reject("%s%s: differs from %q only in letter case (refused: a reader that ignores case "+
				"would take one for the other)", at, strconv.Quote(name), k)
		}
	}
	return nil
}
