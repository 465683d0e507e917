package cmd

import (
	"fmt"
	"net/url"
	"time"
)

// checkSince validates --since (a Go duration or an RFC 3339 time) for source arg, which must be a
// hub's stream: --since asks the hub for its history.
func checkSince(since, arg string) error {
	if since == "" {
		return nil
	}
	if !isURL(arg) {
		return fmt.Errorf("--since %s asks a hub for its history: SOURCE must be the hub's ws:// or wss:// stream URL", since)
	}
	if d, err := time.ParseDuration(since); err == nil {
		if d <= 0 {
			return fmt.Errorf("--since %s: want a positive duration, such as 15m", since)
		}
		return nil
	}
	if _, err := time.Parse(time.RFC3339, since); err != nil {
		return fmt.Errorf("--since %q: want a duration (15m, 2h) or an RFC 3339 time (2026-12-06T09:00:00Z)", since)
	}
	return nil
}

// withSince adds since= to a stream URL (checkSince has validated since).
func withSince(rawURL, since string) (string, error) {
	if since == "" {
		return rawURL, nil
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", err
	}
	q := u.Query()
	q.Set("since", since)
	u.RawQuery = q.Encode()
	return u.String(), nil
}
