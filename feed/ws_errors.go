package feed

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/gorilla/websocket"

	"github.com/deskwatch/deskwatch/model"
)

// checkWSURL rejects a URL that no retry can fix.
func checkWSURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("bad WebSocket URL: %w", err)
	}
	if u.Scheme != "ws" && u.Scheme != "wss" {
		return fmt.Errorf("bad WebSocket URL %s: the scheme must be ws:// or wss://", RedactURL(raw))
	}
	if u.Host == "" {
		return fmt.Errorf("bad WebSocket URL %s: no host", RedactURL(raw))
	}
	return nil
}

// secretParams are query parameter names (lowercase substrings) whose values RedactURL hides.
var secretParams = []string{"token", "key", "secret", "pass", "auth", "sig", "jwt", "session", "cred"}

// RedactURL returns the URL as it may be shown and recorded: without a password, and with the
// values of query parameters that look like credentials replaced by "REDACTED".
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	if u.User != nil {
		u.User = url.User(u.User.Username())
	}
	if u.RawQuery != "" {
		// The query is redacted in place, as written: re-encoding it would escape its commas
		// (?agent=a,b showing as agent=a%2Cb) and reorder it.
		params := strings.Split(u.RawQuery, "&")
		for i, p := range params {
			raw, _, _ := strings.Cut(p, "=")
			name, err := url.QueryUnescape(raw)
			if err != nil {
				name = raw
			}
			lk := strings.ToLower(name)
			for _, s := range secretParams {
				if strings.Contains(lk, s) {
					params[i] = raw + "=REDACTED"
					break
				}
			}
		}
		u.RawQuery = strings.Join(params, "&")
	}
	return model.Sanitize(u.String())
}

// handshakeError explains why a connection could not be opened, naming the likely fix. hc, when
// set, is the capped connection the handshake was read from: its notes come first, since the HTTP
// parser reports a cut-short answer as malformed.
func handshakeError(err error, resp *http.Response, timeout time.Duration, hc *handshakeConn) error {
	switch {
	case hc != nil && hc.over.Load() && hc.inTLS.Load():
		return fmt.Errorf("TLS: the server sent over %d KiB in its TLS handshake", handshakeTLSMax>>10)
	case hc != nil && hc.over.Load():
		return fmt.Errorf("the server's answer to the upgrade has response headers over %d KiB", HandshakeHeaderMax>>10)
	case hc != nil && hc.timedOut.Load():
		return handshakeTimeout(timeout)
	case errors.Is(err, websocket.ErrBadHandshake) && resp != nil:
		return refusedError(resp)
	}
	var pe *ProxyError
	if errors.As(err, &pe) {
		return proxyError(pe, timeout)
	}
	var (
		dnsErr   *net.DNSError
		unknown  x509.UnknownAuthorityError
		hostErr  x509.HostnameError
		invalid  x509.CertificateInvalidError
		verify   *tls.CertificateVerificationError
		record   tls.RecordHeaderError
		alert    tls.AlertError
		netErr   net.Error
		proxyErr *url.Error
	)
	switch {
	case errors.As(err, &dnsErr):
		return fmt.Errorf("cannot resolve host %s: %w", dnsErr.Name, err)
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Errorf("connection refused (is the server running and listening on that port?): %w", err)
	case errors.As(err, &unknown):
		return fmt.Errorf("TLS: the server's certificate is signed by an unknown authority "+
			"(trust its CA with --ca-file): %w", err)
	case errors.As(err, &hostErr):
		return fmt.Errorf("TLS: the server's certificate does not name this host: %w", err)
	case errors.As(err, &invalid):
		return fmt.Errorf("TLS: the server's certificate is not valid: %w", err)
	case errors.As(err, &verify):
		return fmt.Errorf("TLS: the server's certificate was not accepted: %w", err)
	case errors.As(err, &record):
		return fmt.Errorf("TLS: the server did not answer in TLS (is it ws:// rather than wss://?): %w", err)
	case errors.As(err, &alert):
		return fmt.Errorf("TLS: the server refused the TLS handshake: %w", err)
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) ||
		(errors.As(err, &netErr) && netErr.Timeout()):
		return handshakeTimeout(timeout)
	case errors.As(err, &proxyErr) && strings.Contains(strings.ToLower(err.Error()), "proxy"):
		return fmt.Errorf("proxy: %w", err)
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET):
		return fmt.Errorf("the server closed the connection during the handshake: %w", err)
	}
	return fmt.Errorf("connect: %w", err)
}

// handshakeTimeout says the handshake took longer than it may, whatever the server sent meanwhile.
func handshakeTimeout(timeout time.Duration) error {
	return fmt.Errorf("handshake timed out after %s (the server accepted no connection or did not "+
		"finish answering the upgrade in time)", timeout)
}

