package cmd

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/deskwatch/deskwatch/feed"
)

// reservedHeaders are set by the WebSocket handshake itself; --header cannot override them.
var reservedHeaders = []string{"Upgrade", "Connection", "Sec-Websocket-Key", "Sec-Websocket-Version",
	"Sec-Websocket-Extensions", "Host"}

// openWebSocket builds the WebSocket source for rawURL from the connection flags. Every flag error
// is reported here, before anything connects.
func openWebSocket(o *options, rawURL string) (feed.Source, error) {
	urls := feed.SplitStreamURLs(rawURL)
	for i, one := range urls {
		u, err := url.Parse(one)
		if err != nil || u.Host == "" || (u.Scheme != "ws" && u.Scheme != "wss") {
			return nil, fmt.Errorf("%s: not a ws:// or wss:// URL with a host", feed.RedactURL(one))
		}
		if urls[i], err = withSince(one, o.since); err != nil { // every hub is asked for the same history
			return nil, err
		}
	}
	rawURL = strings.Join(urls, ",")
	if o.ws.messageTimeout <= 0 {
		return nil, fmt.Errorf("--message-timeout %s: want a duration above 0 (e.g. 30s)", o.ws.messageTimeout)
	}
	header, err := wsHeader(&o.ws)
	if err != nil {
		return nil, err
	}
	tlsConf, err := wsTLS(&o.ws)
	if err != nil {
		return nil, err
	}
	opts := feed.WSOptions{Header: header, TLS: tlsConf, MaxMessage: o.maxMessage, OnEvent: o.onConn,
		MessageTimeout: o.ws.messageTimeout}
	return feed.NewWebSocket(rawURL, opts), nil
}

// wsHeader builds the handshake's headers from --header, --token-file, --token-env and --origin.
func wsHeader(w *wsFlags) (http.Header, error) {
	h := http.Header{}
	for _, raw := range w.headers {
		name, value, ok := strings.Cut(raw, ":")
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		if !ok || !validHeaderName(name) {
			return nil, fmt.Errorf("--header %q: want 'Name: value'", raw)
		}
		if strings.ContainsAny(value, "\r\n") {
			return nil, fmt.Errorf("--header %s: the value holds a line break", name)
		}
		for _, r := range reservedHeaders {
			if strings.EqualFold(name, r) {
				return nil, fmt.Errorf("--header %s: set by the WebSocket handshake itself", name)
			}
		}
		h.Add(name, value)
	}
	token, from, err := readToken(w)
	if err != nil {
		return nil, err
	}
	if token != "" {
		if h.Get("Authorization") != "" {
			return nil, fmt.Errorf("%s and --header Authorization: give the credentials once", from)
		}
		h.Set("Authorization", "Bearer "+token)
	}
	if w.origin != "" {
		if h.Get("Origin") != "" {
			return nil, errors.New("--origin and --header Origin: give the origin once")
		}
		h.Set("Origin", w.origin)
	}
	return h, nil
}

// readToken returns the bearer token from --token-file or --token-env (at most one may be given),
// and which flag it came from.
func readToken(w *wsFlags) (token, from string, err error) {
	switch {
	case w.tokenFile != "" && w.tokenEnv != "":
		return "", "", errors.New("--token-file and --token-env: give one")
	case w.tokenFile != "":
		from = "--token-file"
		if token, err = tokenFromFile(from, w.tokenFile); err != nil {
			return "", from, err
		}
	case w.tokenEnv != "":
		from = "--token-env"
		v, ok := os.LookupEnv(w.tokenEnv)
		if !ok {
			return "", from, fmt.Errorf("--token-env: %s is not set", w.tokenEnv)
		}
		token = strings.TrimSpace(v)
		if token == "" {
			return "", from, fmt.Errorf("--token-env: %s is empty", w.tokenEnv)
		}
	default:
		return "", "", nil
	}
	if strings.ContainsAny(token, "\r\n\t ") {
		return "", from, fmt.Errorf("%s: the token holds white space or a line break (one token, one line)", from)
	}
	return token, from, nil
}

// wsTLS builds the TLS configuration from --ca-file and --insecure (nil: the system's roots).
func wsTLS(w *wsFlags) (*tls.Config, error) {
	switch {
	case w.caFile != "" && w.insecure:
		return nil, errors.New("--ca-file and --insecure: a CA to verify with, or no verification, not both")
	case w.insecure:
		return &tls.Config{InsecureSkipVerify: true}, nil //nolint:gosec // asked for explicitly
	case w.caFile == "":
		return nil, nil
	}
	pem, err := os.ReadFile(w.caFile)
	if err != nil {
		return nil, fmt.Errorf("--ca-file: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("--ca-file %s: no PEM certificates in it", w.caFile)
	}
	return &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}, nil
}

// validHeaderName reports whether name is an HTTP token.
func validHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for _, c := range name {
		if c > 126 || c <= 32 || strings.ContainsRune(`"(),/:;<=>?@[\]{}`, c) {
			return false
		}
	}
	return true
}
