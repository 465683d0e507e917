package feed

import (
	"net/http"
	"net/url"
	"strings"
)

// wsTarget is one hub of a WebSocket source.
type wsTarget struct {
	dialURL string // what is dialled: the URL without user info
	name    string // what is shown: the URL with secrets redacted
	header  http.Header
}

// newTarget reads one hub's URL: its user info becomes the basic authentication header.
func newTarget(rawURL string, header http.Header) wsTarget {
	t := wsTarget{dialURL: rawURL, name: RedactURL(rawURL), header: header.Clone()}
	if t.header == nil {
		t.header = http.Header{}
	}
	if u, err := url.Parse(rawURL); err == nil && u.User != nil {
		if t.header.Get("Authorization") == "" {
			pass, _ := u.User.Password()
			req := http.Request{Header: http.Header{}}
			req.SetBasicAuth(u.User.Username(), pass)
			t.header.Set("Authorization", req.Header.Get("Authorization"))
		}
		u.User = nil
		t.dialURL = u.String()
	}
	return t
}

// setTarget makes targets[i] the hub the next attempt goes to.
func (w *WebSocket) setTarget(i int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	t := w.targets[i]
	w.cur, w.dialURL, w.name, w.header = i, t.dialURL, t.name, t.header
}

// SplitStreamURLs splits a list of stream URLs separated by commas. A comma splits only where a
// ws:// or wss:// URL follows it, so that a comma inside a URL's query (?agent=a,b) stays there.
func SplitStreamURLs(list string) []string {
	var out []string
	for {
		i := nextURLComma(list)
		if i < 0 {
			return append(out, strings.TrimSpace(list))
		}
		out = append(out, strings.TrimSpace(list[:i]))
		list = list[i+1:]
	}
}

// nextURLComma is the index of the first comma followed (after spaces) by ws:// or wss://, or -1.
func nextURLComma(s string) int {
	for i := strings.IndexByte(s, ','); i >= 0; {
		rest := strings.TrimLeft(s[i+1:], " ")
		if strings.HasPrefix(rest, "ws://") || strings.HasPrefix(rest, "wss://") {
			return i
		}
		j := strings.IndexByte(s[i+1:], ',')
		if j < 0 {
			return -1
		}
		i += 1 + j
	}
	return -1
}
