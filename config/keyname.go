package config

import (
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// keyBases are the names of the keys that are not one character, as the terminal library writes
// them in a key press (github.com/charmbracelet/ultraviolet, keyTypeString): a key written
// otherwise ("Esc", "ctrl+gg") never matches one, and would leave its action without a key.
var keyBases = func() map[string]bool {
	m := map[string]bool{}
	for _, k := range strings.Fields(`enter tab backspace esc escape space up down left right begin find
		insert delete select pgup pgdown home end equal mul plus comma minus period div sep capslock
		scrolllock numlock printscreen pause menu mute lowervol raisevol mediaplay mediapause
		mediaplaypause mediareverse mediastop mediafastforward mediarewind medianext mediaprev
		mediarecord leftshift leftalt leftctrl leftsuper lefthyper leftmeta rightshift rightalt
		rightctrl rightsuper righthyper rightmeta isolevel3shift isolevel5shift`) {
		m[k] = true
	}
	for i := 1; i <= 63; i++ {
		m["f"+strconv.Itoa(i)] = true
	}
	return m
}()

// keyMods are the modifiers a key press names, in the order it names them.
var keyMods = []string{"ctrl", "alt", "shift", "meta", "hyper", "super"}

// validKey reports whether k is a key as a key press names it: one character ("q", "G", "?"), or
// modifiers in their order and a key ("ctrl+c", "shift+tab", "alt+enter", "f5", "space").
func validKey(k string) bool {
	if utf8.RuneCountInString(k) == 1 && k != " " {
		return true
	}
	// The key is after the last "+" but a final one (the plus key itself: "ctrl++").
	i := strings.LastIndex(k[:max(len(k)-1, 0)], "+")
	if i < 0 {
		return keyBases[k]
	}
	base, next := k[i+1:], 0
	for _, m := range strings.Split(k[:i], "+") {
		i := slices.Index(keyMods, m)
		if i < next {
			return false // unknown, repeated or out of order: never how a key press reads
		}
		next = i + 1
	}
	return keyBases[base] || (utf8.RuneCountInString(base) == 1 && base != " ")
}
