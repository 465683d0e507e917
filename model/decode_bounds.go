package model

import "fmt"

// Bounds on what one interaction may list. The model holds each listed item as a value of its own
// (a party, an object, a map entry), many times the bytes it takes in the message
// (BenchmarkDecodeLists). An interaction over one of them is rejected, with its path and the
// bound, before anything keeps it; real desktops list a handful.
const (
	MaxCallParties       = 256
	MaxAssociatedObjects = 256
	MaxAttachedData      = 1024
	// MaxUnknownMembers bounds the members of one object this version does not know (kept as
	// they came, each a map entry).
	MaxUnknownMembers = 256
)

// checkCounts rejects a payload listing more than the bounds above.
func checkCounts(payload any) error {
	switch p := payload.(type) {
	case *Interaction:
		return countsIn(p, func() string { return "params[0]" })
	case *InteractionsState:
		for i := range p.Interactions {
			if err := countsIn(&p.Interactions[i], func() string { return fmt.Sprintf("params[0].interactions[%d]", i) }); err != nil {
				return err
			}
		}
	case *Login:
		return unknownMembers(len(p.Extra), func() string { return "params[0]" })
	case *ServerError:
		return unknownMembers(len(p.Extra), func() string { return "params[0]" })
	}
	return nil
}

// countsIn checks one interaction at the path at gives.
func countsIn(in *Interaction, at func() string) error {
	for _, c := range []struct {
		n, most int
		what    string
	}{
		{len(in.CallParties), MaxCallParties, "callParties: %d parties"},
		{len(in.AssociatedObjects.List), MaxAssociatedObjects, "associatedObjects.list: %d objects"},
		{len(in.AttachedData), MaxAttachedData, "attachedData: %d members"},
		{len(in.Extra), MaxUnknownMembers, "%d members this version does not know"},
		{len(in.AssociatedObjects.Extra), MaxUnknownMembers, "associatedObjects: %d members this version does not know"},
	} {
		if c.n > c.most {
			return reject("%s.%s, over the limit of %d", at(), fmt.Sprintf(c.what, c.n), c.most)
		}
	}
	for i := range in.CallParties {
		if err := unknownMembers(len(in.CallParties[i].Extra), func() string { return fmt.Sprintf("%s.callParties[%d]", at(), i) }); err != nil {
			return err
		}
	}
	for i := range in.AssociatedObjects.List {
		if err := unknownMembers(len(in.AssociatedObjects.List[i].Extra), func() string {
			return fmt.Sprintf("%s.associatedObjects.list[%d]", at(), i)
		}); err != nil {
			return err
		}
	}
	return nil
}

func unknownMembers(n int, at func() string) error {
	if n > MaxUnknownMembers {
		return reject("%s: %d members this version does not know, over the limit of %d", at(), n, MaxUnknownMembers)
	}
	return nil
}
