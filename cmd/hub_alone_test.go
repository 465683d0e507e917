package cmd

import (
	"testing"

	"github.com/spf13/pflag"
)

// TestHubAloneOnlyWithoutOtherHubs: a hub says the desktops it held connected left when it restarts
// only when no other hub shares its log; clustered or on an external NATS, a desktop's bridge may be
// on another hub.
func TestHubAloneOnlyWithoutOtherHubs(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		args  []string
		alone bool
	}{
		{nil, true},
		{[]string{"--data", "/tmp/x", "--history", "1h"}, true},
		{[]string{"--cluster", "floor", "--cluster-listen", "127.0.0.1:7422", "--cluster-secret", "s"}, false},
		{[]string{"--nats", "nats://127.0.0.1:4222"}, false},
	} {
		var d hubData
		f := pflag.NewFlagSet("hub", pflag.ContinueOnError)
		d.register(f)
		if err := f.Parse(c.args); err != nil {
			t.Fatal(err)
		}
		if got := d.alone(); got != c.alone {
			t.Errorf("%q: alone %v, want %v", c.args, got, c.alone)
		}
	}
}
