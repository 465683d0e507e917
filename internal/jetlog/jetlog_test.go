package jetlog

import (
	"context"
	"testing"
)

// TestOpenEmbedded starts the embedded server in a temporary directory and stops it.
func TestOpenEmbedded(t *testing.T) {
	t.Parallel()
	l, err := Open(context.Background(), Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
}
