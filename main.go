// Command deskwatch is a live terminal monitor for Bright Pattern Agent Desktop interactions.
package main

import (
	"context"
	"os"

	"github.com/deskwatch/deskwatch/cmd"
)

// version is stamped at build time: go build -ldflags "-X main.version=v1.2.3".
var version = ""

func main() {
	os.Exit(cmd.Main(context.Background(), version))
}
