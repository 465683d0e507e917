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

// TestHubRejectionsReadsOnlyTheHubsWords: the counts of /metrics are read hub by hub (a hub
// named twice is read once); a reason that is not a hub's word (an escape, spaces, a long one) and
// other metrics are passed over, and a hub answering other than 200 is an error naming it, the
// others counted all the same.
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
	metricsURL := func(ingest string) string {
		return "http" + strings.TrimSuffix(strings.TrimPrefix(ingest, "ws"), "/ingest?token=x") + "/metrics"
	}
	if err != nil || len(got) != 2 || !maps.Equal(got[metricsURL(a)], map[string]int64{"memory-cap": 3, "invalid": 1}) ||
		!maps.Equal(got[metricsURL(b)], map[string]int64{"memory-cap": 4}) {
		t.Errorf("got %v, %v; want a's and b's counts", got, err)
	}
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	got, err = HubRejections(context.Background(), []string{"ws" + strings.TrimPrefix(srv.URL, "http") + "/ingest", b})
	if err == nil || !strings.Contains(err.Error(), "/metrics: HTTP 404") || len(got) != 1 {
		t.Errorf("a hub without /metrics beside one with: %v, %v; want the error and the other's counts", got, err)
	}
}
