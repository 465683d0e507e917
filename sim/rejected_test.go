package sim

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestHubRejectionsReadsOnlyTheHubsWords: the counts of /metrics are summed over the hubs (a hub
// named twice is read once); a reason that is not a hub's word (an escape, spaces, a long one) and
// other metrics are passed over, and a hub answering other than 200 is an error naming it.
func TestHubRejectionsReadsOnlyTheHubsWords(t *testing.T) {
	t.Parallel()
	metrics := func(body string) string {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/metrics" {
				http.NotFound(w, r)
				return
			}
			fmt.Fprint(w, body)
		}))
		t.Cleanup(srv.Close)
		return "ws" + strings.TrimPrefix(srv.URL, "http") + "/ingest?token=x"
	}
	a := metrics("# HELP x\n" + rejectedMetric + `memory-cap"} 3` + "\n" + rejectedMetric + `invalid"} 1e+00` + "\n" +
		rejectedMetric + "\x1b[2J\"} 5\n" + rejectedMetric + `a b"} 5` + "\n" + rejectedMetric + strings.Repeat("x", 65) + `"} 5` + "\n" +
		`deskwatch_hub_events_total{reason="memory-cap"} 9` + "\n")
	b := metrics(rejectedMetric + `memory-cap"} 4` + "\n")
	got, err := HubRejections(context.Background(), []string{a, b, a})
	if want := map[string]int64{"memory-cap": 7, "invalid": 1}; err != nil || !maps.Equal(got, want) {
		t.Errorf("got %v, %v; want %v", got, err, want)
	}
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	if _, err := HubRejections(context.Background(), []string{"ws" + strings.TrimPrefix(srv.URL, "http") + "/ingest"}); err == nil ||
		!strings.Contains(err.Error(), "/metrics: HTTP 404") {
		t.Errorf("a hub without /metrics: %v", err)
	}
}
