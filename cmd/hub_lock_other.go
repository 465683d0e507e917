//go:build !unix

package cmd

// lockDir does not lock on systems without flock: one hub per --data is up to the user.
func lockDir(string) (func(), error) { return func() {}, nil }
