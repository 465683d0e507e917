// Package themes holds deskwatch's colour themes as data. A theme names colours; the ui package
// builds its styles from one. Colours are "#rrggbb" (the terminal profile degrades them to 256 or 16
// colours by itself) or "" for the terminal's default. A theme with Mono set uses no colour at all
// and marks things with bold, reverse and underline instead.
package themes

// Theme is a named set of colours.
type Theme struct {
	Name string
	// Dark says whether the theme is meant for a dark terminal background.
	Dark bool
	// Mono themes use attributes (bold, reverse, underline) instead of colours.
	Mono bool

	Text, Dim, Accent, Border string
	HeaderFg, HeaderBg        string
	SelectedFg, SelectedBg    string
	// Changed is the background of a cell that just changed.
	Changed string
	// Alert, Warn and OK colour alerts, warnings and good news.
	Alert, Warn, OK string

	// State colours, by interaction state; Ended is used for ended rows.
	Queued, IVR, Delivered, Hold, WrapUp, Completed, Ended, Unknown string
	// Type colours.
	Voice, Chat, Email string
}

// Dark is the default theme for dark terminals.
var Dark = Theme{
	Name: "dark", Dark: true,
	Text: "#d8dee9", Dim: "#7b8394", Accent: "#88c0d0", Border: "#4c566a",
	HeaderFg: "#eceff4", HeaderBg: "#3b4252", SelectedFg: "#2e3440", SelectedBg: "#88c0d0",
	Changed: "#5e4b1e", Alert: "#ff6b6b", Warn: "#ebcb8b", OK: "#a3be8c",
	Queued: "#ebcb8b", IVR: "#d08770", Delivered: "#a3be8c", Hold: "#b48ead", WrapUp: "#81a1c1",
	Completed: "#7b8394", Ended: "#616e88", Unknown: "#bf616a",
	Voice: "#88c0d0", Chat: "#a3be8c", Email: "#ebcb8b",
}

// Light is for light terminal backgrounds.
var Light = Theme{
	Name: "light", Dark: false,
	Text: "#24292f", Dim: "#6e7781", Accent: "#0969da", Border: "#afb8c1",
	HeaderFg: "#24292f", HeaderBg: "#d0d7de", SelectedFg: "#ffffff", SelectedBg: "#0969da",
	Changed: "#fff1a8", Alert: "#cf222e", Warn: "#9a6700", OK: "#1a7f37",
	Queued: "#9a6700", IVR: "#bc4c00", Delivered: "#1a7f37", Hold: "#8250df", WrapUp: "#0550ae",
	Completed: "#6e7781", Ended: "#8c959f", Unknown: "#cf222e",
	Voice: "#0969da", Chat: "#1a7f37", Email: "#9a6700",
}

// HighContrast uses pure, saturated colours on black for low-vision users and bright rooms.
var HighContrast = Theme{
	Name: "high-contrast", Dark: true,
	Text: "#ffffff", Dim: "#c0c0c0", Accent: "#00ffff", Border: "#ffffff",
	HeaderFg: "#000000", HeaderBg: "#ffffff", SelectedFg: "#000000", SelectedBg: "#ffff00",
	Changed: "#0000ff", Alert: "#ff0000", Warn: "#ffff00", OK: "#00ff00",
	Queued: "#ffff00", IVR: "#ff8000", Delivered: "#00ff00", Hold: "#ff00ff", WrapUp: "#00ffff",
	Completed: "#c0c0c0", Ended: "#c0c0c0", Unknown: "#ff0000",
	Voice: "#00ffff", Chat: "#00ff00", Email: "#ffff00",
}

// Mono uses no colour: selection is reversed, changes are underlined, alerts bold. NO_COLOR picks it.
var Mono = Theme{Name: "mono", Dark: true, Mono: true}

// Builtin lists the built-in themes, default first.
var Builtin = []Theme{Dark, Light, HighContrast, Mono}

// Names lists the built-in theme names.
func Names() []string {
	names := make([]string, len(Builtin))
	for i, t := range Builtin {
		names[i] = t.Name
	}
	return names
}
