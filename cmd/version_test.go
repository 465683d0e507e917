package cmd

import (
	"runtime/debug"
	"testing"
)

func TestVersionString(t *testing.T) {
	t.Parallel()
	const devel = "devel (built without version control information)"
	for _, c := range []struct {
		info *debug.BuildInfo
		want string
	}{
		{&debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261206041440-1a7e0e6bd1bc+dirty"}}, "v0.0.0-20261206041440-1a7e0e6bd1bc+dirty"},
		{&debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, devel},
		{nil, devel},
	} {
		if got := versionFrom(c.info); got != c.want {
			t.Errorf("versionFrom(%v) = %q, want %q", c.info, got, c.want)
		}
	}
	if got := versionString("v9"); got != "v9" {
		t.Errorf("a stamped version: %q", got)
	}
}
