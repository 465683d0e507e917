package synth

import "unicode"

// WideStrings returns the generator's customer names and subjects (and chat openers) that hold a
// wide character (CJK, kana, Hangul, an emoji), in table order, for the tests and benchmarks that
// need a screen with one in every row drawn from what the simulator really sends.
func WideStrings() (names, subjects []string) {
	for _, c := range customers {
		if hasWide(c.name) {
			names = append(names, c.name)
		}
	}
	for _, s := range services {
		for _, subject := range s.subjects {
			if hasWide(subject) {
				subjects = append(subjects, subject)
			}
		}
	}
	for _, opener := range chatOpeners {
		if hasWide(opener) {
			subjects = append(subjects, opener)
		}
	}
	return names, subjects
}

// hasWide reports whether s holds a character every terminal draws two columns wide.
func hasWide(s string) bool {
	for _, r := range s {
		if unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul) ||
			r >= 0x1F300 && r <= 0x1F64F {
			return true
		}
	}
	return false
}
