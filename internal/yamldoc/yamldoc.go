// Package yamldoc holds what the configuration and the theme files both need from YAML: one
// document read into its root node with errors that name the file and line, aliases followed,
// and the words for true and false.
package yamldoc

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// DecodeOne parses a file of one YAML document into its root node (nil when the file is empty,
// only comments or null), turning the parser's "yaml: line N: …" into "path:N: …". what names
// the document in the error about a second one ("the configuration", "a theme").
func DecodeOne(path string, data []byte, what string) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, lineError(path, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		if err != nil {
			return nil, lineError(path, err)
		}
		return nil, fmt.Errorf("%s:%d: a second YAML document: %s is one document", path, extra.Line, what)
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	root := Deref(doc.Content[0])
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return nil, nil
	}
	return root, nil
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): `)

// lineError rewrites the parser's error to start with the file and, when it has one, the line.
func lineError(path string, err error) error {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		return fmt.Errorf("%s:%s: %s", path, m[1], msg[len(m[0]):])
	}
	return fmt.Errorf("%s: %s", path, strings.TrimPrefix(msg, "yaml: "))
}

// Deref follows aliases to the node they stand for.
func Deref(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

// ParseBool reads true, yes or on and false, no or off, in any case; ok is false for anything
// else.
func ParseBool(s string) (v, ok bool) {
	switch strings.ToLower(s) {
	case "true", "yes", "on":
		return true, true
	case "false", "no", "off":
		return false, true
	}
	return false, false
}
