package hub

import (
	"path/filepath"
	"testing"
)

// tokenFile writes text to a token file called name in a new temporary folder and loads it (as
// ingest tokens when name is "ingest"), failing the test if it does not load; it returns the
// file's path and its tokens.
func tokenFile(t *testing.T, name, text string) (string, *Tokens) {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	writeFile(t, path, text)
	tok, err := loadTokens(path, name == "ingest")
	if err != nil {
		t.Fatal(err)
	}
	return path, tok
}