// proxyError explains a failed tunnel; the proxy's own errors keep their type, so that Unrecoverable
// and the status line see them as the proxy's.
func proxyError(pe *ProxyError, timeout time.Duration) error {
	var netErr net.Error
	switch {
	case pe.StatusCode != 0:
		return pe
	case errors.Is(pe.Err, syscall.ECONNREFUSED):
		return &ProxyError{Proxy: pe.Proxy, Err: fmt.Errorf("connection refused (is the proxy running? "+
			"check HTTP_PROXY, HTTPS_PROXY and NO_PROXY): %w", pe.Err)}
	case errors.Is(pe.Err, context.DeadlineExceeded) || errors.Is(pe.Err, os.ErrDeadlineExceeded) ||
		(errors.As(pe.Err, &netErr) && netErr.Timeout()):
		return &ProxyError{Proxy: pe.Proxy, Err: fmt.Errorf("no tunnel within the handshake timeout (%s)", timeout)}
	}
	return pe
}

// RefusedError is a server answering the WebSocket handshake with an HTTP status instead of
// switching protocols: a wrong token (401), no rights (403), a wrong path (404).
type RefusedError struct {
	// StatusCode is the server's HTTP status.
	StatusCode int
	msg        string
}

// Error says what the status means and what to check.
func (e *RefusedError) Error() string { return e.msg }

// Unrecoverable reports whether retrying cannot mend err without a change of configuration on one
// side or the other: the server refused the handshake with a client error (401, 403, 404, …; not 408
// or 429, which ask to try again), the proxy refused the tunnel for want of credentials or rights,
// or TLS failed (the certificate was not accepted, or the server does not speak TLS). Batch mode
// gives up on such an error; the monitor keeps retrying with backoff, since the other side may be
// fixed while it waits.
func Unrecoverable(err error) bool {
	var re *RefusedError
	if errors.As(err, &re) {
		return re.StatusCode >= 400 && re.StatusCode < 500 && re.StatusCode != http.StatusRequestTimeout &&
			re.StatusCode != http.StatusTooManyRequests
	}
	var pe *ProxyError
	if errors.As(err, &pe) {
		return pe.StatusCode == http.StatusProxyAuthRequired || pe.StatusCode == http.StatusForbidden
	}
	var (
		unknown x509.UnknownAuthorityError
		hostErr x509.HostnameError
		invalid x509.CertificateInvalidError
		verify  *tls.CertificateVerificationError
		record  tls.RecordHeaderError
	)
	return errors.As(err, &unknown) || errors.As(err, &hostErr) || errors.As(err, &invalid) ||
		errors.As(err, &verify) || errors.As(err, &record)
}

// refusedError describes an HTTP answer other than the switch to WebSocket.
func refusedError(resp *http.Response) error {
	status := model.SanitizeCut(resp.Status, 200) // the server's words: they reach the terminal
	if status == "" {
		status = fmt.Sprint(resp.StatusCode)
	}
	var body string
	if resp.Body != nil {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
		if line, _, _ := strings.Cut(strings.TrimSpace(string(b)), "\n"); line != "" {
			body = ": " + model.Sanitize(line)
		}
	}
	var msg string
	switch resp.StatusCode {
	case http.StatusUnauthorized:
		msg = fmt.Sprintf("unauthorized (HTTP %s; check --token-file, --token-env or --header)%s", status, body)
	case http.StatusForbidden:
		msg = fmt.Sprintf("forbidden (HTTP %s; check the token's rights, --origin)%s", status, body)
	case http.StatusSwitchingProtocols:
		msg = "the server's WebSocket upgrade answer was invalid"
	default:
		msg = fmt.Sprintf("the server refused the WebSocket upgrade: HTTP %s%s", status, body)
	}
	return &RefusedError{StatusCode: resp.StatusCode, msg: msg}
}

// readError explains why an open connection ended.
func readError(ctx context.Context, err error, idle time.Duration) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var ce *websocket.CloseError
	var netErr net.Error
	switch {
	case errors.As(err, &ce) && ce.Code == websocket.CloseAbnormalClosure:
		return errors.New("the connection dropped without a close frame")
	case errors.As(err, &ce):
		text := ""
		if ce.Text != "" {
			text = ": " + model.Sanitize(ce.Text)
		}
		return fmt.Errorf("closed by the server (%d %s)%s", ce.Code, closeCodeName(ce.Code), text)
	case errors.As(err, &netErr) && netErr.Timeout():
		return fmt.Errorf("no data and no pong for %s: the server stopped answering", idle)
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return errors.New("the connection dropped without a close frame")
	}
	return fmt.Errorf("read: %w", err)
}

// closeCodeName names the common WebSocket close codes.
func closeCodeName(code int) string {
	switch code {
	case websocket.CloseNormalClosure:
		return "normal closure"
	case websocket.CloseGoingAway:
		return "going away"
	case websocket.CloseProtocolError:
		return "protocol error"
	case websocket.CloseUnsupportedData:
		return "unsupported data"
	case websocket.ClosePolicyViolation:
		return "policy violation"
	case websocket.CloseMessageTooBig:
		return "message too big"
	case websocket.CloseInternalServerErr:
		return "internal server error"
	case websocket.CloseServiceRestart:
		return "service restart"
	case websocket.CloseTryAgainLater:
		return "try again later"
	case websocket.CloseNoStatusReceived:
		return "no status"
	}
	return "close code"
}
