package bridge_test

import (
	"os"
	"testing"

	"github.com/deskwatch/deskwatch/internal/e2e"
)

// TestMain keeps the tests, the browser and the binaries they start out of the real home.
func TestMain(m *testing.M) { os.Exit(e2e.Main(m)) }
