package jetlog

import (
	"strings"
	"testing"

	"github.com/nats-io/nats.go"
)

// TestBadHeaderIsLoggedShort: a foreign message's header that is not base64url is quoted in the
// line every Follow logs for it cut short, not whole (a header may be megabytes).
func TestBadHeaderIsLoggedShort(t *testing.T) {
	t.Parallel()
	v, why := header(nats.Header{sessionHeader: []string{strings.Repeat("!", 1<<20)}}, sessionHeader)
	if v != "" || why == "" {
		t.Fatalf("header of a value that is not base64url: %q, why %q; want it refused", v, why)
	}
	if len(why) > 200 {
		t.Errorf("why is %d bytes; want the value cut short", len(why))
	}
}
