package cmd

import (
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// The help (fang's) prints a flag's or a command's description as given, beside a column of the
// keys: on a terminal narrower than the longest line, the terminal broke it mid-word ("the Age" /
// "nt Desktop widget"). For a run that shows help, wrapHelp wraps every description to the room
// beside that column first; fang keeps the lines under one another.

// helpWidth is the width fang draws help at: the terminal's, at most 120 (its own rule).
func helpWidth() int {
	if s := os.Getenv("__FANG_TEST_WIDTH"); s != "" {
		if w, err := strconv.Atoi(s); err == nil {
			return w
		}
	}
	w, _, err := term.GetSize(os.Stdout.Fd())
	if err != nil {
		return 120
	}
	return min(w, 120)
}

// wantsHelp reports whether args ask for help (-h, --help, or the help command first).
func wantsHelp(args []string) bool {
	return len(args) > 0 && args[0] == "help" || slices.Contains(args, "-h") || slices.Contains(args, "--help")
}

// wrapHelp wraps the descriptions of c's and its subcommands' flags and subcommands to width.
func wrapHelp(c *cobra.Command, width int) {
	if !c.HasParent() { // cobra adds these when it runs: add them now, to wrap them too
		c.InitDefaultHelpCmd()
		c.InitDefaultCompletionCmd()
	}
	var keys []int
	c.Flags().VisitAll(func(f *pflag.Flag) {
		if !f.Hidden {
			keys = append(keys, ansi.StringWidth(flagKey(f)))
		}
	})
	for _, sc := range c.Commands() {
		if !sc.Hidden {
			keys = append(keys, ansi.StringWidth(commandKey(sc)))
		}
	}
	// fang: four cells of margin, then the key column (the longest key and two, ten at least).
	room := width - 4 - max(10, slices.Max(append(keys, 0))+2) - 1
	if room >= 20 {
		c.Flags().VisitAll(func(f *pflag.Flag) {
			def := ""
			if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" && f.DefValue != "[]" {
				def = " (" + f.DefValue + ")" // fang adds it after the last line
			}
			f.Usage = wrapWords(f.Usage, room, ansi.StringWidth(def))
		})
		for _, sc := range c.Commands() {
			sc.Short = wrapWords(sc.Short, room, 0)
		}
	}
	for _, sc := range c.Commands() {
		wrapHelp(sc, width)
	}
}

// flagKey is a flag as fang's help names it.
func flagKey(f *pflag.Flag) string {
	if f.Shorthand != "" {
		return "-" + f.Shorthand + " --" + f.Name
	}
	return "--" + f.Name
}

// commandKey is a subcommand as fang's help names it: its use line, [command] when it has
// subcommands, [--flags] when it has flags.
func commandKey(c *cobra.Command) string {
	u := c.Use
	for _, k := range []string{"[args]", "[flags]", "[--flags]", "[command]"} {
		u = strings.ReplaceAll(u, k, "")
	}
	u = strings.Join(strings.Fields(u), " ")
	if c.HasAvailableSubCommands() {
		u += " [command]"
	}
	if c.HasAvailableFlags() {
		u += " [--flags]"
	}
	return u
}

// wrapWords breaks s at spaces into lines of at most width cells; a word longer than a line is cut
// across lines (a path, a URL). reserve cells follow the last line (fang's "(default)"): when they do
// not fit there, the text ends in a line break so that they go on a line of their own. Existing
// line breaks are kept.
func wrapWords(s string, width, reserve int) string {
	var out []string
	for _, p := range strings.Split(s, "\n") {
		line := ""
		for _, w := range strings.Fields(p) {
			for ansi.StringWidth(w) > width { // a word longer than a line
				if line != "" {
					out, line = append(out, line), ""
				}
				out = append(out, ansi.Truncate(w, width, ""))
				w = ansi.TruncateLeft(w, width, "")
			}
			switch {
			case line == "":
				line = w
			case ansi.StringWidth(line)+1+ansi.StringWidth(w) <= width:
				line += " " + w
			default:
				out = append(out, line)
				line = w
			}
		}
		out = append(out, line)
	}
	if reserve > 0 && ansi.StringWidth(out[len(out)-1])+reserve > width {
		out = append(out, "")
	}
	return strings.Join(out, "\n")
}
