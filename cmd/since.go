package cmd

import (
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/deskwatch/deskwatch/hub"
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
	if _, err := hub.ParseSince(since, time.Now()); errors.Is(err, hub.ErrSinceForm) {
		return fmt.Errorf("--since %q: %w", since, err)
	} else if err != nil {
		return fmt.Errorf("--since %s: %w", since, err)
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
