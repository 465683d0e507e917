package model

import (
	"fmt"
	"strings"
	"testing"
)

// list is n copies of item, comma-separated.
func list(item string, n int) string {
	return strings.TrimSuffix(strings.Repeat(item+",", n), ",")
}

// members is n members named k0, k1, … with value v.
func members(n int, v string) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"k%d":%s`, i, v)
	}
	return b.String()
}

// TestDecodeBoundsWhatAnInteractionLists: an interaction listing more call parties, associated
// objects, attached data or unknown members than the bounds is rejected with its path and the
// bound (the model would hold each as a value of its own, many times its bytes); at the bound it is
// accepted. The same on the plain path (a message to repair) and inside an INTERACTIONS_STATE.
func TestDecodeBoundsWhatAnInteractionLists(t *testing.T) {
	t.Parallel()
	in := func(old, new string) string {
		return strings.Replace(iv("i1", "delivered", "voice", ""), old, new, 1)
	}
	party := `{"id":"p","name":"n","phone":"1"}`
	for _, tc := range []struct {
		name, over, at string
		want           string
	}{
		{"parties", in(`"callParties":[]`, `"callParties":[`+list(party, MaxCallParties+1)+`]`),
			in(`"callParties":[]`, `"callParties":[`+list(party, MaxCallParties)+`]`),
			"params[0].callParties: 257 parties, over the limit of 256"},
		{"objects", in(`"list":[]`, `"list":[`+list(`{}`, MaxAssociatedObjects+1)+`]`),
			in(`"list":[]`, `"list":[`+list(`{}`, MaxAssociatedObjects)+`]`),
			"params[0].associatedObjects.list: 257 objects, over the limit of 256"},
		{"attached data", in(`"attachedData":{}`, `"attachedData":{`+members(MaxAttachedData+1, `""`)+`}`),
			in(`"attachedData":{}`, `"attachedData":{`+members(MaxAttachedData, `""`)+`}`),
			"params[0].attachedData: 1025 members, over the limit of 1024"},
		{"unknown members", in(`"subject":"s"`, `"subject":"s",`+members(MaxUnknownMembers+1, "0")),
			in(`"subject":"s"`, `"subject":"s",`+members(MaxUnknownMembers, "0")),
			"params[0].257 members this version does not know, over the limit of 256"},
		{"a party's unknown members", in(`"callParties":[]`, `"callParties":[{"id":"p",`+members(MaxUnknownMembers+1, "0")+`}]`),
			in(`"callParties":[]`, `"callParties":[{"id":"p",`+members(MaxUnknownMembers, "0")+`}]`),
			"params[0].callParties[0]: 257 members this version does not know, over the limit of 256"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			for _, form := range []struct{ name, msg, want string }{
				{"fast", ev(EvNewInteraction, tc.over), tc.want},
				{"plain", strings.Replace(ev(EvNewInteraction, tc.over), `"s"`, "\"s\xff\"", 1), tc.want},
				{"state", ev(EvInteractionsState, `{"interactions":[`+iv("i0", "delivered", "voice", "")+","+tc.over+`]}`),
					strings.Replace(tc.want, "params[0]", "params[0].interactions[1]", 1)},
			} {
				if _, err := Decode([]byte(form.msg)); err == nil || err.Error() != form.want {
					t.Errorf("%s: %v, want %q", form.name, err, form.want)
				}
			}
			if _, err := Decode([]byte(ev(EvNewInteraction, tc.at))); err != nil {
				t.Errorf("at the bound: %v", err)
			}
		})
	}
}
