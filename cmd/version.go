package cmd

import "runtime/debug"

// versionString is what --version prints: the stamped version (go build -ldflags "-X
// main.version=v1.2.3"), else the version Go recorded in the binary: the module's version for a
// go install of a release, or for a build from a clone a pseudo-version naming the commit
// (v0.0.0-20261206041440-1a7e0e6bd1bc, "+dirty" when the tree had changes). A build without
// version control information (-buildvcs=false) says "devel".
func versionString(stamped string) string {
	if stamped != "" {
		return stamped
	}
	info, _ := debug.ReadBuildInfo()
	return versionFrom(info)
}

func versionFrom(info *debug.BuildInfo) string {
	if info == nil || info.Main.Version == "" || info.Main.Version == "(devel)" {
		return "devel (built without version control information)"
	}
	return info.Main.Version
}
