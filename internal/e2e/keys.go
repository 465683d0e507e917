package e2e

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"os"
	"testing"

	gossh "golang.org/x/crypto/ssh"
)

// NewKey returns a new ed25519 key as a signer and as an OpenSSH private key file's PEM.
func NewKey(t testing.TB) (gossh.Signer, []byte) {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := gossh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	signer, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return signer, pem.EncodeToMemory(block)
}

// WriteClientKey writes a new private key at path (mode 0600, for ssh -i) and returns its
// authorized_keys line.
func WriteClientKey(t testing.TB, path string) string {
	t.Helper()
	signer, pemBytes := NewKey(t)
	if err := os.WriteFile(path, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	return string(gossh.MarshalAuthorizedKey(signer.PublicKey()))
}
