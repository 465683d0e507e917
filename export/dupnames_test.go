package export

import (
	"bytes"
	"strings"
	"testing"

	"github.com/go-json-experiment/json"

	"github.com/deskwatch/deskwatch/model"
)

// TestJSONNoDuplicateNames is the attacker's event: unknown members whose names differ from known
// fields (and from each other) only by invisible characters. The JSON must parse with a strict
// decoder that rejects repeated names, the known fields must keep their values, and the unknown
// members must stay visible under names that show what set them apart.
func TestJSONNoDuplicateNames(t *testing.T) {
	t.Parallel()
	line := `{"type":"ON_NEW_INTERACTION","agentId":"a","params":[{"interactionId":"d1","state":"delivered",` +
		`"type":"voice","callParties":[],"attachedData":{"k\u200b":"1","k":"2"},"associatedObjects":{"list":[]},` +
		`"interactionId\u200b":"spoof","service\u00ad":"Sales","interactionId<U+200B>":"literal"}]}`
	e, err := model.Decode([]byte(line))
	if err != nil {
		t.Fatal(err)
	}
	s := model.NewStore()
	s.Apply(e, t0)
	var b bytes.Buffer
	if err := WriteJSON(&b, s.Snapshot().Rows, t0); err != nil {
		t.Fatal(err)
	}
	var got []struct {
		Interaction map[string]any `json:"interaction"`
	}
	if err := json.Unmarshal(b.Bytes(), &got); err != nil { // duplicate names are rejected by default
		t.Fatalf("strict decoder: %v\n%s", err, b.String())
	}
	in := got[0].Interaction
	if in["interactionId"] != "d1" {
		t.Errorf("interactionId = %v, want d1\n%s", in["interactionId"], b.String())
	}
	if v, ok := in["service"]; ok && v != "" {
		t.Errorf("service = %v, want absent\n%s", v, b.String())
	}
	want := map[string]any{"interactionId<U+200B>": nil, "service<U+00AD>": "Sales"}
	for name, v := range want {
		if _, ok := in[name]; !ok || (v != nil && in[name] != v) {
			t.Errorf("%s = %v missing or wrong\n%s", name, in[name], b.String())
		}
	}
	// The literal "interactionId<U+200B>" and the escaped one are both kept, the later one marked.
	if in["interactionId<U+200B>"] == in["interactionId<U+200B>~2"] || in["interactionId<U+200B>~2"] == nil {
		t.Errorf("a name that escapes to a literal one was not kept apart\n%s", b.String())
	}
	ad, _ := in["attachedData"].(map[string]any)
	if ad["k"] != "2" || ad["k<U+200B>"] != "1" {
		t.Errorf("attachedData = %v", ad)
	}
	if strings.ContainsRune(b.String(), 0x200b) || strings.ContainsRune(b.String(), 0xad) {
		t.Error("an invisible character reached the output")
	}
}

// TestMemberName: names the sanitizer would leave alone stay as they are; the rest show what it
// would have removed.
func TestMemberName(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"plain": "plain", "山田": "山田", "k\x1b]0;t": "k<U+001B>]0;t", "a\xffb": "a<0xFF>b",
		"x\u202ey": "x<U+202E>y", "a\nb": "a<U+000A>b", "👨\u200d👩": "👨<U+200D>👩", "é": "é",
	} {
		if got := memberName(in); got != want {
			t.Errorf("memberName(%q) = %q, want %q", in, got, want)
		}
	}
}
