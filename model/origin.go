package model

import (
	"fmt"
	"strings"
)

// Origin says where a raw message came from, so that an error about it can name the place: a file and
// line for recordings and standard input, a connection and message number for WebSocket streams.
type Origin struct {
	// Source names the stream: a file path, "-" for standard input, a ws:// URL, or "demo".
	Source string
	// Line is the 1-based line number in a file; zero for network messages.
	Line int64
	// Conn is the 1-based connection number of a network source (it rises on every reconnect).
	Conn int64
	// Msg is the 1-based message number within the connection.
	Msg int64
}

// String formats the origin the way error messages show it: "FILE:LINE" or "SOURCE conn C msg M".
func (o Origin) String() string {
	src := o.Source
	if src == "" {
		src = "?"
	}
	switch {
	case o.Line > 0:
		if src == "-" {
			src = "stdin"
		}
		return fmt.Sprintf("%s:%d", src, o.Line)
	case o.Conn > 0:
		return fmt.Sprintf("%s conn %d msg %d", strings.TrimSpace(src), o.Conn, o.Msg)
	case o.Msg > 0:
		return fmt.Sprintf("%s msg %d", src, o.Msg)
	}
	return src
}
