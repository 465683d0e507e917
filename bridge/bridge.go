// Package bridge ships the browser bridge: a dependency-free script for the page that hosts
// Bright Pattern's Agent Desktop widget. It subscribes to the widget's events and forwards each one,
// in the shape EVENTS.md describes, over a WebSocket to a deskwatch hub. The hub serves it at
// /bridge.js and `deskwatch bridge print` prints it.
package bridge

import _ "embed"

//go:embed bridge.js
var script string

// Script returns the bridge's JavaScript source (a fresh copy; callers may keep or change it).
func Script() []byte { return []byte(script) }
