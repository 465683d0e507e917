package yamldoc

import (
	"testing"

	"gopkg.in/yaml.v3"
)

func TestDecodeOne(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, in string
		kind     yaml.Kind // 0: no root node
		err      string
	}{
		{"empty", "", 0, ""},
		{"comments only", "# nothing\n", 0, ""},
		{"null", "~\n", 0, ""},
		{"mapping", "a: 1\n", yaml.MappingNode, ""},
		{"alias root", "&x [1]\n", yaml.SequenceNode, ""},
		{"bad syntax", "a: [\n", 0, "f.yaml:1: did not find expected node content"},
		{"two documents", "a: 1\n---\nb: 2\n", 0, "f.yaml:2: a second YAML document: a test is one document"},
	} {
		root, err := DecodeOne("f.yaml", []byte(tc.in), "a test")
		switch {
		case tc.err != "":
			if err == nil || err.Error() != tc.err {
				t.Errorf("%s: error %v, want %q", tc.name, err, tc.err)
			}
		case err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.kind == 0 && root != nil, tc.kind != 0 && (root == nil || root.Kind != tc.kind):
			t.Errorf("%s: root %+v, want kind %v", tc.name, root, tc.kind)
		}
	}
}

func TestParseBool(t *testing.T) {
	t.Parallel()
	for in, want := range map[string][2]bool{"true": {true, true}, "Yes": {true, true}, "ON": {true, true},
		"false": {false, true}, "no": {false, true}, "off": {false, true}, "1": {false, false}, "": {false, false}} {
		if v, ok := ParseBool(in); v != want[0] || ok != want[1] {
			t.Errorf("ParseBool(%q) = %v, %v; want %v", in, v, ok, want)
		}
	}
}
