package sim

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// rejectedMetric is the hub's counter of the bridges' events it rejected, by reason.
const rejectedMetric = `deskwatch_hub_events_rejected_total{reason="`

// maxMetricsBytes bounds what HubRejections reads of one hub's /metrics.
const maxMetricsBytes = 4 << 20

// HubRejections reads from each hub's /metrics (at the host of its ingest URL: http:// for ws://,
// https:// for wss://) the events it has rejected so far, by reason, keyed by that /metrics URL (a
// hub named twice is read once). The simulated bridges cannot tell a rejected event from a taken
// one (the hub acknowledges both), so a run's summary compares what the hubs say before and after
// it. Reasons are kept only when they are the hub's words (lower-case letters, '-' and '_'); what
// could not be read is in the error, hub by hub, the others' counts returned all the same.
func HubRejections(ctx context.Context, ingestURLs []string) (map[string]map[string]int64, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	got := make(map[string]map[string]int64)
	var errs []error
	for _, raw := range ingestURLs {
		u, err := url.Parse(raw)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		u.Scheme = strings.Replace(u.Scheme, "ws", "http", 1)
		u.Path, u.RawQuery, u.Fragment, u.User = "/metrics", "", "", nil
		if _, seen := got[u.String()]; seen {
			continue
		}
		counts := make(map[string]int64)
		if err := readRejections(ctx, u.String(), counts); err != nil {
			errs = append(errs, err)
			continue
		}
		got[u.String()] = counts
	}
	return got, errors.Join(errs...)
}

func readRejections(ctx context.Context, metricsURL string, into map[string]int64) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, metricsURL, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: HTTP %d", metricsURL, resp.StatusCode)
	}
	sc := bufio.NewScanner(io.LimitReader(resp.Body, maxMetricsBytes))
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), rejectedMetric)
		reason, value, found := strings.Cut(rest, `"} `)
		if !ok || !found || !hubWord(reason) {
			continue
		}
		if n, err := strconv.ParseFloat(value, 64); err == nil && n >= 0 && n < 1<<62 {
			into[reason] += int64(n)
		}
	}
	return sc.Err()
}

// hubWord reports whether s is a reason as the hub writes them.
func hubWord(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if (r < 'a' || r > 'z') && r != '-' && r != '_' {
			return false
		}
	}
	return true
}
