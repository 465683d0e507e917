package themes

import (
	"strings"
	"testing"
)

// FuzzParse feeds arbitrary theme files to the parser: it never panics, every error names the file,
// and every colour of a theme it accepts is one ParseColour accepts.
func FuzzParse(f *testing.F) {
	f.Add("base: light\naccent: \"#ff8800\"\nalert: 196\nheader_bg: \"\"\n")
	f.Add("base: mono\n")
	f.Add("dark: false\ntext: \"#zzzzzz\"\n")
	f.Fuzz(func(t *testing.T, data string) {
		th, err := Parse("fuzz.yaml", "fuzz", []byte(data))
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz.yaml") {
				t.Fatalf("error without the file name: %v", err)
			}
			return
		}
		for _, name := range colourFields {
			if c := th.colour(name); c != nil {
				if _, err := ParseColour(*c); err != nil && *c != "" {
					t.Fatalf("accepted colour %s %q: %v", name, *c, err)
				}
			}
		}
	})
}
