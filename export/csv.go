package export

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/deskwatch/deskwatch/model"
)

// csvCell sanitizes a cell (model.SanitizeData) and neutralizes spreadsheet formulas, following
// OWASP (ASVS 5.0 requirement 1.2.10 and the CSV Injection page): a cell whose first character is
// = + - or @ gets a single quote in front, which spreadsheets take as "this is text". Leading
// white space (isLeadSpace: spaces, NBSP, the en and em spaces, U+3000, BOM) is skipped before the
// check, and the full-width ＝ ＋ － ＠, the small ﹦ ﹢ ﹣ ﹫ and MINUS SIGN − count as formula
// starters too, since some spreadsheets fold them to = + - @.
// Tab, carriage return and NUL, the other characters OWASP lists, cannot start a cell: the
// sanitizer turned them into spaces or removed them. One exception: a plain number, an optional
// sign and digits with at most one decimal point (+12065550148, -5, -0.5), is left alone, since a
// spreadsheet reads it as a number and never as a formula, and phone numbers stay as they came.
func csvCell(s string) string {
	s = model.SanitizeData(s)
	if isFormula(s) {
		return "'" + s
	}
	return s
}

func isFormula(s string) bool {
	t := strings.TrimLeftFunc(s, isLeadSpace)
	r, _ := utf8.DecodeRuneInString(t)
	switch r {
	case '=', '+', '-', '@', '＝', '＋', '－', '＠', '﹦', '﹢', '﹣', '﹫', '−':
		return !isPlainNumber(t)
	}
	return false
}

// isLeadSpace reports the white space a spreadsheet may skip before a formula: Unicode white space
// and the no-break, en-quad to hair, ideographic and zero-width no-break spaces.
func isLeadSpace(r rune) bool {
	return unicode.IsSpace(r) || r == 0xa0 || (r >= 0x2000 && r <= 0x200a) || r == 0x3000 || r == 0xfeff
}

// isPlainNumber reports whether s is a sign, then digits with at most one decimal point.
func isPlainNumber(s string) bool {
	if s != "" && (s[0] == '+' || s[0] == '-') {
		s = s[1:]
	}
	digits, points := 0, 0
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] >= '0' && s[i] <= '9':
			digits++
		case s[i] == '.':
			points++
		default:
			return false
		}
	}
	return digits > 0 && points <= 1
}
